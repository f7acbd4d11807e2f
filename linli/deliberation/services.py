"""Every state change of votes: set-up, notice (the roll frozen), ballots by every channel,
extension, close, preliminary and final results. Topics and meetings: `services_topics.py`."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from fractions import Fraction

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.scope import require
from linli.core import events
from linli.core.actors import SYSTEM
from linli.core.audit import record_audit
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.history import record
from linli.places.models import Place

from . import roll
from .models import (Ballot, BallotChoice, CountedBallot, DwellingTitle, Elector, ElectorVoter, Matter, Option,
                     PaperEntry, SheetIssue, Topic, Vote, VoteEvent)

# The law's floor for owners' votes (Civil Code art. 278): quorum 2/3 (at least), ordinary
# matters more than 1/2, special matters at least 3/4, of the participating area and owners.
LAW_QUORUM = Fraction(2, 3)
LAW_PASS = {Matter.Kind.ORDINARY: (Fraction(1, 2), True), Matter.Kind.SPECIAL: (Fraction(3, 4), False),
            Matter.Kind.ELECTION: (Fraction(1, 2), True)}
CHANNEL_RANK = {Vote.Precedence.PAPER_FIRST: {"paper": 2, "proxy": 1, "online": 0},
                Vote.Precedence.LATEST: {"paper": 0, "proxy": 0, "online": 0}}
EDITABLE = ("title", "description", "min_age", "secret", "quorum_num", "quorum_den", "deemed_follow_majority",
            "precedence", "allow_change", "tie_break", "results_hidden", "objection_days", "cooling_days")


def _vote_locked(vote_id: int) -> Vote:
    vote = Vote.objects.select_for_update().filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("未找到该表决"), code="not_found")
    return vote


def _event(vote: Vote, kind: str, *, actor, note: str = "", data: dict | None = None, notify=(),
           notice_text: str = "", url: str = "") -> VoteEvent:
    if actor is SYSTEM:  # a scheduled step: the audit and the history say the clock did it
        data = {**(data or {}), "by": "system"}
    return record(VoteEvent, actor=actor, kind=kind, path=vote.path, note=note, data=data,
                  notify=notify, notice_text=notice_text, notice_kind=f"vote_{kind}" if notify else "", url=url,
                  audit_action=f"deliberation.vote_{kind}", audit_target=vote, vote=vote)


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _electorate(vote: Vote):
    """The people with an account who may vote online on the frozen roll."""
    from django.contrib.auth import get_user_model

    voters = ElectorVoter.objects.filter(elector__vote=vote).values("resident_id")
    return get_user_model().objects.filter(is_active=True, resident_id__in=voters).order_by("pk")


def _convener(vote: Vote) -> list:
    return [vote.created_by] if vote.created_by_id else []


def _stricter_or_equal(num: int, den: int, strict: bool, floor: Fraction, floor_strict: bool) -> bool:
    f = Fraction(num, den)
    return f > floor or (f == floor and (strict or not floor_strict))


# --------------------------------------------------------------------------------------------
# Set-up (draft only)
# --------------------------------------------------------------------------------------------

@transaction.atomic
def create_vote(*, actor, place_id: int, kind: str, title: str, matters: list[dict],
                building_ids: list[int] = (), topic_id: int | None = None, scrutineer_ids: list[int] = (),
                **settings) -> Vote:
    """A draft vote. `matters`: [{title, kind, seats, options (labels, for choice/election),
    pass: [num, den, strict] (optional)}]. Ordinary and special matters get agree / disagree /
    abstain options."""
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="place_id")
    require(actor, "deliberation.convene", place)
    if kind not in Vote.Kind.values:
        raise Invalid(_("请选择表决方式"), code="invalid_kind", field="kind")
    buildings = list(Place.objects.filter(pk__in=building_ids, kind__code="building"))
    if len(buildings) != len(set(building_ids)) or any(not b.path.startswith(place.path) for b in buildings):
        raise Invalid(_("所选楼栋须在表决范围内"), code="invalid_buildings", field="building_ids")
    topic = None
    if topic_id is not None:
        topic = Topic.objects.filter(pk=topic_id).first()
        if topic is None:
            raise NotFound(_("未找到该议题"), code="not_found", field="topic_id")
    unknown = set(settings) - set(EDITABLE)
    if unknown:
        raise Invalid(_("未知的设置项"), code="unknown_setting", field=sorted(unknown)[0])
    if kind != Vote.Kind.OWNERS:
        settings.setdefault("quorum_num", 0)
        settings.setdefault("quorum_den", 1)
    vote = Vote(place=place, path=place.path, kind=kind, title=(title or "").strip(), created_by=actor
                if getattr(actor, "pk", None) else None, topic=topic, **settings)
    _validate(vote, matters)
    _check_cooling(vote, matters)
    vote.save()
    vote.buildings.set(buildings)
    if scrutineer_ids:
        vote.scrutineers.set(scrutineer_ids)
    _save_matters(vote, matters)
    _event(vote, "created", actor=actor)
    return vote


def normalise_title(text: str) -> str:
    """A matter's title for "the same matter": width-folded, case-folded, letters and digits
    only (no spaces, punctuation or symbols): "加装 电梯！" and "加装电梯" are one matter."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").casefold() if ch.isalnum())


