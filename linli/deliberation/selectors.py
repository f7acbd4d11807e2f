"""Reads of deliberation: counts and results, participation, my ballots, paper mismatches."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.scope import require, scoped
from linli.core.errors import Forbidden, NotFound

from .models import Ballot, CountedBallot, Elector, PaperEntry, Vote
from .tally import breakdown, m2, tally


def ballot_counts(vote: Vote, *, by_building: bool = True) -> dict:
    """One GROUP BY over the counted ballots' choices joined to their electors' frozen weights:
    per matter and option (option NULL = took part in the matter) — and per building unless
    `by_building` is False — the heads and area. Returns
    {building_id: {matter_id: {"participants": (h, a), "options": {option_id: (h, a)}}}}
    (building_id None for all buildings together when not by building)."""
    fields = (["elector__building_id"] if by_building else []) + ["choices__matter_id", "choices__option_id"]
    rows = (CountedBallot.objects.filter(vote_id=vote.pk, choices__matter_id__isnull=False)
            .values_list(*fields)
            .annotate(heads=Sum("elector__heads"), area=Sum("elector__area_centi"))
            .order_by())
    out: dict = defaultdict(lambda: defaultdict(lambda: {"participants": (0, 0), "options": {}}))
    for row in rows:
        building, matter, option, heads, area = row if by_building else (None, *row)
        slot = out[building][matter]
        if option is None:
            slot["participants"] = (heads, area)
        else:
            slot["options"][option] = (heads, area)
    return out


def overall_result(vote: Vote) -> dict:
    """The result without the breakdown: the tally of one GROUP BY."""
    return tally(vote.frozen, ballot_counts(vote, by_building=False)[None])


def _merge(per_building: dict) -> dict:
    total: dict = {}
    for matters in per_building.values():
        for mid, c in matters.items():
            t = total.setdefault(mid, {"participants": (0, 0), "options": {}})
            ph, pa = t["participants"]
            t["participants"] = (ph + c["participants"][0], pa + c["participants"][1])
            for oid, (h, a) in c["options"].items():
                oh, oa = t["options"].get(oid, (0, 0))
                t["options"][oid] = (oh + h, oa + a)
    return total


def compute_result(vote: Vote) -> dict:
    """The result of a frozen vote, overall and by building, and the ballot numbers: what
    `close_vote` and `finalise_vote` store. Two statements (the counted ballots' weights by
    building, matter and option; the ballot numbers); the denominators by building come from
    the roll frozen at notice (a third statement only for votes frozen before they were kept)."""
    frozen = vote.frozen
    per_building = ballot_counts(vote)
    result = tally(frozen, _merge(per_building))
    result["by_building"] = [
        {"building": b["id"], "name": b["name"] or _("其他"),
         **breakdown(frozen, per_building.get(b["id"], {}), b)}
        for b in building_totals(vote)]
    result["ballots"] = ballot_numbers(vote)
    return result


def building_totals(vote: Vote) -> list[dict]:
    """The frozen roll's heads and area per building ({id, name, heads, area}, in the order of
    the place tree): frozen with the roll at notice; read from the electors (one statement)
    for a vote frozen before they were."""
    frozen = vote.frozen.get("totals", {}).get("buildings")
    if frozen is not None:
        return frozen
    rows = (Elector.objects.filter(vote_id=vote.pk).values_list("building_id", "building__name", "building__path")
            .annotate(h=Sum("heads"), a=Sum("area_centi")).order_by())
    ordered = sorted(rows, key=lambda r: (r[0] is None, r[2] or ""))
    return [{"id": b, "name": name or "", "heads": h, "area": a} for b, name, _path, h, a in ordered]


def ballot_numbers(vote: Vote) -> dict:
    """Ballots cast (every one ever, replaced ones too) and counted, and the counted ones by
    channel: one statement (the counted rows' counts with FILTER, the ballots' count as a
    scalar subquery; joining the ballots to their counted rows instead costs a hash join)."""
    cast = (Ballot.objects.filter(vote_id=OuterRef("pk")).order_by().values("vote_id")
            .annotate(n=Count("id")).values("n"))
    channels = Ballot.Channel.values
    cast_n, counted, *by_channel = (
        Vote.objects.filter(pk=vote.pk)
        .annotate(cast_n=Subquery(cast), counted_n=Count("counted"),
                  **{f"n_{ch}": Count("counted", filter=Q(counted__channel=ch)) for ch in channels})
        .values_list("cast_n", "counted_n", *(f"n_{ch}" for ch in channels)).get())
    return {"counted": counted, "cast": cast_n or 0,
            "by_channel": {ch: n for ch, n in zip(channels, by_channel) if n}}


def vote_for(actor, vote_id: int) -> Vote:
    vote = Vote.objects.select_related("place").filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("未找到该表决"), code="not_found")
    require(actor, "deliberation.view", vote)
    return vote


def results(actor, vote: Vote) -> dict:
    """The result as far as it may be shown: hidden until close unless the convener chose
    otherwise; the stored result once counted."""
    if vote.status in Vote.COUNTED_STATUSES:
        return vote.result
    if vote.status == Vote.Status.DRAFT:
        raise Forbidden(_("表决尚未公告"), code="not_frozen")
    if vote.results_hidden:
        raise Forbidden(_("投票截止后公布结果"), code="results_hidden")
    return compute_result(vote)


def votes_list(actor, *, under: str | None = None):
    return scoped(actor, Vote.objects.select_related("place"), "deliberation.view", under=under).distinct()


def roll_summary(vote: Vote) -> dict:
    """The frozen roll's totals as shown on the set-up page before opening."""
    agg = Elector.objects.filter(vote=vote).aggregate(
        electors=Count("id"), heads=Sum("heads"), area=Sum("area_centi"),
        developer=Count("id", filter=Q(is_developer=True)),
        no_voter=Count("id", filter=Q(voters__isnull=True)))
    out = {**vote.frozen.get("totals", {}), **{k: v or 0 for k, v in agg.items()}}
    out["area_m2"] = m2(out["area"])
    return out


