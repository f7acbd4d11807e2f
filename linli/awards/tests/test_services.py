"""The awards' services: a round's field errors all at once, one round per community, kind and
year (the database too), nominations drawn from the record in a fixed number of statements
with their figures frozen, hand nominations and withdrawals with reasons, the committee's
decision, and the vote path end to end through deliberation's services, with the winners
recorded once even when the final event is replayed."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.awards import services
from linli.awards.models import AwardRound, Nomination, RoundEvent
from linli.core import events
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Invalid, NotFound
from linli.core.models import AuditEntry, DomainEvent, EffectDone
from linli.deliberation import services as votes
from linli.deliberation.models import Vote
from linli.demo.cases import simulated_clock
from linli.testing import queries

from .conftest import attend, give_minutes, give_points, neighbour

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def new_round(city, staff, kind="neighbour_star", seats=2, method="vote", year=YEAR):
    return services.create_round(actor=staff, community_id=city.community.pk, kind=kind, year=year, seats=seats,
                                 method=method)


def test_a_round_reports_every_field_error_at_once(city, staff):
    with pytest.raises(Invalid) as caught:
        services.create_round(actor=staff, community_id=city.community.pk, kind="", year=1999, seats=0,
                              method="lottery")
    assert {e["field"]: e["code"] for e in caught.value.as_list()} == {
        "kind": "required", "year": "year_range", "seats": "seats_range", "method": "required"}
    assert not AwardRound.objects.exists()


def test_one_round_per_community_kind_and_year(city, staff):
    first = new_round(city, staff)
    with pytest.raises(Invalid) as caught:
        new_round(city, staff)
    assert [(e["field"], e["code"]) for e in caught.value.as_list()] == [("year", "round_exists")]
    new_round(city, staff, kind="building_head")  # another kind the same year is fine
    new_round(city, staff, year=YEAR - 1)  # and the same kind another year
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule itself
        AwardRound.objects.create(community=city.community, path=city.community.path, kind=first.kind,
                                  year=first.year, seats=3)


def test_staff_outside_the_community_cannot_run_it(city):
    with pytest.raises(NotFound):
        services.create_round(actor=city.person("other_grid_worker"), community_id=city.community.pk,
                              kind="neighbour_star", year=YEAR, seats=3)


def _record(city):
    """Four neighbours with different records; a community worker with the best record."""
    a, b, c, d = (neighbour(city, n) for n in ("陈阿姨", "赵叔", "孙奶奶", "周大哥"))
    give_points(city, a, 60)
    give_points(city, b, 30)
    give_points(city, c, 30)
    give_minutes(city, c, 120)
    attend(city, [b, d])
    worker = city.person("community_worker")
    give_points(city, worker, 500)
    return a, b, c, d, worker


def test_nominations_are_drawn_from_the_record_ranked_and_frozen(city, staff):
    a, b, c, d, worker = _record(city)
    rnd = new_round(city, staff, seats=2)
    made = services.draw_nominations(actor=staff, round_id=rnd.pk, count=3)
    assert [(n.person_id, n.rank) for n in made] == [(a.pk, 1), (c.pk, 2), (b.pk, 3)]
    got = {n.person_id: n.figures for n in Nomination.objects.filter(round=rnd)}
    assert got[c.pk] == {"activities": 0, "minutes": 120, "points": 30, "cases": 0}
    assert got[b.pk] == {"activities": 1, "minutes": 0, "points": 30, "cases": 0}
    assert worker.pk not in got  # staff run the round; they are not nominated
    assert Nomination.objects.get(round=rnd, person=a).home == "汉都华府二期 1栋 1单元 101"
    rnd.refresh_from_db()
    assert rnd.status == "nominating"
    # Later records change no frozen figure.
    give_points(city, c, 100)
    attend(city, [c])
    assert Nomination.objects.get(round=rnd, person=c).figures == got[c.pk]
    with pytest.raises(Conflict):  # drawn once: the round is no longer a draft
        services.draw_nominations(actor=staff, round_id=rnd.pk)
    assert RoundEvent.objects.filter(round=rnd, kind="drawn").count() == 1
    assert AuditEntry.objects.filter(kind="awards.drawn").count() == 1


def test_drawing_costs_the_same_statements_for_3_or_30_people(city, staff):
    """The lock, the staff to leave out, four grouped reads of the record, the people with
    their resident rows, their homes, one insert of every nomination, the status, the event,
    its audit entry (and the savepoint around them): 14, however many people. Last year's
    record has 3 people, this year's 30."""
    last_year = timezone.now() - dt.timedelta(days=366)
    with simulated_clock(last_year):
        for j in range(3):
            give_points(city, neighbour(city, f"去年居民{j}"), 10 + j)
    for j in range(30):
        give_points(city, neighbour(city, f"居民{j}"), 10 + j)
    for year, n in ((timezone.localtime(last_year).year, 3), (YEAR, 30)):
        rnd = new_round(city, staff, year=year)
        with queries(exactly=14):
            made = services.draw_nominations(actor=staff, round_id=rnd.pk, count=50)
        assert len(made) == n


