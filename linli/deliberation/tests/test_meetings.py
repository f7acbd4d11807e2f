"""Topics and meetings: support once, threshold, screening with reasons, a case becoming a
topic, sign-in merged per person with nonce-idempotent offline scans, minutes and a vote."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, Invalid
from linli.core.models import DomainEvent
from linli.deliberation import selectors_meetings
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Attendance, SignIn, Topic, TopicEvent, Vote

from .estate import Estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "90"), ("102", "90")], "2栋": [("101", "90")]})


def test_residents_propose_and_support_once_until_the_threshold(estate):
    owners = estate.owners_each()
    users = [estate.user(r) for r in owners.values()]
    topic = sm.propose_topic(actor=users[0], place_id=estate.compound.pk, title="垃圾房改造",
                             support_threshold=2)
    sm.support_topic(actor=users[1], topic_id=topic.pk)
    with pytest.raises(Conflict) as err:
        sm.support_topic(actor=users[1], topic_id=topic.pk)
    assert err.value.code == "already_supported"
    topic = sm.support_topic(actor=users[2], topic_id=topic.pk)
    assert topic.status == "to_schedule" and topic.support_count == 2
    assert list(TopicEvent.objects.filter(topic=topic).values_list("kind", flat=True)) == ["proposed", "to_schedule"]
    outsider = estate.city.user_with("resident", at=estate.city.other_dwelling)
    with pytest.raises(Forbidden):
        sm.propose_topic(actor=outsider, place_id=estate.compound.pk, title="别处的事")


def test_refusal_needs_a_reason_the_proposer_sees(estate, city):
    owners = estate.owners_each()
    proposer = estate.user(owners["1栋-101"])
    staff = city.user_with("community_worker", at=city.community)
    topic = sm.propose_topic(actor=proposer, place_id=estate.compound.pk, title="修建游泳池")
    with pytest.raises(Invalid) as err:
        sm.screen_topic(actor=staff, topic_id=topic.pk, accept=False)
    assert {e["field"] for e in err.value.errors} == {"refusal", "note"}
    sm.screen_topic(actor=staff, topic_id=topic.pk, accept=False, refusal="not_feasible", note="场地不足")
    topic.refresh_from_db()
    assert (topic.status, topic.refusal, topic.refusal_note) == ("refused", "not_feasible", "场地不足")
    from linli.notify.models import Notification

    assert Notification.objects.filter(recipient=proposer, kind="topic_refused").exists()


def test_a_case_becomes_a_topic_once(estate, city):
    from django.apps import apps

    Case = apps.get_model("cases", "Case")
    from linli.cases import services as case_services  # the test may use the cases app

    reporter = city.user_with("resident", at=city.dwelling)
    case = case_services.submit_case(actor=reporter, text="小区垃圾房破旧，气味大", channel="resident",
                                     place_id=city.dwelling.pk, category_code="parking")
    staff = city.user_with("community_worker", at=city.community)
    topic = sm.topic_from_case(actor=staff, case_id=case.pk)
    assert topic.case_id == case.pk and topic.status == "to_schedule" and "垃圾房" in topic.title
    assert DomainEvent.objects.filter(kind="deliberation.topic_from_case", data__case=case.pk).exists()
    with pytest.raises(Conflict):
        sm.topic_from_case(actor=staff, case_id=case.pk)
    assert Case.objects.filter(pk=case.pk).exists()


def test_sign_in_by_qr_and_list_merges_per_person_and_offline_scans_count_once(estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    topic = Topic.objects.create(place=estate.compound, path=estate.compound.path, title="楼道堆物清理")
    meeting = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="院坝会",
                                starts_at=timezone.now(), topic_ids=[topic.pk])
    sm.publish_meeting_notice(actor=head, meeting_id=meeting.pk)
    r1, r2 = owners["1栋-101"], owners["2栋-101"]
    scanned = timezone.now() - dt.timedelta(minutes=30)
    sm.sign_in(actor=head, meeting_id=meeting.pk, resident_id=r1.pk, method="qr", nonce="scan-0001", scanned_at=scanned)
    # The same offline scan uploaded again: accepted once.
    sm.sign_in(actor=head, meeting_id=meeting.pk, resident_id=r1.pk, method="qr", nonce="scan-0001", scanned_at=scanned)
    # And ticked on the printed list as well: still one attendance, both methods.
    sm.sign_in(actor=head, meeting_id=meeting.pk, resident_id=r1.pk, method="list", nonce="list-0001")
    sm.sign_in(actor=head, meeting_id=meeting.pk, resident_id=r2.pk, method="list", nonce="list-0002")
    assert SignIn.objects.filter(meeting=meeting).count() == 3
    att = Attendance.objects.get(meeting=meeting, resident=r1)
    assert att.first_at == scanned and att.methods == "qr,list"
    s = SignIn.objects.get(nonce="scan-0001")
    assert s.scanned_at == scanned and s.at > scanned
    assert selectors_meetings.attendance_by_building(meeting) == [("1栋", 1), ("2栋", 1)]
    with pytest.raises(Conflict):
        sm.sign_in(actor=head, meeting_id=meeting.pk, resident_id=r2.pk, method="qr", nonce="scan-0001")


def test_minutes_approved_by_the_convener_and_a_decision_opens_a_vote(estate, city):
    estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    other = city.user_with("building_head", at=estate.compound)
    topic = Topic.objects.create(place=estate.compound, path=estate.compound.path, title="加装电动车充电桩")
    meeting = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="院坝会",
                                starts_at=timezone.now(), topic_ids=[topic.pk])
    [item] = meeting.items.all()
    with pytest.raises(Invalid):
        sm.approve_minutes(actor=head, meeting_id=meeting.pk)
    sm.record_minutes(actor=head, item_id=item.pk, discussion="多数居民赞成", decision="提交业主表决",
                      actions="楼栋长王某，12月15日前")
    with pytest.raises(Forbidden):
        sm.approve_minutes(actor=other, meeting_id=meeting.pk)
    sm.approve_minutes(actor=head, meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.status == "minutes"
    topic.refresh_from_db()
    assert topic.status == "decided"
    with pytest.raises(Conflict):
        sm.record_minutes(actor=head, item_id=item.pk, discussion="改", decision="改")
    vote = sm.open_vote_from_item(actor=head, item_id=item.pk, kind="household",
                                  matters=[{"title": "加装充电桩", "kind": "ordinary"}])
    assert Vote.objects.get(pk=vote.pk).topic_id == topic.pk