def participation(vote: Vote):
    """Who took part (not how): public within scope once counted."""
    return (CountedBallot.objects.filter(vote=vote).select_related("elector")
            .order_by("elector__path", "elector_id"))


def my_electors(actor, vote: Vote):
    rid = getattr(actor, "resident_id", None)
    if not rid:
        return Elector.objects.none()
    return Elector.objects.filter(vote=vote, voters__resident_id=rid).select_related("counted")


def votes_to_cast(actor, *, limit: int = 5) -> list[Vote]:
    """Open votes in which the person still has a ballot to cast: they vote for an elector
    (their own, their household's or the dwelling they are the named voter of) that has no
    counted ballot yet, and the vote has not reached its closing time. One query."""
    rid = getattr(actor, "resident_id", None)
    if not rid:
        return []
    waiting = Elector.objects.filter(vote_id=OuterRef("pk"), voters__resident_id=rid, counted__isnull=True)
    return list(Vote.objects.filter(Exists(waiting), status=Vote.Status.OPEN)
                .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=timezone.now()))
                .only("id", "title", "closes_at").order_by(F("closes_at").asc(nulls_last=True), "id")[:limit])


def my_ballots(actor):
    """Ballots cast for the electors the person votes for, with receipts: their own choices,
    never a deemed vote."""
    rid = getattr(actor, "resident_id", None)
    q = Q(actor_id=actor.pk)
    if rid:
        q |= Q(elector__voters__resident_id=rid)
    return (Ballot.objects.filter(q).select_related("vote", "elector", "counted_as").distinct()
            .order_by("-id"))


def paper_mismatches(vote: Vote):
    """Paper ballots whose two entries differ and that wait for a third look."""
    latest = {}
    for e in PaperEntry.objects.filter(vote=vote).select_related("elector").order_by("id"):
        latest[e.elector_id] = e
    return [e for e in latest.values() if e.data.get("mismatch")]


def option_labels(vote: Vote) -> dict[int, str]:
    return {o["id"]: o["label"] for m in vote.frozen.get("matters", []) for o in m["options"]}