def test_building_heads_are_ranked_by_the_cases_closed_in_their_buildings(city, staff):
    people = city.people()
    head, other = people["building_head"], people["other_building_head"]
    case = city.handle(city.report("resident"))
    city.verify(case, "resident", outcome="solved")
    rnd = new_round(city, staff, kind="building_head", seats=1)
    made = services.draw_nominations(actor=staff, round_id=rnd.pk, count=5)
    assert [n.person_id for n in made] == [head.pk, other.pk]
    assert made[0].figures["building_cases"] == 1 and made[1].figures["building_cases"] == 0
    # the reporter's own record counts the solved case
    star = new_round(city, staff, kind="neighbour_star")
    drawn = services.draw_nominations(actor=staff, round_id=star.pk)
    assert {n.person_id: n.figures["cases"] for n in drawn}.get(people["resident"].pk) == 1


def test_hand_nominations_and_withdrawals_need_a_reason(city, staff):
    a = neighbour(city, "陈阿姨")
    rnd = new_round(city, staff)
    services.draw_nominations(actor=staff, round_id=rnd.pk)
    with pytest.raises(Invalid) as caught:
        services.nominate(actor=staff, round_id=rnd.pk, person_id=city.person("street_official").pk, reason="")
    assert {e["field"] for e in caught.value.as_list()} == {"person_id", "reason"}
    n = services.nominate(actor=staff, round_id=rnd.pk, person_id=a.pk, reason="常年照顾独居老人")
    assert n.source == "hand" and n.figures == {"activities": 0, "minutes": 0, "points": 0, "cases": 0}
    with pytest.raises(Invalid):
        services.nominate(actor=staff, round_id=rnd.pk, person_id=a.pk, reason="再提名一次")
    with pytest.raises(Invalid):
        services.withdraw(actor=staff, nomination_id=n.pk, reason="")
    services.withdraw(actor=staff, nomination_id=n.pk, reason="本人谦让")
    n.refresh_from_db()
    assert n.withdrawn_reason == "本人谦让" and n.withdrawn_at is not None
    assert AuditEntry.objects.filter(kind="awards.withdrawn", note="本人谦让").exists()


