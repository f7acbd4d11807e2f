"""Races on PostgreSQL for the evaluation, team joins and claims done: every racer is seen
waiting on the lock the service takes first, then one evaluation per member and year with
one history entry, one membership per person, a claim done once."""

import pytest
from django.utils import timezone

from linli.activities import double_reporting as dr
from linli.activities import volunteers
from linli.activities.models import (EvaluationEvent, MemberEvaluation, MemberRegistration, PostClaim, Team,
                                     TeamMember)
from linli.core.actors import SYSTEM
from linli.testing import errors, fresh_user, oks, race_behind_a_lock, row_lock

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_eight_staff_evaluate_one_member_at_once(city):
    member = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="赵党员")
    staff = [city.user_with("community_worker", at=city.community) for _ in range(8)]
    year = timezone.localdate().year
    calls = [lambda u=u: dr.evaluate_member(actor=fresh_user(u), member_id=member.pk, year=year, grade="good",
                                            comment="按时报到") for u in staff]
    results, waited = race_behind_a_lock(row_lock(MemberRegistration, member.pk), calls)
    assert waited == len(calls)
    assert len(oks(results)) == 8 and not errors(results)  # the first grades; the rest keep the same grade
    assert MemberEvaluation.objects.filter(member=member, year=year).count() == 1
    assert EvaluationEvent.objects.filter(evaluation__member=member).count() == 1


def test_one_person_joins_a_team_from_six_tabs(city):
    team = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name="合唱团", kind="choir")
    me = city.person("resident")
    calls = [lambda: volunteers.join_team(actor=fresh_user(me), team_id=team.pk) for _ in range(6)]
    results, waited = race_behind_a_lock(row_lock(Team, team.pk), calls)
    assert waited == len(calls)
    assert len(oks(results)) == 1 and {e.code for e in errors(results)} == {"already_member"}
    assert TeamMember.objects.filter(team=team, person=me, left_on__isnull=True).count() == 1


def test_a_claim_is_marked_done_once(city):
    member = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="赵党员")
    post = dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="环境整治志愿岗", head_count=2)
    claim = dr.claim_post(actor=SYSTEM, post_id=post.pk, member_id=member.pk)
    staff = [city.user_with("grid_worker", at=city.grid) for _ in range(5)]
    calls = [lambda u=u: dr.complete_claim(actor=fresh_user(u), claim_id=claim.pk) for u in staff]
    results, waited = race_behind_a_lock(row_lock(PostClaim, claim.pk), calls)
    assert waited == len(calls)
    assert len(oks(results)) == 1 and {e.code for e in errors(results)} == {"claim_done"}
    assert PostClaim.objects.get(pk=claim.pk).done_by_id == oks(results)[0].done_by_id