def _overlapping_q(path: str):
    """Places overlapping in scope with `path`: itself, its ancestors and its descendants."""
    from django.db.models import Q

    ancestors = [path[:n] for n in range(4, len(path), 4)]
    return Q(path__startswith=path) | Q(path__in=ancestors)


def cooling_block(*, path: str, titles, topic_id: int | None = None, exclude_vote_id: int | None = None,
                  now=None) -> dict | None:
    """The failed vote that still blocks proposing this matter again, or None: a vote that
    ended as failed less than its `cooling_days` ago, at this place or one overlapping it in
    scope (an ancestor or a descendant), on the same matter: the same topic (a case becomes
    at most one topic, so this is also the same source case), or a vote or matter title equal
    once normalised. Returns {"vote", "title",
    "failed_at", "until", "field"}."""
    now = now or timezone.now()
    wanted = {normalise_title(t) for t in titles if normalise_title(t)}
    from django.db.models import Max, Q

    candidates = (Vote.objects.filter(_overlapping_q(path), status=Vote.Status.FAILED)
                  .exclude(pk=exclude_vote_id).prefetch_related("matters")
                  .annotate(failed_at=Max("events__at", filter=Q(events__kind="failed"))))
    blocks = []
    for v in candidates:
        failed = v.failed_at or v.updated_at
        until = failed + dt.timedelta(days=v.cooling_days)
        if until <= now:
            continue
        field = None
        if topic_id is not None and v.topic_id == topic_id:
            field = "topic_id"
        elif wanted & ({normalise_title(v.title)} | {normalise_title(m.title) for m in v.matters.all()}):
            field = "title"
        if field:
            blocks.append({"vote": v.pk, "title": v.title, "failed_at": failed, "until": until, "field": field})
    return max(blocks, key=lambda b: b["until"]) if blocks else None


def _check_cooling(vote: Vote, matters: list[dict], *, exclude_vote_id: int | None = None) -> None:
    """A matter that failed cannot be proposed again for the period its vote set, here or at
    any place overlapping in scope."""
    topic = vote.topic
    block = cooling_block(path=vote.path, titles=[vote.title] + [m.get("title") or "" for m in matters],
                          topic_id=topic.pk if topic else None, exclude_vote_id=exclude_vote_id)
    if block:
        raise Conflict(_("“%(title)s”已于 %(failed)s 表决未成功，%(until)s 之后才能再次提出") % {
            "title": block["title"], "failed": _when(block["failed_at"]), "until": _when(block["until"])},
            code="cooling_period", field=block["field"])


