"""Volunteer profiles, teams with leaders, team activities run by their leaders (a role ×
relation table), the members' yearly evaluation and claims marked done."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.accounts.scope import allowed, scoped
from linli.activities import double_reporting as dr
from linli.activities import services, volunteers
from linli.activities.models import (Activity, EvaluationEvent, MemberEvaluation, Participation, PostClaim, Team,
                                     TeamMember, VolunteerProfile)
from linli.core.actors import SYSTEM
from linli.core.audit import AuditEntry
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db


def codes(exc) -> dict:
    return {e["field"]: e["code"] for e in exc.as_list()}


# ---------------------------------------------------------------- profiles


def test_profile_every_field_error_at_once(city):
    me = city.person("resident")
    with pytest.raises(Invalid) as err:
        volunteers.save_profile(actor=me, skills=["juggling"], skills_note="x" * 201, availability=["midnight"])
    assert codes(err.value) == {"skills": "skill_unknown", "skills_note": "too_long", "availability": "slot_unknown"}
    with pytest.raises(Invalid) as err:
        volunteers.save_profile(actor=me, skills=[], availability=[])
    assert codes(err.value) == {"skills": "skills_required", "availability": "slots_required"}
    assert not VolunteerProfile.objects.exists()


def test_profile_saved_once_per_person_at_home_without_a_resident_record(city):
    me = city.person("resident")  # made by user_with: no user.resident, a resident role at the dwelling
    assert me.resident is None
    p = volunteers.save_profile(actor=me, skills=["medical", "repair"], skills_note="会理发",
                                availability=["weekend_morning", "weekday_evening"])
    assert (p.path, p.community) == (city.dwelling.path, city.community)
    assert p.skill_codes == ["medical", "repair"] and p.slot_codes == ["weekday_evening", "weekend_morning"]
    again = volunteers.save_profile(actor=me, skills=["legal"], availability=["weekend_evening"], is_active=False)
    assert again.pk == p.pk and VolunteerProfile.objects.count() == 1
    entry = AuditEntry.objects.filter(kind="activities.save_volunteer_profile").order_by("-id").first()
    assert entry.data["fields"] == ["availability", "is_active", "skills", "skills_note"]
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerProfile.objects.create(person=me, community=city.community, path=city.dwelling.path)


def test_profile_needs_a_home(city):
    nobody = city.person("street_official")  # a role at the street only: no community over it
    with pytest.raises(Invalid) as err:
        volunteers.save_profile(actor=nobody, skills=["legal"], availability=["weekend_morning"])
    assert codes(err.value) == {None: "no_home"}


def test_staff_search_by_skill_and_slot_in_their_scope(city):
    a, b = city.person("resident"), city.person("other_resident")
    volunteers.save_profile(actor=a, skills=["medical"], availability=["weekend_morning"])
    volunteers.save_profile(actor=b, skills=["medical", "legal"], availability=["weekday_evening"])
    off = city.person("neighbour")
    volunteers.save_profile(actor=off, skills=["medical"], availability=["weekend_morning"], is_active=False)
    from linli.activities import selectors

    names = lambda **kw: sorted(v.person.display_name for v in selectors.volunteers(city.person(kw.pop("who")), **kw))  # noqa: E731
    assert names(who="community_worker", skill="medical") == ["李大爷", "王云川"]
    assert names(who="community_worker", skill="medical", slot="weekend_morning") == ["李大爷"]
    assert names(who="community_worker", skill="legal") == ["王云川"]
    assert names(who="grid_worker", skill="medical") == ["李大爷"]  # the other grid is beside
    assert names(who="building_head", skill="medical") == []  # no volunteer.manage


# ---------------------------------------------------------------- teams


def test_team_field_errors_and_one_name_per_community(city):
    staff = city.person("community_worker")
    with pytest.raises(Invalid) as err:
        volunteers.create_team(actor=staff, community_id=city.community.pk, name=" ", kind="band")
    assert codes(err.value) == {"name": "name_required", "kind": "kind_invalid"}
    volunteers.create_team(actor=staff, community_id=city.community.pk, name="夕阳红舞蹈队", kind="dance")
    with pytest.raises(Conflict):
        volunteers.create_team(actor=staff, community_id=city.community.pk, name="夕阳红舞蹈队", kind="choir")
    with pytest.raises((Forbidden, NotFound)):
        volunteers.create_team(actor=city.person("resident"), community_id=city.community.pk, name="合唱团",
                               kind="choir")


def test_join_leave_lead_and_the_database_constraints(city):
    staff = city.person("community_worker")
    team = volunteers.create_team(actor=staff, community_id=city.community.pk, name="合唱团", kind="choir")
    me = city.person("resident")
    m = volunteers.join_team(actor=me, team_id=team.pk)
    with pytest.raises(Conflict) as err:
        volunteers.join_team(actor=me, team_id=team.pk)
    assert err.value.code == "already_member"
    with pytest.raises((Forbidden, NotFound)):  # a resident cannot make themselves leader
        volunteers.set_leader(actor=me, membership_id=m.pk, leader=True)
    volunteers.set_leader(actor=staff, membership_id=m.pk, leader=True)
    assert volunteers.leads(me, team)
    volunteers.leave_team(actor=me, membership_id=m.pk)
    m.refresh_from_db()
    assert m.left_on is not None and not m.is_leader and not volunteers.leads(me, team)
    with pytest.raises(Conflict) as err:
        volunteers.set_leader(actor=staff, membership_id=m.pk, leader=True)
    assert err.value.code == "not_active_member"
    again = volunteers.join_team(actor=me, team_id=team.pk)  # rejoining is a new membership
    with pytest.raises(Invalid) as err:
        volunteers.leave_team(actor=staff, membership_id=again.pk)
    assert codes(err.value) == {"reason": "reason_required"}
    # the database holds the invariants too
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.create(team=team, person=me, path=team.path, joined_on=today)  # two active
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.filter(pk=m.pk).update(is_leader=True)  # a leader who left
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMember.objects.filter(pk=m.pk).update(left_on=today - timedelta(days=400))  # left before joining
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(community=city.community, path=city.community.path, name="合唱团", kind="choir")


def test_residents_join_only_their_own_communitys_teams(city):
    from linli.places import services as place_services

    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区")
    far = volunteers.create_team(actor=SYSTEM, community_id=other.pk, name="外社区舞蹈队", kind="dance")
    with pytest.raises(Forbidden) as err:
        volunteers.join_team(actor=city.person("resident"), team_id=far.pk)
    assert err.value.code == "not_in_community"


def _team_with_leader(city):
    team = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name="夕阳红舞蹈队", kind="dance")
    leader = city.person("neighbour")
    volunteers.join_team(actor=SYSTEM, team_id=team.pk, person=leader, leader=True)
    return team, leader


def test_a_leader_publishes_runs_and_verifies_their_teams_activity(city):
    team, leader = _team_with_leader(city)
    start = timezone.now() + timedelta(days=1)
    with pytest.raises((Forbidden, NotFound)):  # not a team activity: a leader has no role for that
        services.create_activity(actor=leader, place_id=city.compound.pk, kind="culture", title="排练",
                                 starts_at=start, ends_at=start + timedelta(hours=2))
    from linli.places import services as place_services

    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区")
    with pytest.raises(Invalid) as err:
        services.create_activity(actor=SYSTEM, place_id=other.pk, kind="culture", title="排练", starts_at=start,
                                 ends_at=start + timedelta(hours=2), team_id=team.pk)
    assert codes(err.value) == {"place_id": "place_outside_team"}
    a = services.create_activity(actor=leader, place_id=city.compound.pk, kind="culture", title="广场舞排练",
                                 starts_at=start, ends_at=start + timedelta(hours=2), capacity=5, team_id=team.pk,
                                 service_minutes=60)
    assert (a.team, a.organiser_kind, a.organiser_name) == (team, "team", "夕阳红舞蹈队")
    p = services.sign_up(actor=city.person("resident"), activity_id=a.pk)
    services.set_capacity(actor=leader, activity_id=a.pk, capacity=6)
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timedelta(minutes=10),
                                            ends_at=timezone.now() + timedelta(hours=1))
    services.upload_scans(actor=leader, activity_id=a.pk, scans=[
        {"nonce": "nonce-team-1", "ticket": services.ticket_for(p), "scanned_at": timezone.now().isoformat()}])
    Activity.objects.filter(pk=a.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    services.verify_hours(actor=leader, participation_id=p.pk)
    assert Participation.objects.get(pk=p.pk).verified_minutes == 60
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=a.pk).update(organiser_kind="community")  # a team's activity is the team's


# role × relation → may manage / check in the team's activity (and the community's own)
EXPECTED = {
    # who:                   (team activity: manage, checkin), (community activity: manage, checkin)
    "leader": ((True, True), (False, False)),
    "member": ((False, False), (False, False)),
    "former_leader": ((False, False), (False, False)),
    "other_team_leader": ((False, False), (False, False)),
    "community_worker": ((True, True), (True, True)),
    "grid_worker": ((True, True), (False, False)),  # the team's activity is in the grid's compound
    "other_grid_worker": ((False, False), (False, False)),
    "volunteer": ((False, True), (False, True)),
    "resident": ((False, False), (False, False)),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_by_relation_table(city, who):
    team, leader = _team_with_leader(city)
    other = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name="合唱团", kind="choir")
    start = timezone.now() + timedelta(days=1)
    mk = dict(kind="culture", title="排练", starts_at=start, ends_at=start + timedelta(hours=2))
    team_act = services.create_activity(actor=SYSTEM, place_id=city.compound.pk, team_id=team.pk, **mk)
    own_act = services.create_activity(actor=SYSTEM, place_id=city.community.pk, **mk)
    if who == "leader":
        user = leader
    elif who == "member":
        user = city.person("resident")
        volunteers.join_team(actor=user, team_id=team.pk)
    elif who == "former_leader":
        user = city.person("resident")
        m = volunteers.join_team(actor=SYSTEM, team_id=team.pk, person=user, leader=True)
        volunteers.leave_team(actor=user, membership_id=m.pk)
    elif who == "other_team_leader":
        user = city.person("resident")
        volunteers.join_team(actor=SYSTEM, team_id=other.pk, person=user, leader=True)
    else:
        user = city.person(who)
    got = tuple((allowed(user, "activity.manage", a), allowed(user, "activity.checkin", a))
                for a in (team_act, own_act))
    assert got == EXPECTED[who]
    listed = set(scoped(user, Activity.objects.all(), "activity.manage").values_list("pk", flat=True))
    assert listed == {a.pk for a, (m, _c) in zip((team_act, own_act), EXPECTED[who]) if m}


# ---------------------------------------------------------------- evaluation


def _member_with_a_record(city, year_start):
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    me = city.person("resident")
    member = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="李大爷", unit_id=unit.pk, person_id=me.pk)
    return unit, me, member


def test_evaluation_drafted_from_the_years_record_one_per_year_regrade_needs_reason(city):
    staff = city.person("community_worker")
    unit, me, member = _member_with_a_record(city, None)
    year = timezone.localdate().year
    # this year's record: two activities attended (90 + 30 min), one post claimed; last year's not counted
    for i, (minutes, when) in enumerate(((90, timezone.now() - timedelta(hours=5)),
                                         (30, timezone.now() - timedelta(hours=3)),
                                         (600, timezone.now().replace(year=year - 1)))):
        a = services.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="volunteer", title=f"服务{i}",
                                     starts_at=when, ends_at=when + timedelta(hours=1))
        Participation.objects.create(activity=a, person=me, path=a.path, status="attended", queued_at=when,
                                     verified_minutes=minutes)
    services.add_manual_hours(actor=staff, person_id=me.pk, community_id=city.community.pk, minutes=45,
                              served_on=timezone.localdate(), reason="入户走访")
    post = dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="独居老人结对帮扶", head_count=3)
    dr.claim_post(actor=me, post_id=post.pk, member_id=member.pk)

    with pytest.raises(Invalid) as err:
        dr.evaluate_member(actor=staff, member_id=member.pk, year=year, grade="A+", comment="")
    assert codes(err.value) == {"grade": "grade_invalid", "comment": "comment_required"}
    with pytest.raises(Invalid) as err:
        dr.evaluate_member(actor=staff, member_id=member.pk, year=year + 1, grade="good", comment="积极参加")
    assert codes(err.value) == {"year": "year_invalid"}

    e = dr.evaluate_member(actor=staff, member_id=member.pk, year=year, grade="good", comment="积极参加网格服务")
    assert (e.minutes, e.activities, e.posts) == (90 + 30 + 45, 2, 1)
    with pytest.raises(Invalid) as err:
        dr.evaluate_member(actor=staff, member_id=member.pk, year=year, grade="excellent", comment="积极参加网格服务")
    assert codes(err.value) == {"reason": "reason_required"}
    e2 = dr.evaluate_member(actor=staff, member_id=member.pk, year=year, grade="excellent", comment="带头服务",
                            reason="补充了全年入户走访记录")
    assert e2.pk == e.pk and MemberEvaluation.objects.count() == 1
    history = list(EvaluationEvent.objects.filter(evaluation=e).values_list("kind", "data", "note"))
    assert history == [("graded", {"from": None, "to": "good", "year": year}, ""),
                       ("regraded", {"from": "good", "to": "excellent", "year": year}, "补充了全年入户走访记录")]
    assert AuditEntry.objects.filter(kind="activities.evaluate_member").count() == 2
    from linli.notify.models import Notification

    assert Notification.objects.filter(recipient=me, kind="member_evaluated").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberEvaluation.objects.create(member=member, year=year, path=member.path, grade="good", comment="x",
                                        evaluated_at=timezone.now())
    with pytest.raises((Forbidden, NotFound)):
        dr.evaluate_member(actor=city.person("other_grid_worker"), member_id=member.pk, year=year, grade="good",
                           comment="越界评价")


# ---------------------------------------------------------------- claims


def test_claims_by_member_and_liaison_marked_done_once(city):
    staff = city.person("grid_worker")
    unit, me, member = _member_with_a_record(city, None)
    liaison = city.person("other_resident")
    type(unit).objects.filter(pk=unit.pk).update(liaison=liaison)
    post = dr.publish_post(actor=staff, grid_id=city.grid.pk, title="环境整治志愿岗", head_count=2)
    mine = dr.claim_post(actor=me, post_id=post.pk, member_id=member.pk)
    theirs = dr.claim_post(actor=liaison, post_id=post.pk, unit_id=unit.pk)
    with pytest.raises((Forbidden, NotFound)):  # someone else cannot claim for the unit
        other_unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县税务局")
        dr.claim_post(actor=me, post_id=post.pk, unit_id=other_unit.pk)
    with pytest.raises((Forbidden, NotFound)):  # a member cannot mark their own claim done
        dr.complete_claim(actor=me, claim_id=mine.pk)
    done = dr.complete_claim(actor=staff, claim_id=mine.pk)
    assert done.done_by == staff and done.done_at is not None
    with pytest.raises(Conflict) as err:
        dr.complete_claim(actor=staff, claim_id=mine.pk)
    assert err.value.code == "claim_done"
    assert AuditEntry.objects.filter(kind="activities.complete_claim").count() == 1
    assert PostClaim.objects.get(pk=theirs.pk).done_at is None
    with pytest.raises(IntegrityError), transaction.atomic():
        PostClaim.objects.filter(pk=theirs.pk).update(done_by=staff)  # done by someone, at no time
