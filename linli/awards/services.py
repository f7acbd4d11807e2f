"""Every state change of the annual awards: a round, its nominations (drawn from the year's
record with the figures frozen, or added by hand with a reason), the method, the decision (a
deliberation vote through that app's public services, or the committee with a reason) and
publication. One transaction per verb, the round's row locked first; each step is a
RoundEvent with its audit entry."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core.errors import Conflict, Invalid, NotFound
from linli.core.history import person_or_none, record
from linli.deliberation import services as votes
from linli.deliberation.models import Option, Vote
from linli.places.models import Place
from linli.points.services import belongs_to

from . import rules, selectors
from .models import AwardRound, Nomination, RoundEvent, can_move

K = AwardRound.Kind
M = AwardRound.Method
S = AwardRound.Status
MAX_SEATS = 50
# How many the record proposes per seat when the staff do not say.
DRAW_PER_SEAT = 2


def _event(rnd: AwardRound, kind: str, *, actor, note: str = "", data: dict | None = None) -> RoundEvent:
    return record(RoundEvent, actor=actor, kind=kind, path=rnd.path, note=note, data=data,
                  audit_action=f"awards.{kind}", audit_target=rnd, round=rnd)


def _locked(round_id: int) -> AwardRound:
    rnd = AwardRound.objects.select_for_update().select_related("community").filter(pk=round_id).first()
    if rnd is None:
        raise NotFound(_("未找到该评选，或不在您的管辖范围内"), code="not_found")
    return rnd


def _move(rnd: AwardRound, to: str, verb: str) -> None:
    assert can_move(rnd.status, to, verb), (rnd.status, to, verb)
    rnd.status = to


@transaction.atomic
def create_round(*, actor, community_id: int, kind: str, year, seats, method: str = M.VOTE) -> AwardRound:
    """A draft round: one per community, kind and year (the database says so too)."""
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        raise NotFound(_("未找到该社区"), code="not_found", field="community_id")
    require(actor, Verb.POINTS_MANAGE, community)
    errors = []
    if kind not in K.values:
        errors.append({"field": "kind", "code": "required", "message": _("请选择评选项目")})
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not this_year - 5 <= year <= this_year + 1:
        errors.append({"field": "year", "code": "year_range",
                       "message": _("年度须在 %(a)s 至 %(b)s 之间") % {"a": this_year - 5, "b": this_year + 1}})
    elif kind in K.values and AwardRound.objects.filter(community=community, kind=kind, year=year).exists():
        errors.append({"field": "year", "code": "round_exists", "message": _("该社区本年度已有此项评选")})
    if not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        errors.append({"field": "seats", "code": "seats_range", "message": _("名额须为 1 至 50 人")})
    if method not in M.values:
        errors.append({"field": "method", "code": "required", "message": _("请选择评定方式")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    try:
        with transaction.atomic():
            rnd = AwardRound.objects.create(community=community, path=community.path, kind=kind, year=year,
                                            seats=seats, method=method, created_by=person_or_none(actor))
    except IntegrityError:  # created meanwhile by someone else
        raise Conflict(_("该社区本年度已有此项评选"), code="round_exists", field="year") from None
    _event(rnd, "created", actor=actor, data={"kind": kind, "year": year, "seats": seats, "method": method})
    return rnd


# ---------------------------------------------------------------- nominations


def _record_candidates(rnd: AwardRound) -> list[tuple[int, dict]]:
    """(person id, figures), best first. Residents: everyone with a record in the community
    this year except its staff, by points earned (the community's own weights for taking
    part), then service minutes, activities, cases solved. Building heads: every head, by the
    cases closed under their buildings, then the same."""
    community = rnd.community
    if rnd.kind == K.BUILDING_HEAD:
        heads = selectors.building_heads(community)
        per_building = selectors.building_cases(community, rnd.year, [b for bs in heads.values() for b in bs])
        figures = selectors.record_of_year(community, rnd.year, person_ids=list(heads))
        rows = []
        for pid, buildings in heads.items():
            f = {**dict.fromkeys(selectors.FIGURES, 0), **figures.get(pid, {})}
            f["building_cases"] = sum(per_building.get(b.path, 0) for b in buildings)
            f["buildings"] = [b.name for b in buildings]
            rows.append((pid, f))
        key = lambda r: (r[1]["building_cases"], r[1]["points"], r[1]["minutes"], r[1]["activities"], -r[0])  # noqa: E731
    else:
        staff = selectors.staff_ids(community)
        rows = [(pid, f) for pid, f in selectors.record_of_year(community, rnd.year).items()
                if pid not in staff and any(f.values())]
        key = lambda r: (r[1]["points"], r[1]["minutes"], r[1]["activities"], r[1]["cases"], -r[0])  # noqa: E731
    return sorted(rows, key=key, reverse=True)


@transaction.atomic
def draw_nominations(*, actor, round_id: int, count: int | None = None) -> list[Nomination]:
    """The top `count` (twice the seats by default) of the year's record become nominees, each
    with the figures they were drawn on, frozen; the round opens for nominations."""
    rnd = _locked(round_id)
    rules.check(actor, "draw", rnd)
    count = count if count is not None else rnd.seats * DRAW_PER_SEAT
    if not isinstance(count, int) or not 1 <= count <= 200:
        raise Invalid(_("推荐人数须为 1 至 200"), code="count_range", field="count")
    top = _record_candidates(rnd)[:count]
    people = {u.pk: u for u in User.objects.filter(pk__in=[pid for pid, _f in top]).select_related("resident")}
    homes = selectors.homes(list(people.values()), rnd.community)
    made = Nomination.objects.bulk_create([
        Nomination(round=rnd, person_id=pid, name=people[pid].display_name or people[pid].username,
                   home=homes.get(pid, "") or "、".join(f.get("buildings", [])), source=Nomination.Source.RECORD,
                   figures=f, rank=i, created_by=person_or_none(actor))
        for i, (pid, f) in enumerate(top, 1) if pid in people])
    _move(rnd, S.NOMINATING, "draw")
    rnd.save(update_fields=["status", "updated_at"])
    _event(rnd, "drawn", actor=actor, data={"count": len(made), "people": [n.person_id for n in made]})
    return made


@transaction.atomic
def nominate(*, actor, round_id: int, person_id: int, reason: str) -> Nomination:
    """A nominee added by hand, with the reason; their figures of the year are kept too."""
    rnd = _locked(round_id)
    rules.check(actor, "nominate", rnd)
    person = User.objects.select_related("resident").filter(pk=person_id).first()
    errors = []
    if person is None or not belongs_to(person, rnd.community):
        errors.append({"field": "person_id", "code": "not_member", "message": _("此人不是本社区的居民")})
    elif rnd.nominations.filter(person=person).exists():
        errors.append({"field": "person_id", "code": "already_nominated", "message": _("此人已被提名")})
    elif rnd.kind == K.BUILDING_HEAD and person.pk not in selectors.building_heads(rnd.community):
        errors.append({"field": "person_id", "code": "not_building_head", "message": _("此人不是本社区的楼栋长")})
    if len((reason or "").strip()) < 4:
        errors.append({"field": "reason", "code": "reason_required", "message": _("请填写提名理由（至少 4 个字）")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    figures = selectors.record_of_year(rnd.community, rnd.year, person_ids=[person.pk]).get(
        person.pk, dict.fromkeys(selectors.FIGURES, 0))
    home = selectors.homes([person], rnd.community).get(person.pk, "")
    n = Nomination.objects.create(round=rnd, person=person, name=person.display_name or person.username, home=home,
                                  source=Nomination.Source.HAND, reason=reason.strip(), figures=figures,
                                  created_by=person_or_none(actor))
    _event(rnd, "nominated", actor=actor, note=reason.strip(), data={"nomination": n.pk, "person": person.pk})
    return n


@transaction.atomic
def withdraw(*, actor, nomination_id: int, reason: str) -> Nomination:
    n = Nomination.objects.filter(pk=nomination_id).values("round_id").first()
    if n is None:
        raise NotFound(_("未找到该提名"), code="not_found")
    rnd = _locked(n["round_id"])
    rules.check(actor, "withdraw", rnd)
    nomination = Nomination.objects.select_for_update().get(pk=nomination_id)
    if nomination.withdrawn_at is not None:
        raise Conflict(_("该提名已撤回"), code="already_withdrawn")
    if len((reason or "").strip()) < 4:
        raise Invalid(_("请填写撤回理由（至少 4 个字）"), code="reason_required", field="reason")
    nomination.withdrawn_at, nomination.withdrawn_reason = timezone.now(), reason.strip()[:300]
    nomination.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    _event(rnd, "withdrawn", actor=actor, note=reason.strip(), data={"nomination": nomination.pk,
                                                                       "person": nomination.person_id})
    return nomination


@transaction.atomic
def choose_method(*, actor, round_id: int, method: str) -> AwardRound:
    rnd = _locked(round_id)
    rules.check(actor, "choose_method", rnd)
    if method not in M.values:
        raise Invalid(_("请选择评定方式"), code="required", field="method")
    if method != rnd.method:
        old, rnd.method = rnd.method, method
        rnd.save(update_fields=["method", "updated_at"])
        _event(rnd, "method", actor=actor, data={"from": old, "to": method})
    return rnd


# ---------------------------------------------------------------- deciding


def ballot_labels(nominations: list[Nomination]) -> dict[int, str]:
    """The name on the ballot: the name, or with the home where two share a name (labels must
    be unique), or with the nomination number where even that is shared."""
    by_name: dict[str, int] = {}
    for n in nominations:
        by_name[n.name] = by_name.get(n.name, 0) + 1
    labels = {n.pk: (n.name if by_name[n.name] == 1 else f"{n.name}（{n.home or n.pk}）") for n in nominations}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {pk: (label if seen[label] == 1 else f"{label}#{pk}") for pk, label in labels.items()}


@transaction.atomic
def start_vote(*, actor, round_id: int, closes_at: dt.datetime, objection_days: int = 7) -> Vote:
    """The round's nominees go to a vote of the community's residents (one person one vote,
    up to `seats` approvals each), through deliberation's public services: the vote is set
    up, its notice published (the roll frozen) and opened now. The most approvals win; a tie
    at the last seat is drawn by deliberation's seeded, logged draw. Closing, the objection
    period and the final result are deliberation's; its `vote_final` event records the
    winners here (subscribers.py)."""
    rnd = _locked(round_id)
    rules.check(actor, "start_vote", rnd)
    nominees = list(rnd.nominations.filter(withdrawn_at__isnull=True).order_by("rank", "id"))
    now = timezone.now()
    errors = []
    if len(nominees) < 2:
        errors.append({"field": "nominations", "code": "too_few", "message": _("候选人至少需要 2 名")})
    if not isinstance(closes_at, dt.datetime) or closes_at <= now:
        errors.append({"field": "closes_at", "code": "invalid_period", "message": _("截止时间须晚于现在")})
    if not isinstance(objection_days, int) or not 0 <= objection_days <= 30:
        errors.append({"field": "objection_days", "code": "objection_range",
                       "message": _("公示天数须为 0 至 30 天")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    labels = ballot_labels(nominees)
    title = _("%(year)s年度%(kind)s评选") % {"year": rnd.year, "kind": rnd.get_kind_display()}
    seats = min(rnd.seats, len(nominees))
    vote = votes.create_vote(
        actor=actor, place_id=rnd.community_id, kind=Vote.Kind.RESIDENT, title=title, objection_days=objection_days,
        description=_("每人最多选 %(n)s 名；得票最多者当选，末位同票时抽签决定。") % {"n": seats},
        matters=[{"title": title, "kind": "election", "seats": seats, "pass": [0, 1, True],
                  "options": [labels[n.pk] for n in nominees]}])
    votes.publish_notice(actor=actor, vote_id=vote.pk, opens_at=now, closes_at=closes_at)
    vote = votes.open_vote(actor=actor, vote_id=vote.pk)
    options = dict(Option.objects.filter(matter__vote=vote).values_list("label", "pk"))
    for n in nominees:
        n.ballot_label, n.option_id = labels[n.pk], options[labels[n.pk]]
    Nomination.objects.bulk_update(nominees, ["ballot_label", "option"])
    rnd.vote = vote
    _move(rnd, S.DECIDING, "start_vote")
    rnd.save(update_fields=["vote", "status", "updated_at"])
    _event(rnd, "vote_started", actor=actor, data={"vote": vote.pk, "closes_at": closes_at.isoformat()})
    return vote


def _record_winners(rnd: AwardRound, nomination_ids: list[int], *, actor, kind: str, note: str = "",
                    data: dict | None = None) -> None:
    Nomination.objects.filter(round=rnd, pk__in=nomination_ids).update(winner=True)
    rnd.decided_at = timezone.now()
    rnd.decision_note = note
    _event(rnd, kind, actor=actor, note=note, data={"winners": sorted(nomination_ids), **(data or {})})


@transaction.atomic
def decide_by_committee(*, actor, round_id: int, nomination_ids: list[int], reason: str) -> AwardRound:
    """The committee (评审委员会) picks the winners among the nominees, with its reason."""
    rnd = _locked(round_id)
    rules.check(actor, "decide", rnd)
    picked = set(int(i) for i in nomination_ids or [])
    active = set(rnd.nominations.filter(withdrawn_at__isnull=True).values_list("pk", flat=True))
    errors = []
    if not picked:
        errors.append({"field": "nomination_ids", "code": "required", "message": _("请选择获评人")})
    elif not picked <= active:
        errors.append({"field": "nomination_ids", "code": "not_nominee", "message": _("获评人须是有效的被提名人")})
    elif len(picked) > rnd.seats:
        errors.append({"field": "nomination_ids", "code": "too_many",
                       "message": _("获评人数超过名额（%(n)s 人）") % {"n": rnd.seats}})
    if len((reason or "").strip()) < 4:
        errors.append({"field": "reason", "code": "reason_required", "message": _("请填写评定理由（至少 4 个字）")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    _move(rnd, S.DECIDING, "decide")
    _record_winners(rnd, sorted(picked), actor=actor, kind="decided", note=reason.strip(),
                    data={"method": M.COMMITTEE})
    rnd.save(update_fields=["status", "decided_at", "decision_note", "updated_at"])
    return rnd


def _round_of_vote(vote_id) -> AwardRound | None:
    found = AwardRound.objects.filter(vote_id=vote_id).values_list("pk", flat=True).first()
    return _locked(found) if found else None


@transaction.atomic
def record_vote_result(*, actor, vote_id: int) -> AwardRound | None:
    """The vote is final: its elected candidates are the round's winners. Once: a round
    already decided is left as it is (a replayed event changes nothing)."""
    rnd = _round_of_vote(vote_id)
    if rnd is None or rnd.decided_at is not None or rnd.status != S.DECIDING:
        return rnd
    vote = Vote.objects.get(pk=vote_id)
    if vote.status != Vote.Status.FINAL:
        return rnd
    matter = vote.result["matters"][0]
    elected = list(matter.get("elected") or [])
    ids = list(rnd.nominations.filter(option_id__in=elected).values_list("pk", flat=True))
    _record_winners(rnd, ids, actor=actor, kind="decided", data={
        "method": M.VOTE, "vote": vote.pk, "open_seats": matter.get("open_seats", 0),
        "draw": bool(matter.get("draw"))})
    rnd.save(update_fields=["decided_at", "decision_note", "updated_at"])
    return rnd


@transaction.atomic
def record_vote_failed(*, actor, vote_id: int) -> AwardRound | None:
    """A failed vote hands the round back to nominations: a new vote or the committee."""
    rnd = _round_of_vote(vote_id)
    if rnd is None or rnd.status != S.DECIDING or rnd.decided_at is not None:
        return rnd
    _move(rnd, S.NOMINATING, "vote_failed")
    rnd.vote = None
    rnd.save(update_fields=["status", "vote", "updated_at"])
    Nomination.objects.filter(round=rnd).update(option=None, ballot_label="")
    _event(rnd, "vote_failed", actor=actor, data={"vote": vote_id})
    return rnd


@transaction.atomic
def publish_round(*, actor, round_id: int) -> AwardRound:
    rnd = _locked(round_id)
    rules.check(actor, "publish", rnd)
    _move(rnd, S.PUBLISHED, "publish")
    rnd.published_at = timezone.now()
    rnd.save(update_fields=["status", "published_at", "updated_at"])
    winners = list(rnd.nominations.filter(winner=True).select_related("person"))
    text = _("您获评%(community)s %(year)s 年度“%(kind)s”，名单已公示。") % {
        "community": rnd.community.name, "year": rnd.year, "kind": rnd.get_kind_display()}
    record(RoundEvent, actor=actor, kind="published", path=rnd.path, data={"winners": [n.person_id for n in winners]},
           notify=[n.person for n in winners], notice_text=text, notice_kind="awards.published",
           url=reverse("awards:public", args=[rnd.community_id, rnd.year]), audit_action="awards.published",
           audit_target=rnd, round=rnd)
    return rnd