def _validate(vote: Vote, matters: list[dict]) -> None:
    errors = []
    if not vote.title:
        errors.append({"field": "title", "code": "required", "message": _("请填写表决事项")})
    if not (0 < vote.quorum_den and 0 <= vote.quorum_num <= vote.quorum_den):
        errors.append({"field": "quorum_num", "code": "invalid_fraction", "message": _("参与门槛须是不超过 1 的分数")})
    elif vote.kind == Vote.Kind.OWNERS and Fraction(vote.quorum_num, vote.quorum_den) < LAW_QUORUM:
        errors.append({"field": "quorum_num", "code": "below_law",
                       "message": _("业主共同决定须有专有部分面积和人数均占三分之二以上的业主参与表决")})
    if not matters:
        errors.append({"field": "matters", "code": "required", "message": _("请至少填写一个表决事项")})
    for i, m in enumerate(matters or []):
        field = f"matters.{i}"
        mkind = m.get("kind", Matter.Kind.ORDINARY)
        if mkind not in Matter.Kind.values:
            errors.append({"field": field, "code": "invalid_kind", "message": _("事项类别无效")})
            continue
        if not (m.get("title") or "").strip():
            errors.append({"field": field, "code": "required", "message": _("请填写事项内容")})
        p = m.get("pass")
        if p is not None:
            try:
                num, den, strict = int(p[0]), int(p[1]), bool(p[2])
                assert 0 < den and 0 <= num <= den
            except (TypeError, ValueError, IndexError, AssertionError):
                errors.append({"field": field, "code": "invalid_fraction", "message": _("通过门槛须是不超过 1 的分数")})
                continue
            floor = LAW_PASS.get(mkind)
            if vote.kind == Vote.Kind.OWNERS and floor and not _stricter_or_equal(num, den, strict, *floor):
                errors.append({"field": field, "code": "below_law",
                               "message": _("通过门槛不能低于法律规定（一般事项过半数，重大事项四分之三以上）")})
        if mkind in (Matter.Kind.CHOICE, Matter.Kind.ELECTION):
            labels = [str(x).strip() for x in m.get("options") or [] if str(x).strip()]
            if len(labels) < (1 if mkind == Matter.Kind.ELECTION else 2) or len(set(labels)) != len(labels):
                errors.append({"field": field, "code": "options", "message": _("请填写不重复的选项或候选人")})
        if mkind == Matter.Kind.ELECTION and not (0 < int(m.get("seats") or 0) <= 99):
            errors.append({"field": field, "code": "seats", "message": _("请填写应选人数")})
        if vote.kind == Vote.Kind.OWNERS and mkind == Matter.Kind.CHOICE:
            errors.append({"field": field, "code": "owners_choice",
                           "message": _("业主共同决定的事项须逐项表决同意或不同意")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)


def _save_matters(vote: Vote, matters: list[dict]) -> None:
    for i, m in enumerate(matters):
        mkind = m.get("kind", Matter.Kind.ORDINARY)
        floor, strict = LAW_PASS.get(mkind, (Fraction(1, 2), True))
        num, den, strict = m.get("pass") or (floor.numerator, floor.denominator, strict)
        matter = Matter.objects.create(vote=vote, order=i, title=m["title"].strip(), kind=mkind,
                                       seats=int(m.get("seats") or 0), pass_num=int(num), pass_den=int(den),
                                       pass_strict=bool(strict))
        if mkind in (Matter.Kind.ORDINARY, Matter.Kind.SPECIAL):
            opts = [(_("同意"), "agree"), (_("不同意"), "disagree"), (_("弃权"), "abstain")]
        else:
            role = "candidate" if mkind == Matter.Kind.ELECTION else "choice"
            opts = [(str(x).strip(), role) for x in m["options"] if str(x).strip()]
            if mkind == Matter.Kind.CHOICE:
                opts.append((_("弃权"), "abstain"))
        Option.objects.bulk_create([Option(matter=matter, order=j, label=label, role=role)
                                    for j, (label, role) in enumerate(opts)])


def _refuse_if_frozen(vote: Vote) -> None:
    if vote.is_frozen:
        raise Conflict(_("表决已公告，规则、选项和名册已冻结，不能再修改"), code="vote_frozen")


@transaction.atomic
def update_vote(*, actor, vote_id: int, matters: list[dict] | None = None, **settings) -> Vote:
    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    _refuse_if_frozen(vote)
    unknown = set(settings) - set(EDITABLE)
    if unknown:
        raise Invalid(_("未知的设置项"), code="unknown_setting", field=sorted(unknown)[0])
    for k, v in settings.items():
        setattr(vote, k, v)
    current = [{"title": m.title, "kind": m.kind, "seats": m.seats, "pass": [m.pass_num, m.pass_den, m.pass_strict],
                "options": [o.label for o in m.options.exclude(role="abstain")]} for m in vote.matters.all()]
    _validate(vote, matters if matters is not None else current)
    vote.save()
    if matters is not None:
        Option.objects.filter(matter__vote=vote).delete()
        vote.matters.all().delete()
        _save_matters(vote, matters)
    _event(vote, "updated", actor=actor, data={"fields": sorted(settings) + (["matters"] if matters else [])})
    return vote


# --------------------------------------------------------------------------------------------
# Life cycle
# --------------------------------------------------------------------------------------------

def frozen_rules(vote: Vote, totals: dict, seed: str) -> dict:
    return {
        "kind": vote.kind, "quorum": [vote.quorum_num, vote.quorum_den], "deemed": vote.deemed_follow_majority,
        "precedence": vote.precedence, "allow_change": vote.allow_change, "tie_break": vote.tie_break,
        "secret": vote.secret, "min_age": vote.min_age, "seed": seed, "totals": totals,
        "scope": [vote.path] + sorted(vote.buildings.values_list("path", flat=True)),
        "matters": [{"id": m.pk, "title": m.title, "kind": m.kind, "seats": m.seats,
                     "pass": [m.pass_num, m.pass_den, m.pass_strict],
                     "options": [{"id": o.pk, "label": o.label, "role": o.role} for o in m.options.all()]}
                    for m in vote.matters.prefetch_related("options")],
    }


@transaction.atomic
def publish_notice(*, actor, vote_id: int, opens_at: dt.datetime, closes_at: dt.datetime,
                   extension_limit: dt.datetime | None = None) -> Vote:
    """Publish the notice: the roll, the rule, the options, the channel precedence and the
    tie-break are frozen now; nothing later changes them."""
    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    _refuse_if_frozen(vote)
    if closes_at <= opens_at:
        raise Invalid(_("截止时间须晚于开始时间"), code="invalid_period", field="closes_at")
    if extension_limit is not None and extension_limit <= closes_at:
        raise Invalid(_("最迟延长时间须晚于截止时间"), code="invalid_period", field="extension_limit")
    # A matter that failed while this draft waited is blocked too.
    _check_cooling(vote, [{"title": m.title} for m in vote.matters.all()], exclude_vote_id=vote.pk)
    totals = roll.build_roll(vote)
    seed = secrets.token_hex(8)
    vote.frozen = frozen_rules(vote, totals, seed)
    vote.frozen_at = timezone.now()
    vote.draw_seed = seed
    vote.opens_at, vote.closes_at, vote.extension_limit = opens_at, closes_at, extension_limit
    vote.status = Vote.Status.NOTICE
    vote.save()
    _event(vote, "notice", actor=actor, data={"totals": totals, "seed": seed})
    events.publish("deliberation.vote_notice", key=f"vote-notice:{vote.pk}", actor=actor, path=vote.path,
                   data={"vote": vote.pk, "title": vote.title})
    return vote


@transaction.atomic
def open_vote(*, actor, vote_id: int) -> Vote:
    """Voting starts, not before the time the notice announced; the electorate is told."""
    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    if vote.status != Vote.Status.NOTICE:
        raise Conflict(_("只有已公告的表决才能开始投票"), code="wrong_status")
    if vote.opens_at and timezone.now() < vote.opens_at:
        raise Conflict(_("公告的投票开始时间是 %(time)s，尚未到时间") % {"time": _when(vote.opens_at)},
                       code="not_yet_open")
    vote.status = Vote.Status.OPEN
    vote.save(update_fields=["status", "updated_at"])
    _event(vote, "opened", actor=actor, notify=_electorate(vote), url=f"/deliberation/votes/{vote.pk}/",
           notice_text=_("“%(title)s”开始投票，截止时间 %(time)s") % {"title": vote.title,
                                                                   "time": _when(vote.closes_at)})
    return vote


@transaction.atomic
def extend_vote(*, actor, vote_id: int, closes_at: dt.datetime, reason: str) -> Vote:
    """Once, up to the limit set with the notice."""
    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    if vote.status != Vote.Status.OPEN:
        raise Conflict(_("只有投票中的表决可以延期"), code="wrong_status")
    if vote.extended:
        raise Conflict(_("表决只能延期一次"), code="already_extended")
    if vote.extension_limit is None or not (vote.closes_at < closes_at <= vote.extension_limit):
        raise Invalid(_("延期后的截止时间须晚于原截止时间且不超过公告的最迟时间"), code="invalid_extension",
                      field="closes_at")
    if not (reason or "").strip():
        raise Invalid(_("请说明延期原因"), code="required", field="reason")
    old = vote.closes_at
    vote.closes_at, vote.extended = closes_at, True
    vote.save(update_fields=["closes_at", "extended", "updated_at"])
    _event(vote, "extended", actor=actor, note=reason, data={"from": old.isoformat(), "to": closes_at.isoformat()})
    return vote


def _can_extend(vote: Vote, now=None) -> bool:
    """Whether the one extension is still to be had: not used, and its limit not yet passed."""
    now = now or timezone.now()
    return not vote.extended and vote.extension_limit is not None and now < vote.extension_limit


@transaction.atomic
def close_vote(*, actor, vote_id: int) -> Vote:
    """Count. A vote that still lacks its quorum after its one extension has failed."""
    from .selectors import compute_result

    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    if vote.status != Vote.Status.OPEN:
        raise Conflict(_("只有投票中的表决可以截止"), code="wrong_status")
    # Wait for ballots in flight (each holds its elector's lock); later ones then see "closed".
    list(Elector.objects.select_for_update().filter(vote=vote).order_by("pk").values_list("pk", flat=True))
    vote.result = compute_result(vote)
    no_quorum = all(not m["quorum"]["met"] for m in vote.result["matters"])
    vote.status = Vote.Status.FAILED if (no_quorum and not _can_extend(vote)) else Vote.Status.CLOSED
    vote.save(update_fields=["result", "status", "updated_at"])
    failed = vote.status == Vote.Status.FAILED
    _event(vote, "failed" if failed else "closed", actor=actor, notify=_convener(vote),
           url=f"/deliberation/votes/{vote.pk}/manage/",
           notice_text=(_("“%(title)s”参与人数不足，表决未成功") if failed
                        else _("“%(title)s”已截止并计票，请公示结果")) % {"title": vote.title})
    if vote.status == Vote.Status.FAILED:
        events.publish("deliberation.vote_failed", key=f"vote-failed:{vote.pk}", actor=actor, path=vote.path,
                       data={"vote": vote.pk, "topic": vote.topic_id})
    return vote


@transaction.atomic
def publish_preliminary(*, actor, vote_id: int) -> Vote:
    """The preliminary result goes up for objections (询异公示) for the set number of days."""
    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    if vote.status != Vote.Status.CLOSED:
        raise Conflict(_("只有已截止的表决可以公示结果"), code="wrong_status")
    vote.status = Vote.Status.PRELIMINARY
    vote.objection_until = timezone.now() + dt.timedelta(days=vote.objection_days)
    vote.save(update_fields=["status", "objection_until", "updated_at"])
    _event(vote, "preliminary", actor=actor, data={"until": vote.objection_until.isoformat()})
    return vote


@transaction.atomic
def finalise_vote(*, actor, vote_id: int, note: str = "") -> Vote:
    """After the objection period: counted again by the same function (a ballot corrected on
    an objection counts), stored, and announced to the other apps."""
    from .selectors import compute_result

    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    if vote.status != Vote.Status.PRELIMINARY:
        raise Conflict(_("只有公示中的结果可以确定"), code="wrong_status")
    if vote.objection_until and timezone.now() < vote.objection_until:
        raise Conflict(_("询异公示期尚未结束"), code="objection_period")
    if vote.objections.filter(status="open").exists():
        raise Conflict(_("尚有异议未答复，不能确定结果"), code="objection_unanswered")
    preliminary = vote.result
    vote.result = compute_result(vote)
    vote.result["changes"] = _changes(preliminary, vote.result)
    vote.status = Vote.Status.FINAL
    vote.save(update_fields=["result", "status", "updated_at"])
    _event(vote, "final", actor=actor, note=note)
    events.publish("deliberation.vote_final", key=f"vote-final:{vote.pk}", actor=actor, path=vote.path,
                   data={"vote": vote.pk, "topic": vote.topic_id,
                         "passed": [m["id"] for m in vote.result["matters"] if m["passed"]]})
    return vote


def _changes(before: dict, after: dict) -> list[dict]:
    """What the final count changed from the preliminary one, per matter and option."""
    old = {m["id"]: m for m in (before or {}).get("matters", [])}
    out = []
    for m in after.get("matters", []):
        p = old.get(m["id"])
        if p is None:
            continue
        was = {o["id"]: o for o in p["options"]}
        opts = [{"id": o["id"], "label": o["label"],
                 "heads_before": was.get(o["id"], {}).get("real_heads", 0), "heads_after": o["real_heads"],
                 "area_before": was.get(o["id"], {}).get("real_area", 0), "area_after": o["real_area"]}
                for o in m["options"]
                if (was.get(o["id"], {}).get("real_heads"), was.get(o["id"], {}).get("real_area"))
                != (o["real_heads"], o["real_area"])]
        if opts or p.get("passed") != m.get("passed"):
            out.append({"matter": m["id"], "title": m["title"], "passed_before": p.get("passed"),
                        "passed_after": m.get("passed"), "options": opts})
    return out


# --------------------------------------------------------------------------------------------
# The clock: the periodic job opens and closes votes on time (tasks.vote_clock)
# --------------------------------------------------------------------------------------------

def run_vote_clock(*, now=None) -> dict:
    """Open every vote whose notice is out when its `opens_at` comes, and close every open vote
    at its `closes_at` (the extended one where the extension was used), each through the same
    service a person uses, as the system actor, each in its own transaction. Idempotent: a vote
    already moved (by a person, or by another run) is left alone.

    An open vote that reaches `closes_at` without its quorum while the one extension is still to
    be had waits for the convener (no ballots are taken past `closes_at`; the convener is told
    once): extended, it closes at the new time; not extended, it is closed at `extension_limit`
    and, still without quorum, ends as failed."""
    from .selectors import overall_result

    now = now or timezone.now()
    out = {"opened": 0, "closed": 0, "failed": 0, "waiting": 0}
    for pk in Vote.objects.filter(status=Vote.Status.NOTICE, opens_at__lte=now).order_by("opens_at", "pk") \
            .values_list("pk", flat=True):
        try:
            open_vote(actor=SYSTEM, vote_id=pk)
            out["opened"] += 1
        except (Conflict, NotFound):
            pass  # moved meanwhile
    for pk in Vote.objects.filter(status=Vote.Status.OPEN, closes_at__lte=now).order_by("closes_at", "pk") \
            .values_list("pk", flat=True):
        with transaction.atomic():
            vote = _vote_locked(pk)
            if vote.status != Vote.Status.OPEN or vote.closes_at > now:
                continue
            if _can_extend(vote, now):
                short = VoteEvent.objects.filter(vote=vote, kind="quorum_short", data__closes_at=vote.closes_at
                                                 .isoformat()).exists()
                if short:
                    out["waiting"] += 1
                    continue
                if not any(m["quorum"]["met"] for m in overall_result(vote)["matters"]):
                    _event(vote, "quorum_short", actor=SYSTEM, data={"closes_at": vote.closes_at.isoformat()},
                           notify=_convener(vote), url=f"/deliberation/votes/{vote.pk}/manage/",
                           notice_text=_("“%(title)s”到截止时间未达到参与人数，可延期一次（最迟 %(limit)s），"
                                         "否则将于该时间按未成功结束") % {"title": vote.title,
                                                                 "limit": _when(vote.extension_limit)})
                    out["waiting"] += 1
                    continue
            vote = close_vote(actor=SYSTEM, vote_id=pk)
            out["failed" if vote.status == Vote.Status.FAILED else "closed"] += 1
    return out


# --------------------------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------------------------

def _normalise(vote: Vote, choices: dict) -> dict[int, list[int]]:
    """{matter id: [option ids]} checked against the frozen options: one option for a matter
    (agree/disagree/abstain, or one choice), up to `seats` candidates for an election (none is
    a blank ballot that still takes part). Unanswered matters are left out."""
    matters = {m["id"]: m for m in vote.frozen["matters"]}
    out = {}
    if not isinstance(choices, dict) or not choices:
        raise Invalid(_("请至少对一个事项作出选择"), code="empty_ballot", field="choices")
    for key, picked in choices.items():
        try:
            mid = int(key)
        except (TypeError, ValueError):
            raise Invalid(_("事项无效"), code="invalid_matter", field="choices") from None
        m = matters.get(mid)
        if m is None:
            raise Invalid(_("事项无效"), code="invalid_matter", field="choices")
        ids = sorted({int(x) for x in (picked if isinstance(picked, (list, tuple)) else [picked])
                      if str(x).lstrip("-").isdigit()})
        valid = {o["id"] for o in m["options"]}
        if any(i not in valid for i in ids):
            raise Invalid(_("选项无效"), code="invalid_option", field=f"choices.{mid}")
        if m["kind"] == "election":
            if len(ids) > m["seats"]:
                raise Invalid(_("所选候选人超过应选人数"), code="too_many", field=f"choices.{mid}")
        elif len(ids) != 1:
            raise Invalid(_("每个事项只能选择一项"), code="one_option", field=f"choices.{mid}")
        out[mid] = ids
    return out


def _cast(vote: Vote, elector: Elector, *, actor, channel: str, choices: dict[int, list[int]],
          proxy_name: str = "", attachment=None, note: str = "", objection_id=None) -> Ballot:
    """Append the ballot and decide, under the elector's row lock, whether it now counts."""
    rank = CHANNEL_RANK[vote.frozen["precedence"]]
    current = CountedBallot.objects.filter(elector=elector).first()
    if current is not None:
        if rank[channel] < rank[current.channel]:
            raise Conflict(_("该户已有纸质票或委托票，按本次表决的规则以其为准，网络投票无效"),
                           code="superseded_channel")
        if (channel == current.channel == "online" and not vote.frozen["allow_change"]):
            raise Conflict(_("您已投票，本次表决不允许改票"), code="already_voted")
    ballot = Ballot(vote=vote, elector=elector, actor=actor if getattr(actor, "pk", None) else None,
                    kind=channel, path=elector.path, proxy_name=proxy_name, counted=True, note=note,
                    data={"choices": {str(k): v for k, v in choices.items()},
                          **({"objection": objection_id} if objection_id else {})})
    if attachment is not None:
        ballot.attachment = attachment
    ballot.save()
    BallotChoice.objects.bulk_create(
        [BallotChoice(ballot=ballot, matter_id=mid, option_id=None) for mid in choices]
        + [BallotChoice(ballot=ballot, matter_id=mid, option_id=oid) for mid, ids in choices.items() for oid in ids])
    if current is None:
        CountedBallot.objects.create(vote=vote, elector=elector, ballot=ballot, channel=channel)
    else:
        CountedBallot.objects.filter(pk=current.pk).update(ballot=ballot, channel=channel, updated_at=timezone.now())
    return ballot


def _open_vote_and_elector(vote_id: int, *, elector_filter: dict) -> tuple[Vote, Elector]:
    vote = Vote.objects.filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("未找到该表决"), code="not_found")
    # Lock the elector row: two ballots for one dwelling are decided one after the other.
    elector = Elector.objects.select_for_update().filter(vote=vote, **elector_filter).first()
    vote.refresh_from_db(fields=["status", "opens_at", "closes_at"])
    return vote, elector


