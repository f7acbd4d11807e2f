"""The demo's teams, team activities run by their leaders, volunteer profiles, members'
evaluations and claims done (seeds 004 and 003), and a second run that adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from linli.activities.models import (Activity, EvaluationEvent, MemberEvaluation, MemberRegistration, Participation,
                                     PostClaim, Team, TeamMember, VolunteerProfile)
from linli.demo.activities import PINGAN_TEAMS, load_demo_volunteers
from linli.places.models import Place


@pytest.mark.django_db
def test_demo_teams_profiles_evaluations_and_claims_done():
    call_command("load_demo", scale=0.05, stdout=StringIO())
    pingan = Place.objects.get(name="平安社区", kind__code="community")
    teams = list(Team.objects.filter(community=pingan).order_by("id"))
    assert [t.name for t in teams] == [name for _k, name, _t in PINGAN_TEAMS]
    for t in teams:
        leaders = TeamMember.objects.filter(team=t, is_leader=True, left_on__isnull=True)
        assert leaders.count() == 1 and t.members.filter(left_on__isnull=True).count() >= 2
    # some of the 80 activities are the teams', run by their leaders (scanned and verified)
    team_acts = Activity.objects.filter(team__in=teams)
    assert 0 < team_acts.count() < Activity.objects.filter(community=pingan).count()
    assert set(team_acts.values_list("organiser_kind", flat=True)) == {"team"}
    for a in team_acts.filter(ends_at__lt=Activity.objects.order_by("-ends_at").values("ends_at")[:1]):
        leader = TeamMember.objects.get(team=a.team, is_leader=True).person_id
        assert a.organiser_id == leader
        verified = Participation.objects.filter(activity=a, verified_minutes__isnull=False)
        assert set(verified.values_list("hours_verified_by", flat=True)) <= {leader}
    assert Participation.objects.filter(activity__team__in=teams, hours_verified_by__isnull=False).exists()
    assert VolunteerProfile.objects.filter(community=pingan).count() >= 5
    # 宕昌: evaluations for some members, one per member and year, each with its history entry
    town = Place.objects.get(name="城关镇", kind__code="street")
    members = MemberRegistration.objects.filter(path__startswith=town.path)
    evaluations = MemberEvaluation.objects.filter(member__in=members)
    assert 0 < evaluations.count() < members.count()
    assert EvaluationEvent.objects.filter(evaluation__in=evaluations).count() == evaluations.count()
    assert not evaluations.values("member", "year").annotate(n=Count("id")).filter(n__gt=1).exists()
    claims = PostClaim.objects.filter(path__startswith=town.path)
    done = claims.filter(done_at__isnull=False).count()
    assert done == (claims.count() + 1) // 2

    before = {m: m.objects.count() for m in (Team, TeamMember, VolunteerProfile, MemberEvaluation, EvaluationEvent)}
    before["done"] = done
    load_demo_volunteers()  # the idempotent part again: teams, memberships, profiles, evaluations kept
    after = {m: m.objects.count() for m in (Team, TeamMember, VolunteerProfile, MemberEvaluation, EvaluationEvent)}
    after["done"] = claims.filter(done_at__isnull=False).count()
    assert {k: v for k, v in after.items() if k != "done"} == {k: v for k, v in before.items() if k != "done"}
