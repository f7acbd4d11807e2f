"""平安社区's annual awards (seed 004: "选出'睦邻之星''十佳楼栋长'先进典型24余名"), made by the
awards and deliberation services at simulated past moments, after the demo's activities,
cases and points (the record they are drawn from):

- 睦邻之星 decided by a vote of the community's residents: the community's secretary draws 28
  nominees from the year's record (14 seats), the vote runs for ten days, residents with an
  account vote online (approvals seeded), the result goes up for objections and is made
  final; the winners are recorded by the same service the `vote_final` event runs (the
  demo's load is one transaction, so the after-commit effect would only come after it, and
  then finds the round decided) and the list is published.
- 十佳楼栋长 decided by the committee: the building heads drawn from the cases closed in their
  buildings, ten picked with the committee's reason, published.

Which nominees residents approve is INVENTED (a seeded draw weighted to the record's order).
Safe to run twice: a round that exists is left as it is."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from linli.accounts.models import RoleAssignment, User
from linli.awards import services
from linli.awards.models import AwardRound, Nomination
from linli.core.actors import SYSTEM
from linli.deliberation import services as votes
from linli.deliberation.models import Elector
from linli.places.models import Place

from .cases import simulated_clock

COMMUNITY = "平安社区"
SEED = 2004
STAR_SEATS, HEAD_SEATS = 14, 10


def _secretary(community: Place):
    found = (RoleAssignment.objects.filter(place__path__startswith=community.path, is_active=True,
                                           role__in=["community_secretary", "community_worker"])
             .select_related("user").order_by("place__depth", "-is_lead", "role", "id").first())
    return found.user if found else SYSTEM


def award_year(now: dt.datetime) -> int:
    """The year the record covers: this one from September on (the demo's eight months of
    activities are mostly in it), else the last."""
    local = timezone.localtime(now)
    return local.year if local.month >= 9 else local.year - 1


def _star_by_vote(community: Place, staff, year: int, now: dt.datetime, rng: random.Random) -> AwardRound:
    with simulated_clock(now - dt.timedelta(days=24)) as clock:
        rnd = services.create_round(actor=staff, community_id=community.pk, kind=AwardRound.Kind.NEIGHBOUR_STAR,
                                    year=year, seats=STAR_SEATS, method=AwardRound.Method.VOTE)
        clock["now"] += dt.timedelta(hours=2)
        services.draw_nominations(actor=staff, round_id=rnd.pk, count=STAR_SEATS * 2)
        clock["now"] += dt.timedelta(days=1)
        vote = services.start_vote(actor=staff, round_id=rnd.pk, closes_at=clock["now"] + dt.timedelta(days=10),
                                   objection_days=7)
        vote.refresh_from_db()
        matter = vote.frozen["matters"][0]
        options = [o["id"] for o in matter["options"]]  # in the record's order
        weights = [len(options) - i for i in range(len(options))]
        users = {u.resident_id: u for u in User.objects.filter(resident__path__startswith=community.path)}
        for elector in Elector.objects.filter(vote=vote).prefetch_related("voters").order_by("pk"):
            voter = next((users[v.resident_id] for v in elector.voters.all() if v.resident_id in users), None)
            if voter is None or rng.random() > 0.8:
                continue
            picks = set()
            while len(picks) < min(matter["seats"], rng.randint(3, 8)):
                picks.add(rng.choices(options, weights)[0])
            clock["now"] += dt.timedelta(minutes=rng.randint(5, 90))
            votes.cast_online_ballot(actor=voter, vote_id=vote.pk, choices={matter["id"]: sorted(picks)},
                                     elector_id=elector.pk)
    with simulated_clock(now - dt.timedelta(days=12)) as clock:
        votes.close_vote(actor=staff, vote_id=vote.pk)
        clock["now"] += dt.timedelta(hours=3)
        votes.publish_preliminary(actor=staff, vote_id=vote.pk)
        clock["now"] += dt.timedelta(days=8)
        votes.finalise_vote(actor=staff, vote_id=vote.pk, note="询异期内无异议")
        services.record_vote_result(actor=SYSTEM, vote_id=vote.pk)
        clock["now"] += dt.timedelta(hours=1)
        services.publish_round(actor=staff, round_id=rnd.pk)
    return rnd


def _heads_by_committee(community: Place, staff, year: int, now: dt.datetime) -> AwardRound:
    with simulated_clock(now - dt.timedelta(days=15)) as clock:
        rnd = services.create_round(actor=staff, community_id=community.pk, kind=AwardRound.Kind.BUILDING_HEAD,
                                    year=year, seats=HEAD_SEATS, method=AwardRound.Method.COMMITTEE)
        clock["now"] += dt.timedelta(hours=1)
        drawn = services.draw_nominations(actor=staff, round_id=rnd.pk, count=HEAD_SEATS + 6)
        clock["now"] += dt.timedelta(days=3)
        services.decide_by_committee(
            actor=staff, round_id=rnd.pk, nomination_ids=[n.pk for n in drawn[:HEAD_SEATS]],
            reason="社区评审委员会（社区党委、业委会、居民代表）按楼栋诉求办结和服务记录评定")
        clock["now"] += dt.timedelta(days=2)
        services.publish_round(actor=staff, round_id=rnd.pk)
    return rnd


def load_demo_awards(*, now: dt.datetime | None = None) -> dict:
    community = Place.objects.filter(name=COMMUNITY, kind__code="community").first()
    if community is None:
        return {"rounds": 0, "winners": 0}
    now = now or timezone.now()
    year = award_year(now)
    staff = _secretary(community)
    existing = set(AwardRound.objects.filter(community=community, year=year).values_list("kind", flat=True))
    rng = random.Random(SEED)
    if AwardRound.Kind.NEIGHBOUR_STAR not in existing:
        _star_by_vote(community, staff, year, now, rng)
    if AwardRound.Kind.BUILDING_HEAD not in existing:
        _heads_by_committee(community, staff, year, now)
    return {"rounds": AwardRound.objects.filter(community=community, year=year).count(),
            "winners": Nomination.objects.filter(round__community=community, round__year=year, winner=True).count()}
