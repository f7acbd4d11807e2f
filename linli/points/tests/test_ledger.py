"""The points ledger: pairs of entries summing to zero, balances derived and cached in the
same transaction, never below zero, corrections as reversals, expiry by lots, the shop's
holds released exactly once, awards once per (rule, source, person)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from linli.core import events
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Invalid
from linli.core.history import AppendOnlyError
from linli.core.models import AuditEntry
from linli.points import services
from linli.points.models import (Award, EarningRule, PointAccount, PointEntry, PointLot, PointTransfer, Redemption,
                                 StockEntry)
from linli.points.recompute import differences

from .conftest import give

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(city):
    return city.user_with("volunteer", at=city.community, name="超市志愿者")


def balance(person, community):
    return PointAccount.objects.get(owner=person, community=community).balance


def test_manual_award_is_a_balanced_pair_needs_a_reason_and_is_audited(shop, resident):
    with pytest.raises(Invalid) as err:
        services.manual_award(actor=SYSTEM, person_id=resident.pk, community_id=shop["community"].pk, points=10,
                              reason="  ")
    assert err.value.as_list()[0]["field"] == "reason"
    transfer = give(resident, shop["community"], 10, reason="参加环境整治")
    legs = list(transfer.entries.values_list("account__kind", "amount"))
    assert sorted(legs) == [("issued", -10), ("person", 10)]
    assert balance(resident, shop["community"]) == 10
    assert AuditEntry.objects.filter(kind="points.manual_award", note="参加环境整治").count() == 1
    assert differences() == []


def test_entries_are_append_only_and_balance_cannot_go_negative_in_the_database(shop, resident):
    transfer = give(resident, shop["community"], 10)
    entry = transfer.entries.first()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAccount.objects.filter(owner=resident).update(balance=-1)


def test_recompute_finds_nothing_then_finds_a_tampered_balance(shop, resident):
    give(resident, shop["community"], 40)
    services.redeem(actor=resident, good_id=shop["good"].pk)
    call_command("points_recompute")  # raises on any difference
    PointAccount.objects.filter(owner=resident).update(balance=999)
    assert differences() == [f"account {PointAccount.objects.get(owner=resident).pk}: cached 999, entries 10"]


def test_redeem_then_claim_once(shop, resident, counter):
    give(resident, shop["community"], 40)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    assert (r.status, balance(resident, shop["community"])) == ("held", 10)
    shop["good"].refresh_from_db()
    assert shop["good"].stock == 4
    claimed = services.claim(actor=counter, code=r.code.lower())
    assert claimed.status == "claimed"
    with pytest.raises(Conflict) as err:
        services.claim(actor=counter, code=r.code)
    assert err.value.code == "already_claimed"
    spent = PointAccount.objects.get(kind="spent")
    assert spent.entries.aggregate(s=Sum("amount"))["s"] == 30
    assert PointAccount.objects.get(kind="held").entries.aggregate(s=Sum("amount"))["s"] == 0
    assert differences() == []


def test_counter_outside_the_community_cannot_claim(city, shop, resident):
    give(resident, shop["community"], 40)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    stranger = city.user_with("volunteer", at=city.other_grid)
    with pytest.raises(Exception) as err:
        services.claim(actor=stranger, code=r.code)
    assert getattr(err.value, "code", "") == "not_found"


def test_short_balance_is_refused_and_nothing_is_written(shop, resident):
    give(resident, shop["community"], 29)
    before = (PointEntry.objects.count(), StockEntry.objects.count())
    with pytest.raises(Conflict) as err:
        services.redeem(actor=resident, good_id=shop["good"].pk)
    assert err.value.code == "insufficient_points"
    assert (PointEntry.objects.count(), StockEntry.objects.count()) == before
    assert balance(resident, shop["community"]) == 29


def test_out_of_stock(shop, city):
    people = [city.user_with("resident", at=city.dwelling) for _ in range(6)]
    for p in people:
        give(p, shop["community"], 30)
    for p in people[:5]:
        services.redeem(actor=p, good_id=shop["good"].pk)
    with pytest.raises(Conflict) as err:
        services.redeem(actor=people[5], good_id=shop["good"].pk)
    assert err.value.code == "out_of_stock"


def test_an_unclaimed_hold_expires_once_returning_points_and_stock(shop, resident, counter):
    give(resident, shop["community"], 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    later = timezone.now() + services.hold_period() + timedelta(minutes=1)
    assert services.expire_holds(now=later) == 1
    assert services.expire_holds(now=later) == 0
    r.refresh_from_db()
    assert r.status == "expired"
    assert balance(resident, shop["community"]) == 30
    shop["good"].refresh_from_db()
    assert shop["good"].stock == 5
    with pytest.raises(Conflict):
        services.claim(actor=counter, code=r.code)
    with pytest.raises(Conflict):
        services.cancel_redemption(actor=resident, redemption_id=r.pk)
    assert PointTransfer.objects.filter(kind="refund").count() == 1
    assert differences() == []


def test_a_hold_past_its_date_is_not_claimed_before_the_job_runs(shop, resident, counter):
    give(resident, shop["community"], 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    Redemption.objects.filter(pk=r.pk).update(hold_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as err:
        services.claim(actor=counter, code=r.code)
    assert err.value.code == "hold_expired"


def test_cancellation_refunds_exactly_once(shop, resident):
    give(resident, shop["community"], 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    services.cancel_redemption(actor=resident, redemption_id=r.pk)
    with pytest.raises(Conflict) as err:
        services.cancel_redemption(actor=resident, redemption_id=r.pk)
    assert err.value.code == "already_cancelled"
    assert balance(resident, shop["community"]) == 30
    assert StockEntry.objects.filter(redemption=r).values_list("kind", "delta").order_by("id")[::1] == [
        ("hold", -1), ("return", 1)]


def test_correction_is_a_reversal_once_and_cannot_take_spent_points(shop, resident, city):
    first = give(resident, shop["community"], 30)
    second = give(resident, shop["community"], 5)
    with pytest.raises(Invalid):
        services.reverse_transfer(actor=SYSTEM, transfer_id=second.pk, reason="")
    reversal = services.reverse_transfer(actor=SYSTEM, transfer_id=second.pk, reason="重复发放")
    assert reversal.reverses_id == second.pk
    assert sorted(reversal.entries.values_list("amount", flat=True)) == [-5, 5]
    with pytest.raises(Conflict) as err:
        services.reverse_transfer(actor=SYSTEM, transfer_id=second.pk, reason="再来一次")
    assert err.value.code == "already_reversed"
    services.redeem(actor=resident, good_id=shop["good"].pk)  # spends the 30
    with pytest.raises(Conflict) as err:
        services.reverse_transfer(actor=SYSTEM, transfer_id=first.pk, reason="发错了")
    assert err.value.code == "insufficient_points"
    assert balance(resident, shop["community"]) == 0
    assert differences() == []


def test_lots_spend_soonest_expiring_first_and_expiry_is_an_entry(shop, resident):
    c = shop["community"]
    services.manual_award(actor=SYSTEM, person_id=resident.pk, community_id=c.pk, points=20, reason="永久")
    services.manual_award(actor=SYSTEM, person_id=resident.pk, community_id=c.pk, points=20, reason="30天",
                          valid_days=30)
    services.manual_award(actor=SYSTEM, person_id=resident.pk, community_id=c.pk, points=20, reason="10天",
                          valid_days=10)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)  # 30: 20 from the 10-day lot, 10 from the 30-day
    lots = {lot.transfer.note: lot.remaining for lot in PointLot.objects.select_related("transfer")}
    assert lots == {"永久": 20, "30天": 10, "10天": 0}
    in_40_days = timezone.now() + timedelta(days=40)
    services.cancel_redemption(actor=resident, redemption_id=r.pk)  # the points go back to the lots they came from
    lots = {lot.transfer.note: lot.remaining for lot in PointLot.objects.select_related("transfer")}
    assert lots == {"永久": 20, "30天": 20, "10天": 20}
    assert services.expire_lots(now=in_40_days) == 40
    assert services.expire_lots(now=in_40_days) == 0
    assert balance(resident, c) == 20
    assert PointAccount.objects.get(kind="expired").entries.aggregate(s=Sum("amount"))["s"] == 40
    assert differences() == []


def publish(kind, key, path, data):
    with transaction.atomic():
        events.publish(kind, key=key, path=path, data=data)


def test_attendance_is_pending_until_hours_are_verified_then_paid_once(shop, resident, city,
                                                                        django_capture_on_commit_callbacks):
    path = city.compound.path
    with django_capture_on_commit_callbacks(execute=True):
        publish("activities.attended", "participation:7:attended", path,
                {"participation": 7, "person": resident.pk, "activity": 1, "points": 8})
    award = Award.objects.get()
    assert (award.status, award.points) == ("pending", 8)
    assert not PointAccount.objects.filter(owner=resident, balance__gt=0).exists()
    for _ in range(2):  # a replayed event pays nothing twice
        with django_capture_on_commit_callbacks(execute=True):
            publish("activities.hours_verified", "participation:7:hours", path,
                    {"participation": 7, "person": resident.pk, "activity": 1, "minutes": 150})
    assert sorted(Award.objects.values_list("rule__trigger", "status", "credited")) == [
        ("attended", "credited", 8), ("service_hour", "credited", 20)]
    assert balance(resident, shop["community"]) == 28
    # The same award again, directly: the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(rule=shop["rules"]["attended"], source="participation:7", person=resident, path=path,
                             points=8)
    assert services.award(trigger="attended", path=path, person_id=resident.pk, source="participation:7",
                          verified=True)[0].credited == 8
    assert balance(resident, shop["community"]) == 28


def test_a_closed_case_pays_its_reporter_unless_the_tip_was_not_verified(shop, resident, city,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish("cases.case_closed", "case-closed:1", city.dwelling.path,
                {"case": 1, "outcome": "solved", "reporter": resident.pk})
        publish("cases.case_closed", "case-closed:2", city.dwelling.path,
                {"case": 2, "outcome": "rejected", "reporter": resident.pk})
        publish("cases.case_closed", "case-closed:3", city.dwelling.path,
                {"case": 3, "outcome": "solved", "reporter": None})
    assert balance(resident, shop["community"]) == 20
    assert Award.objects.count() == 1


def test_daily_cap_pays_up_to_the_cap_then_caps(shop, resident, city):
    rule = shop["rules"]["verified_tip"]
    services.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger=rule.trigger, name=rule.name,
                       points=20, daily_cap=30, rule_id=rule.pk)
    got = [services.award(trigger="verified_tip", path=city.dwelling.path, person_id=resident.pk,
                          source=f"case:{n}", verified=True)[0] for n in range(3)]
    assert [(a.status, a.credited) for a in got] == [("credited", 20), ("credited", 10), ("capped", 0)]
    assert balance(resident, shop["community"]) == 30


def test_a_reward_redeemed_earns_no_points(shop, resident, counter, django_capture_on_commit_callbacks):
    from linli.core.models import DomainEvent

    give(resident, shop["community"], 30)
    with django_capture_on_commit_callbacks(execute=True):
        r = services.redeem(actor=resident, good_id=shop["good"].pk)
        services.claim(actor=counter, code=r.code)
    events.dispatch_pending()
    assert DomainEvent.objects.count() == 0
    assert Award.objects.count() == 0
    assert balance(resident, shop["community"]) == 0


def test_rules_only_apply_inside_their_community(shop, city):
    from linli.places import services as place_services

    other_community = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community",
                                                  name="别的社区")
    someone = city.user_with("resident", at=city.dwelling)
    assert services.award(trigger="verified_tip", path=other_community.path, person_id=someone.pk,
                          source="case:9", verified=True) == []
    assert EarningRule.objects.count() == 3


def test_list_of_transfers_reads_in_constant_queries(shop, resident, django_assert_num_queries):
    from linli.points import selectors

    for n in (3, 30):
        for _ in range(n):
            give(resident, shop["community"], 1)
        with django_assert_num_queries(2):
            rows = selectors.history(person=resident, community=shop["community"], limit=50)
            assert len(rows) >= 3
    assert connection.vendor in ("sqlite", "postgresql")
