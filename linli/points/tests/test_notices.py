"""What a resident is told about their points: one notice per credited award (a replayed
event or a repeated award tells nobody twice; a pending or capped award tells nothing), a
manual award and a reversal with their reasons, and the redemption's life: the code and the
date it is held until, the hand-over at the counter, a cancellation by staff with the reason,
an expired hold with the points returned. Each lands in that person's inbox only."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from linli.core import events
from linli.core.actors import SYSTEM
from linli.notify.models import Notification
from linli.points import services

from .conftest import give

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(city):
    return city.user_with("resident", at=city.dwelling, name="邻居")


@pytest.fixture
def counter(city):
    return city.user_with("volunteer", at=city.community, name="超市志愿者")


@pytest.fixture
def manager(city):
    return city.user_with("community_worker", at=city.community, name="社区干事")


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user, channel="in_app").order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def publish(kind, key, path, data):
    with transaction.atomic():
        events.publish(kind, key=key, path=path, data=data)


def test_each_credited_award_is_told_once_even_when_the_event_comes_again(shop, resident, neighbour, city,
                                                                          django_capture_on_commit_callbacks):
    path = city.compound.path
    with django_capture_on_commit_callbacks(execute=True):
        publish("activities.attended", "participation:7:attended", path,
                {"participation": 7, "person": resident.pk, "activity": 1, "points": 8})
    assert inbox(resident) == []  # pending until the hours are verified: nothing credited yet
    # The same verification arrives twice under two event keys (a retried job): both run the
    # effect, the awards are credited once, and the notices with them.
    for key in ("participation:7:hours", "participation:7:hours-retry"):
        with django_capture_on_commit_callbacks(execute=True):
            publish("activities.hours_verified", key, path,
                    {"participation": 7, "person": resident.pk, "activity": 1, "minutes": 150})
    services.award(trigger="attended", path=path, person_id=resident.pk, source="participation:7", verified=True)
    told = inbox(resident, "points_awarded")
    assert sorted(n.text for n in told) == ["获得 20 积分：志愿服务每小时", "获得 8 积分：参加活动"]
    assert {n.url for n in told} == {"/points/"}
    assert inbox(neighbour) == []


def test_a_capped_award_tells_nothing(shop, resident, city):
    rule = shop["rules"]["verified_tip"]
    services.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger=rule.trigger, name=rule.name,
                       points=20, daily_cap=20, rule_id=rule.pk)
    for n in range(2):
        services.award(trigger="verified_tip", path=city.dwelling.path, person_id=resident.pk, source=f"case:{n}",
                       verified=True)
    assert [n.text for n in inbox(resident)] == ["获得 20 积分：反映问题获办结"]


def test_manual_award_and_its_reversal_are_told_with_the_reason(shop, resident, neighbour, manager):
    t = services.manual_award(actor=manager, person_id=resident.pk, community_id=shop["community"].pk, points=15,
                              reason="协助疫苗接种登记")
    services.reverse_transfer(actor=manager, transfer_id=t.pk, reason="重复发放")
    assert [(n.kind, n.text) for n in inbox(resident)] == [
        ("points_awarded", "获得 15 积分：协助疫苗接种登记"), ("points_reversed", "15 积分已被冲正扣回：重复发放")]
    assert inbox(neighbour) == [] and inbox(manager) == []


def test_a_refused_reversal_tells_nothing(shop, resident):
    t = give(resident, shop["community"], 30)
    services.redeem(actor=resident, good_id=shop["good"].pk)  # spends the 30
    before = len(inbox(resident))
    with pytest.raises(Exception):
        services.reverse_transfer(actor=SYSTEM, transfer_id=t.pk, reason="发错了")
    assert len(inbox(resident)) == before


def test_redeem_then_hand_over_is_told_with_the_code_and_the_date(shop, resident, neighbour, counter):
    give(resident, shop["community"], 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    held = inbox(resident, "redemption_held")
    until = timezone.localtime(r.hold_until).strftime("%Y-%m-%d %H:%M")
    assert len(held) == 1 and r.code in held[0].text and until in held[0].text and "洗衣液" in held[0].text
    assert held[0].url == "/points/shop/"
    services.claim(actor=counter, code=r.code)
    with pytest.raises(Exception):
        services.claim(actor=counter, code=r.code)  # scanned twice: handed over once, told once
    claimed = inbox(resident, "redemption_claimed")
    assert len(claimed) == 1 and "洗衣液" in claimed[0].text and "已领取" in claimed[0].text
    assert inbox(neighbour) == [] and inbox(counter) == []


def test_cancelled_by_staff_is_told_with_the_reason_and_by_oneself_is_not(shop, resident, manager):
    give(resident, shop["community"], 60)
    mine = services.redeem(actor=resident, good_id=shop["good"].pk)
    theirs = services.redeem(actor=resident, good_id=shop["good"].pk)
    services.cancel_redemption(actor=resident, redemption_id=mine.pk)
    assert inbox(resident, "redemption_cancelled") == []  # they did it themselves
    services.cancel_redemption(actor=manager, redemption_id=theirs.pk, reason="商品受潮，暂停兑换")
    told = inbox(resident, "redemption_cancelled")
    assert len(told) == 1 and "商品受潮，暂停兑换" in told[0].text and "30 积分已退回" in told[0].text
    assert inbox(manager) == []


def test_an_expired_hold_is_told_once_with_the_points_returned(shop, resident, neighbour):
    give(resident, shop["community"], 30)
    services.redeem(actor=resident, good_id=shop["good"].pk)
    later = timezone.now() + services.hold_period() + timedelta(minutes=1)
    services.expire_holds(now=later)
    services.expire_holds(now=later)
    told = inbox(resident, "redemption_expired")
    assert len(told) == 1 and "30 积分已退回" in told[0].text and told[0].url == "/points/shop/"
    assert inbox(neighbour) == []