def _require_open(vote: Vote) -> None:
    now = timezone.now()
    if vote.opens_at and now < vote.opens_at and vote.status in (Vote.Status.NOTICE, Vote.Status.OPEN):
        raise Conflict(_("投票尚未开始，将于 %(time)s 开始") % {"time": _when(vote.opens_at)}, code="not_yet_open")
    if vote.status != Vote.Status.OPEN or (vote.closes_at and now > vote.closes_at):
        raise Conflict(_("表决不在投票期内"), code="not_open")


@transaction.atomic
def cast_online_ballot(*, actor, vote_id: int, choices: dict, elector_id: int | None = None) -> Ballot:
    """The eligible person votes for their own dwelling (household, self): identity is checked
    against the frozen roll (a co-owner only where the others named them)."""
    resident_id = getattr(actor, "resident_id", None)
    if not resident_id:
        raise Forbidden(_("您的账号尚未关联居民信息，不能网络投票"), code="not_on_roll")
    mine = Elector.objects.filter(vote_id=vote_id, voters__resident_id=resident_id)
    if elector_id is not None:
        mine = mine.filter(pk=elector_id)
    ids = list(mine.values_list("pk", flat=True)[:2])
    if not ids:
        raise Forbidden(_("您不在本次表决的名册上，或共有人未指定您投票"), code="not_on_roll")
    if len(ids) > 1:
        raise Invalid(_("您可为多个表决单位投票，请选择房屋"), code="choose_elector", field="elector_id")
    vote, elector = _open_vote_and_elector(vote_id, elector_filter={"pk": ids[0]})
    _require_open(vote)
    return _cast(vote, elector, actor=actor, channel="online", choices=_normalise(vote, choices))