def test_the_committee_decides_with_a_reason_then_publishes(city, staff):
    a, b, c, d, _w = _record(city)
    rnd = new_round(city, staff, seats=2, method="committee")
    made = services.draw_nominations(actor=staff, round_id=rnd.pk)
    with pytest.raises(Conflict):  # a committee round has no vote
        services.start_vote(actor=staff, round_id=rnd.pk, closes_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(Invalid) as caught:
        services.decide_by_committee(actor=staff, round_id=rnd.pk, nomination_ids=[n.pk for n in made], reason="")
    assert {e["field"] for e in caught.value.as_list()} == {"nomination_ids", "reason"}
    services.decide_by_committee(actor=staff, round_id=rnd.pk, nomination_ids=[made[0].pk, made[2].pk],
                                 reason="评审委员会 2 月 3 日会议决定")
    services.publish_round(actor=staff, round_id=rnd.pk)
    rnd.refresh_from_db()
    assert rnd.status == "published"
    assert set(Nomination.objects.filter(round=rnd, winner=True).values_list("person_id", flat=True)) == {
        made[0].person_id, made[2].person_id}
    assert AuditEntry.objects.filter(kind="awards.decided", note="评审委员会 2 月 3 日会议决定").exists()


def test_labels_on_the_ballot_tell_two_people_of_one_name_apart(city, staff):
    first = neighbour(city, "王芳")
    second = neighbour(city, "王芳", city.other_dwelling)
    rnd = new_round(city, staff)
    services.draw_nominations(actor=staff, round_id=rnd.pk)
    for p in (first, second):
        services.nominate(actor=staff, round_id=rnd.pk, person_id=p.pk, reason="热心邻里事务")
    vote = services.start_vote(actor=staff, round_id=rnd.pk, closes_at=timezone.now() + dt.timedelta(days=3))
    labels = sorted(Nomination.objects.filter(round=rnd).values_list("ballot_label", flat=True))
    assert labels == ["王芳（汉都华府二期 1栋 1单元 101）", "王芳（绿洲路126号大院 1栋 1单元 101）"]
    assert sorted(o["label"] for o in vote.frozen["matters"][0]["options"]) == labels


def _vote_through(city, staff, rnd, ballots):
    """Start the round's vote, let `ballots` (voter → nominations) vote online, close,
    put the result up for objections and make it final, each through deliberation's services."""
    vote = services.start_vote(actor=staff, round_id=rnd.pk, closes_at=timezone.now() + dt.timedelta(days=3),
                               objection_days=0)
    vote.refresh_from_db()
    matter = vote.frozen["matters"][0]["id"]
    for voter, picks in ballots:
        votes.cast_online_ballot(actor=voter, vote_id=vote.pk,
                                 choices={matter: [Nomination.objects.get(pk=n.pk).option_id for n in picks]})
    votes.close_vote(actor=staff, vote_id=vote.pk)
    votes.publish_preliminary(actor=staff, vote_id=vote.pk)
    votes.finalise_vote(actor=staff, vote_id=vote.pk)
    return vote


def test_a_vote_decides_and_its_winners_are_recorded_once(city, staff, django_capture_on_commit_callbacks):
    a, b, c, d, _w = _record(city)
    rnd = new_round(city, staff, seats=2)
    made = {n.person_id: n for n in services.draw_nominations(actor=staff, round_id=rnd.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        vote = _vote_through(city, staff, rnd, [(a, [made[a.pk], made[c.pk]]), (b, [made[c.pk], made[d.pk]]),
                                                (c, [made[c.pk]]), (d, [made[d.pk], made[b.pk]])])
    vote.refresh_from_db()
    assert vote.status == Vote.Status.FINAL and vote.kind == "resident"
    rnd.refresh_from_db()
    assert rnd.status == "deciding" and rnd.decided_at is not None and rnd.vote_id == vote.pk
    winners = set(Nomination.objects.filter(round=rnd, winner=True).values_list("person_id", flat=True))
    assert winners == {c.pk, d.pk}  # 3 and 2 approvals; the others 1
    # The final event replayed (a second worker, a retried job, a second publish): nothing twice.
    event = DomainEvent.objects.get(kind="deliberation.vote_final", data__vote=vote.pk)
    with transaction.atomic():
        events.publish("deliberation.vote_final", key=event.key, data=event.data)
    events.dispatch_pending()
    assert EffectDone.objects.filter(effect="awards.record_winners", event=event).count() == 1
    services.record_vote_result(actor=SYSTEM, vote_id=vote.pk)  # even the service called again
    assert RoundEvent.objects.filter(round=rnd, kind="decided").count() == 1
    assert set(Nomination.objects.filter(round=rnd, winner=True).values_list("person_id", flat=True)) == winners
    services.publish_round(actor=staff, round_id=rnd.pk)
    with pytest.raises(Conflict):
        services.publish_round(actor=staff, round_id=rnd.pk)


def test_a_failed_vote_hands_the_round_back(city, staff, django_capture_on_commit_callbacks):
    a, b, c, d, _w = _record(city)
    rnd = new_round(city, staff)
    services.draw_nominations(actor=staff, round_id=rnd.pk)
    vote = services.start_vote(actor=staff, round_id=rnd.pk, closes_at=timezone.now() + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # deliberation says the vote failed (no quorum after its one extension)
        Vote.objects.filter(pk=vote.pk).update(status=Vote.Status.FAILED)
        events.publish("deliberation.vote_failed", key=f"vote-failed:{vote.pk}", data={"vote": vote.pk, "topic": None})
    rnd.refresh_from_db()
    assert rnd.status == "nominating" and rnd.vote_id is None
    assert not Nomination.objects.filter(round=rnd, option__isnull=False).exists()
    services.choose_method(actor=staff, round_id=rnd.pk, method="committee")
    assert RoundEvent.objects.filter(round=rnd, kind__in=["vote_failed", "method"]).count() == 2
