"""Rules of procedure (议事规则) per place: who may set them, every refusal as a field error,
the nearest ancestor's rules apply, a topic keeps the threshold it was proposed under, the
notice's lead time, and an owners' assembly's stricter quorum at the door."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.models import AuditEntry
from linli.deliberation import selectors_meetings
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Meeting, ProcedureRules
from linli.deliberation.selectors_rules import rules_for
from linli.deliberation.services_rules import set_procedure_rules
from linli.places.models import Place
from linli.testing import queries

from .estate import Estate

pytestmark = pytest.mark.django_db

GOOD = {"support_threshold": "8", "owners_notice_days": "10", "other_notice_days": "2"}


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100.00"), ("102", "100.00"), ("103", "100.00")],
                         "2栋": [("101", "100.00")]})


@pytest.fixture
def worker(city):
    return city.user_with("community_worker", at=city.community)


def fields(exc) -> dict:
    return {e["field"]: e["code"] for e in exc.value.as_list()}


@pytest.mark.parametrize("given, field, code", [
    ({"support_threshold": "x"}, "support_threshold", "not_a_number"),
    ({"support_threshold": "0"}, "support_threshold", "out_of_range"),
    ({"support_threshold": ""}, "support_threshold", "not_a_number"),
    ({"owners_notice_days": "-1"}, "owners_notice_days", "out_of_range"),
    ({"owners_notice_days": "91"}, "owners_notice_days", "out_of_range"),
    ({"other_notice_days": "一"}, "other_notice_days", "not_a_number"),
    ({"assembly_quorum_num": "3"}, "assembly_quorum_den", "required"),
    ({"assembly_quorum_den": "4"}, "assembly_quorum_num", "required"),
    ({"assembly_quorum_num": "5", "assembly_quorum_den": "4"}, "assembly_quorum_num", "more_than_all"),
    # 3/5 = 0.6 < 2/3: looser than the law
    ({"assembly_quorum_num": "3", "assembly_quorum_den": "5"}, "assembly_quorum_num", "looser_than_law"),
    ({"assembly_quorum_num": "66", "assembly_quorum_den": "100"}, "assembly_quorum_num", "looser_than_law"),
    ({"assembly_quorum_num": "0", "assembly_quorum_den": "3"}, "assembly_quorum_num", "out_of_range"),
    ({"assembly_quorum_num": "2", "assembly_quorum_den": "0"}, "assembly_quorum_den", "out_of_range"),
])
def test_every_refusal_names_its_field_and_writes_nothing(city, worker, given, field, code):
    with pytest.raises(Invalid) as exc:
        set_procedure_rules(actor=worker, place_id=city.community.pk, **{**GOOD, **given})
    assert fields(exc) == {field: code}
    assert not ProcedureRules.objects.exists() and not AuditEntry.objects.filter(kind="deliberation.set_rules").exists()


def test_several_errors_come_together(city, worker):
    with pytest.raises(Invalid) as exc:
        set_procedure_rules(actor=worker, place_id=city.community.pk, support_threshold="0",
                            owners_notice_days="x", other_notice_days="100", assembly_quorum_num="1",
                            assembly_quorum_den="2")
    assert fields(exc) == {"support_threshold": "out_of_range", "owners_notice_days": "not_a_number",
                           "other_notice_days": "out_of_range", "assembly_quorum_num": "looser_than_law"}


def test_who_may_set_rules_and_where(city, estate):
    with pytest.raises(NotFound):
        set_procedure_rules(actor=city.user_with("street_official", at=city.street), place_id=999999, **GOOD)
    # Grid staff convene meetings but do not set the rules; a building is not a rules place.
    for role, at in (("grid_worker", city.grid), ("building_head", estate.compound),
                     ("owners_committee", estate.compound)):
        with pytest.raises(Forbidden):
            set_procedure_rules(actor=city.user_with(role, at=at), place_id=estate.compound.pk, **GOOD)
    # Out of scope (a resident, a community worker of the grid beside): not even found.
    for role, at in (("resident", estate.dwellings["1栋-101"]), ("community_worker", city.other_grid)):
        with pytest.raises(NotFound):
            set_procedure_rules(actor=city.user_with(role, at=at), place_id=estate.compound.pk, **GOOD)
    street = city.user_with("street_official", at=city.street)
    with pytest.raises(Invalid) as exc:
        set_procedure_rules(actor=street, place_id=estate.buildings["1栋"].pk, **GOOD)
    assert fields(exc) == {"place_id": "wrong_place_kind"}
    set_procedure_rules(actor=street, place_id=estate.compound.pk, **GOOD)
    secretary = city.user_with("community_secretary", at=city.community)
    set_procedure_rules(actor=secretary, place_id=city.grid.pk, **GOOD)
    assert ProcedureRules.objects.count() == 2


def test_exactly_two_thirds_is_the_law_and_allowed_and_a_change_is_audited(city, worker):
    first = set_procedure_rules(actor=worker, place_id=city.community.pk, **GOOD, assembly_quorum_num="4",
                                assembly_quorum_den="6")
    assert (first.assembly_quorum_num, first.assembly_quorum_den) == (4, 6)
    set_procedure_rules(actor=worker, place_id=city.community.pk, support_threshold="3", owners_notice_days="7",
                        other_notice_days="0", assembly_quorum_num="", assembly_quorum_den="")
    row = ProcedureRules.objects.get()
    assert (row.support_threshold, row.assembly_quorum_num, row.updated_by_id) == (3, None, worker.pk)
    entries = list(AuditEntry.objects.filter(kind="deliberation.set_rules").order_by("id"))
    assert [e.data["before"] for e in entries] == [None, {
        "support_threshold": 8, "owners_notice_days": 10, "other_notice_days": 2, "assembly_quorum_num": 4,
        "assembly_quorum_den": 6}]
    assert entries[1].data["after"]["support_threshold"] == 3 and entries[1].actor_id == worker.pk


def test_the_nearest_ancestors_rules_apply_in_one_query_cached_on_the_place(city, worker, estate):
    building = Place.objects.get(pk=estate.buildings["1栋"].pk)
    assert rules_for(building).source is None and rules_for(building).support_threshold == 5
    set_procedure_rules(actor=worker, place_id=city.community.pk, support_threshold="9", owners_notice_days="7",
                        other_notice_days="1")
    set_procedure_rules(actor=worker, place_id=estate.compound.pk, support_threshold="4", owners_notice_days="14",
                        other_notice_days="0", assembly_quorum_num="3", assembly_quorum_den="4")
    fresh = Place.objects.get(pk=building.pk)
    with queries(exactly=1):
        rules = rules_for(fresh)
        assert rules_for(fresh) is rules  # the second ask reads nothing
    assert (rules.support_threshold, rules.owners_notice_days, rules.source.place_id) == (4, 14, estate.compound.pk)
    assert (rules.quorum_num, rules.quorum_den, rules.stricter_quorum) == (3, 4, True)
    grid = rules_for(Place.objects.get(pk=city.other_grid.pk))
    assert (grid.support_threshold, grid.source.place_id, grid.stricter_quorum) == (9, city.community.pk, False)
    assert (grid.quorum_num, grid.quorum_den) == (2, 3)


def test_a_topic_keeps_the_threshold_it_was_proposed_under(city, worker, estate):
    owners = estate.owners_each()
    set_procedure_rules(actor=worker, place_id=estate.compound.pk, support_threshold="2", owners_notice_days="7",
                        other_notice_days="0")
    people = [estate.user(owners[k]) for k in ("1栋-101", "1栋-102", "1栋-103", "2栋-101")]
    early = sm.propose_topic(actor=people[0], place_id=estate.compound.pk, title="楼道加装扶手")
    assert early.support_threshold == 2
    set_procedure_rules(actor=worker, place_id=estate.compound.pk, support_threshold="3", owners_notice_days="7",
                        other_notice_days="0")
    late = sm.propose_topic(actor=people[0], place_id=estate.compound.pk, title="加装电梯")
    staff_set = sm.propose_topic(actor=worker, place_id=estate.compound.pk, title="垃圾分类", support_threshold=1)
    assert (late.support_threshold, staff_set.support_threshold) == (3, 1)
    for p in people[1:3]:
        early = sm.support_topic(actor=p, topic_id=early.pk)
        late = sm.support_topic(actor=p, topic_id=late.pk)
    assert early.status == "to_schedule" and late.status == "proposed"  # 2 of 2; 2 of 3
    assert sm.support_topic(actor=people[3], topic_id=late.pk).status == "to_schedule"


def _meeting(actor, place, kind, days_ahead):
    return sm.create_meeting(actor=actor, place_id=place.pk, kind=kind, title="会议",
                             starts_at=timezone.now() + dt.timedelta(days=days_ahead))


def test_notice_lead_time_by_the_rules_with_the_earliest_start_and_latest_notice_date(city, worker, estate):
    today = timezone.localdate()
    short = _meeting(worker, estate.compound, "owners", 6)
    with pytest.raises(Conflict) as exc:
        sm.publish_meeting_notice(actor=worker, meeting_id=short.pk)
    assert exc.value.code == "notice_too_late" and exc.value.field == "starts_at"
    message = str(exc.value.message)
    assert "业主大会须至少提前 7 天通知" in message
    assert (today + dt.timedelta(days=7)).isoformat() in message  # the earliest allowed start
    start = timezone.localtime(short.starts_at).date()
    assert (start - dt.timedelta(days=7)).isoformat() in message  # the latest day to publish
    assert Meeting.objects.get(pk=short.pk).status == "draft"
    ok = _meeting(worker, estate.compound, "owners", 7)
    assert sm.publish_meeting_notice(actor=worker, meeting_id=ok.pk).status == "notice"
    # Other meetings: the same day is enough by default; a meeting already past is refused.
    assert sm.publish_meeting_notice(actor=worker, meeting_id=_meeting(worker, estate.compound, "courtyard",
                                                                       0).pk).status == "notice"
    past = _meeting(worker, estate.compound, "courtyard", -1)
    with pytest.raises(Conflict) as exc:
        sm.publish_meeting_notice(actor=worker, meeting_id=past.pk)
    assert today.isoformat() in str(exc.value.message)
    # The community asks three days for every other meeting; the compound's owners' days stay.
    set_procedure_rules(actor=worker, place_id=city.community.pk, support_threshold="5", owners_notice_days="7",
                        other_notice_days="3")
    with pytest.raises(Conflict) as exc:
        sm.publish_meeting_notice(actor=worker, meeting_id=_meeting(worker, estate.compound, "council", 2).pk)
    assert "议事会须至少提前 3 天通知" in str(exc.value.message)
    assert sm.publish_meeting_notice(actor=worker, meeting_id=_meeting(worker, estate.compound, "council",
                                                                       3).pk).status == "notice"


def _held_assembly(worker, estate):
    meeting = _meeting(worker, estate.compound, "owners", 8)
    sm.publish_meeting_notice(actor=worker, meeting_id=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())
    return Meeting.objects.select_related("place").get(pk=meeting.pk)


def test_the_assembly_quorum_follows_a_stricter_compound_rule(client, city, worker, estate):
    owners = estate.owners_each()  # four owners of 100 m² each
    meeting = _held_assembly(worker, estate)
    for i, k in enumerate(("1栋-101", "1栋-102", "1栋-103")):
        sm.sign_in(actor=worker, meeting_id=meeting.pk, resident_id=owners[k].pk, method="list", nonce=f"rules-{i:05d}")
    law = selectors_meetings.assembly_quorum(meeting)
    assert law["met"] and law["need"] == [2, 3] and law["rule"]["stricter"] is False
    set_procedure_rules(actor=worker, place_id=estate.compound.pk, support_threshold="5", owners_notice_days="7",
                        other_notice_days="0", assembly_quorum_num="4", assembly_quorum_den="5")
    strict = selectors_meetings.assembly_quorum(Meeting.objects.select_related("place").get(pk=meeting.pk))
    # 3 of 4 owners, 300 of 400 m²: past 2/3, short of 4/5 by one owner (3.2 → 4) and 20 m².
    assert (strict["met"], strict["need"], strict["short_heads"], strict["short_m2"]) == (False, [4, 5], 1, "20.00")
    assert strict["rule"] == {"stricter": True, "num": 4, "den": 5, "place": estate.compound.name}
    client.force_login(worker)
    page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "按金穗苑议事规则" in page and "4/5 以上" in page and "到会业主尚未达到议事规则要求的比例" in page
    assert "还差 1 人" in page and "还差 20.00 ㎡" in page
    sheet = client.get(f"/deliberation/meetings/{meeting.pk}/sheet/").content.decode()
    assert "按金穗苑议事规则" in sheet
    sm.sign_in(actor=worker, meeting_id=meeting.pk, resident_id=owners["2栋-101"].pk, method="qr", nonce="rules-9999")
    page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "到会业主已达议事规则要求的比例" in page