def _staff_elector(vote_id: int, code: str, actor) -> tuple[Vote, Elector]:
    vote, elector = _open_vote_and_elector(vote_id, elector_filter={"code": (code or "").strip().upper()})
    require(actor, "deliberation.convene", vote)
    if elector is None:
        raise NotFound(_("票码不在本次表决的名册上"), code="unknown_code", field="code")
    _require_open(vote)
    return vote, elector


@transaction.atomic
def cast_proxy_ballot(*, actor, vote_id: int, code: str, choices: dict, proxy_name: str, attachment) -> Ballot:
    """A proxy's ballot, entered by staff with the power of attorney (授权委托书) attached."""
    vote, elector = _staff_elector(vote_id, code, actor)
    errors = []
    if not (proxy_name or "").strip():
        errors.append({"field": "proxy_name", "code": "required", "message": _("请填写受托人姓名")})
    if not attachment:
        errors.append({"field": "attachment", "code": "required", "message": _("请上传授权委托书")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    return _cast(vote, elector, actor=actor, channel="proxy", choices=_normalise(vote, choices),
                 proxy_name=proxy_name.strip(), attachment=attachment)


@transaction.atomic
def enter_paper_ballot(*, actor, vote_id: int, code: str, choices: dict, scan=None) -> dict:
    """Paper ballots are typed twice, by two people. The second entry that matches the first
    casts the ballot; a mismatch waits for a third person, whose entry decides.
    Returns {"stage": "first"|"second"|"third", "match": bool, "ballot": id or None}."""
    vote, elector = _staff_elector(vote_id, code, actor)
    return _paper_entry(vote, elector, actor=actor, choices=choices, scan=scan)


def _paper_entry(vote: Vote, elector: Elector, *, actor, choices: dict, scan=None, objection_id=None) -> dict:
    """One typing of a paper ballot (elector row locked by the caller); also used for a ballot
    corrected on an upheld objection (`objection_id` kept on the entries and the ballot)."""
    normal = {str(k): v for k, v in _normalise(vote, choices).items()}
    entries = list(PaperEntry.objects.filter(elector=elector).order_by("id"))
    last_done = max((i for i, e in enumerate(entries) if e.data.get("ballot")), default=-1)
    pending = entries[last_done + 1:]
    actor_id = getattr(actor, "pk", None)
    if any(e.actor_id == actor_id for e in pending):
        raise Conflict(_("同一张纸质票须由另一名工作人员再次录入"), code="same_person")
    stage = ("first", "second", "third")[min(len(pending), 2)]
    data = {"choices": normal}
    if objection_id:
        data["objection"] = objection_id
    ballot = None
    if stage == "first" and scan is None:
        raise Invalid(_("请上传纸质票扫描件"), code="required", field="scan")
    match = stage == "third" or (stage == "second" and pending[0].data["choices"] == normal)
    if stage == "second" and not match:
        data["mismatch"] = True
    if match:
        ballot = _cast(vote, elector, actor=actor, channel="paper", choices=_normalise(vote, normal),
                       attachment=pending[0].scan or None, note=_("双人录入一致") if stage == "second" else _("第三人核对"),
                       objection_id=objection_id)
        data["ballot"] = ballot.pk
    entry = PaperEntry(vote=vote, elector=elector, actor=actor if actor_id else None, kind=stage, path=elector.path,
                       data=data)
    if scan is not None:
        entry.scan = scan
    entry.save()
    return {"stage": stage, "match": match, "ballot": ballot.pk if ballot else None}


@transaction.atomic
def view_individual_choices(*, actor, vote_id: int, reason: str):
    """Scrutineers and the supervising street see who chose what — each view audited. Secret
    ballots are never shown by person."""
    vote = Vote.objects.filter(pk=vote_id).first()
    if vote is None:
        raise NotFound(_("未找到该表决"), code="not_found")
    require(actor, "deliberation.view", vote)
    is_scrutineer = vote.scrutineers.filter(pk=getattr(actor, "pk", None)).exists()
    from linli.accounts.scope import allowed

    if not (is_scrutineer or allowed(actor, "deliberation.scrutinise", vote)):
        raise Forbidden(_("只有监票人和监督的街道可以查看每张选票"), code="not_scrutineer")
    if vote.secret:
        raise Forbidden(_("无记名投票不显示个人选择"), code="secret_ballot")
    if not (reason or "").strip():
        raise Invalid(_("请说明查看原因"), code="required", field="reason")
    record_audit(actor=actor, action="deliberation.view_choices", target=vote, reason=reason.strip())
    rows = (CountedBallot.objects.filter(vote=vote).select_related("elector", "ballot")
            .order_by("elector__path", "elector_id"))
    return [(c.elector, c.ballot) for c in rows]


# --------------------------------------------------------------------------------------------
# The register of paper ballots issued and returned (发放与回收登记)
# --------------------------------------------------------------------------------------------

@transaction.atomic
def issue_sheets(*, actor, vote_id: int, elector_ids: list[int] | None = None, codes: list[str] | None = None,
                 kind: str = "handed", handed_to: str = "", note: str = "") -> list[SheetIssue]:
    """Record paper ballots issued: printed for (`kind` "printed") or handed to (`kind`
    "handed") the given electors, by the actor, now. Appended, never changed: a sheet
    printed again is a second row. Only while the vote is noticed or open."""
    vote = _vote_locked(vote_id)
    require(actor, "deliberation.convene", vote)
    if vote.status not in (Vote.Status.NOTICE, Vote.Status.OPEN):
        raise Conflict(_("只有已公告或投票中的表决可以登记发放纸质票"), code="wrong_status")
    if kind not in ("printed", "handed"):
        raise Invalid(_("请求无效"), code="invalid", field="kind")
    qs = Elector.objects.filter(vote=vote)
    wanted_codes = {(c or "").strip().upper() for c in codes or () if (c or "").strip()}
    wanted_ids = {int(i) for i in elector_ids or ()}
    if not wanted_codes and not wanted_ids:
        raise Invalid(_("请选择要登记发放的选票"), code="required", field="electors")
    from django.db.models import Q

    electors = list(qs.filter(Q(pk__in=wanted_ids) | Q(code__in=wanted_codes)).order_by("path", "pk"))
    found = {e.pk for e in electors} | {e.code for e in electors}
    missing = sorted((wanted_ids | wanted_codes) - found, key=str)
    if missing:
        raise NotFound(_("票码不在本次表决的名册上：%(codes)s") % {"codes": "、".join(map(str, missing))},
                       code="unknown_code", field="electors")
    handed_to = (handed_to or "").strip()[:50]
    rows = []
    for e in electors:
        rows.append(record(SheetIssue, actor=actor, kind=kind, path=e.path, note=note, vote=vote, elector=e,
                           handed_to=handed_to, data={"code": e.code}))
    record_audit(actor=actor, action="deliberation.sheets_issued", target=vote, path=vote.path,
                 data={"kind": kind, "electors": [e.pk for e in electors], "handed_to": handed_to})
    return rows


# --------------------------------------------------------------------------------------------
# Owners' roll: a purchaser living there, not yet registered (SPC interpretation, art. 2)
# --------------------------------------------------------------------------------------------

@transaction.atomic
def set_unregistered_purchaser(*, actor, dwelling_id: int, resident_id: int | None, note: str = "") -> DwellingTitle:
    """Record (or clear, with None) the purchaser who bought the dwelling from the developer,
    lives in it and is not yet on the title register: the roll counts them as its owner
    where no registered owner is on record. Votes already noticed keep their frozen roll."""
    from linli.places.models import Dwelling, Resident

    dwelling = Dwelling.objects.select_related("place").filter(pk=dwelling_id).first()
    if dwelling is None:
        raise NotFound(_("未找到该房屋"), code="not_found", field="dwelling_id")
    require(actor, "deliberation.convene", dwelling.place)
    resident = None
    if resident_id is not None:
        resident = Resident.objects.filter(pk=resident_id).first()
        if resident is None:
            raise NotFound(_("未找到该居民"), code="not_found", field="resident_id")
        if not (resident.lives_here and resident.path.startswith(dwelling.place.path)):
            raise Invalid(_("未登记的购房人须实际居住在该房屋"), code="not_living_there", field="resident_id")
    title, _created = DwellingTitle.objects.select_for_update().get_or_create(dwelling=dwelling)
    before = title.purchaser_id
    title.purchaser = resident
    title.save(update_fields=["purchaser"])
    record_audit(actor=actor, action="deliberation.purchaser_set", target=dwelling.place, path=dwelling.place.path,
                 reason=(note or "").strip()[:500], data={"dwelling": dwelling.pk, "from": before, "to": resident_id})
    return title
