"""Scheduled work on cases: the deadline sweep (超期上报, 黄牌/红牌督办) and the seven-day
follow-up (回访) of closed cases the reporter did not rate.

Both run from the worker (linli.cases.tasks, enqueued by `manage.py scheduler`) and are
idempotent: each case is locked on its own (`SELECT ... FOR UPDATE SKIP LOCKED`) in its own
small transaction and its condition is checked again after the lock, so a second sweep, or
two sweeps racing in two processes, change nothing that the first one did. Every change is an
event on the case's timeline, with its notices written to the outbox in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import RoleAssignment, User
from linli.accounts.roles import Role
from linli.core.errors import Conflict
from linli.core.paths import ancestors_paths

from . import services
from .models import LADDER, Case, CaseEvent, Category, Level

log = logging.getLogger("linli.cases.sweeps")

# Cards: 0 none, 1 yellow (near the limit), 2 red (past it); they never go back down.
NO_CARD, YELLOW, RED = 0, 1, 2
CHUNK = 500


def yellow_card_at() -> float:
    """The share of the handling time after which a yellow card is raised (0.8: 80 % used)."""
    return float(getattr(settings, "LINLI_YELLOW_CARD_AT", 0.8))


def follow_up_after() -> timedelta:
    return timedelta(days=int(getattr(settings, "LINLI_FOLLOW_UP_AFTER_DAYS", 7)))


@dataclass
class SweepReport:
    """What one sweep did, by case id. `skipped` counts cases another sweep held locked;
    `failed` the cases whose change raised (rolled back, logged, tried again next sweep)."""

    escalated: list[int] = field(default_factory=list)
    yellow: list[int] = field(default_factory=list)
    red: list[int] = field(default_factory=list)
    followed_up: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: int = 0

    @property
    def changed(self) -> int:
        return len(self.escalated) + len(self.yellow) + len(self.red) + len(self.followed_up)

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- who is told


def supervisors(case: Case) -> list[User]:
    """The people one level above the case's handlers (the level that supervises a card):
    the next staffed rung of the ladder over the case's place; for a department, the street
    that referred it; for the street, street officials at the places above it, if any."""
    if case.level == Level.STREET:
        if case.handler_place_id is None:
            return []
        above = ancestors_paths(case.handler_place.path)
        qs = RoleAssignment.objects.filter(is_active=True, role=Role.STREET_OFFICIAL, place__path__in=above)
        return [ra.user for ra in qs.select_related("user")]
    rung = Level.STREET if case.level == Level.DEPARTMENT else LADDER[LADDER.index(case.level) + 1]
    level, place, _org = services.handler_at(rung, case.place)
    if place is None or place.pk == case.handler_place_id:
        return []
    qs = RoleAssignment.objects.filter(is_active=True, role__in=services.HANDLER_ROLES[level], place=place)
    return [ra.user for ra in qs.select_related("user")]


# ---------------------------------------------------------------- the deadline sweep


def _each(step, case_id: int, now: datetime, report: SweepReport) -> None:
    """One case's step in its own transaction: if it raises, that case's change is rolled
    back whole (event, card and notices together) and the sweep goes on with the others."""
    try:
        step(case_id, now, report)
    except Exception:
        log.exception("%s failed for case %s", step.__name__, case_id)
        report.failed.append(case_id)


def _each_in_chunks(step, candidates, now: datetime, report: SweepReport) -> None:
    """`step` for every case of `candidates`, reading their ids CHUNK at a time in id order
    (a long sweep never holds a huge result set, and cases it changes are not read again)."""
    ids = candidates.order_by("pk").values_list("pk", flat=True)
    last = 0
    while chunk := list(ids.filter(pk__gt=last)[:CHUNK]):
        for case_id in chunk:
            _each(step, case_id, now, report)
        last = chunk[-1]


def card_due(case: Case, now: datetime) -> int:
    """The card the case's handling deadline calls for at `now`: red once `finish_due` has
    passed, yellow once the share `yellow_card_at()` of the handling time (the category's
    limit, which is also what a reopened case gets anew) is used."""
    if now >= case.finish_due:
        return RED
    limit = timedelta(days=case.category.finish_days)
    if now >= case.finish_due - limit * (1 - yellow_card_at()):
        return YELLOW
    return NO_CARD


def _raise_card(case: Case, card: int, *, stage: str) -> None:
    case.card = card
    case.save(update_fields=["card", "updated_at"])
    if card == RED:
        note = (_("超过受理时限，已是最高办理层级，红牌督办") if stage == "accept"
                else _("超过办结时限，红牌督办"))
    else:
        note = _("临近办结时限，黄牌督办")
    services._record(case, CaseEvent.Kind.CARD, actor=None, note=str(note), card=card, stage=stage,
                     due=(case.accept_due if stage == "accept" else case.finish_due).isoformat())
    if card == RED:
        # The level above supervises a red card; the handlers hear of it too.
        services._notify(services.handlers(case) + supervisors(case), case, "case_card_red",
                         str(_("红牌督办：诉求已超期，请尽快办理")), sms=True)
    else:
        services._notify(services.handlers(case), case, "case_card_yellow",
                         str(_("黄牌督办：诉求临近办结时限")))


def _sweep_one(case_id: int, now: datetime, report: SweepReport) -> None:
    with transaction.atomic():
        # Lock this case only (no joins, so its category row is not locked with it); a case
        # another sweep holds is skipped, and that sweep does what is needed.
        case = Case.objects.select_for_update(skip_locked=True).filter(pk=case_id).first()
        if case is None:
            report.skipped += 1
            return
        if case.status not in Case.OPEN:
            return
        # Acceptance (checked again now that the case is locked): up one level, or a red card
        # where there is no level to go up to (the street; departments are reached by referral).
        if case.status == Case.Status.SUBMITTED and case.accept_due <= now:
            try:
                escalated = services.escalate_overdue(case_id=case.pk, now=now)
            except Conflict:
                escalated = None
                if case.card < RED:
                    _raise_card(case, RED, stage="accept")
                    report.red.append(case.pk)
            if escalated is not None:
                report.escalated.append(case.pk)
                case.refresh_from_db()
        # Handling: yellow near the limit, red past it; a card never goes back down.
        card = card_due(case, now)
        if card > case.card:
            _raise_card(case, card, stage="finish")
            (report.red if card == RED else report.yellow).append(case.pk)


def sweep_deadlines(*, now: datetime | None = None) -> SweepReport:
    """Sweep the open cases past (or near) their deadlines.

    - not accepted by `accept_due`: escalated one level with an OVERDUE event; its previous
      handlers and the level above (its new handlers) are told. At the top of the ladder
      (the street, a department) a red card instead;
    - `yellow_card_at()` of the handling time used: a yellow card (CARD event) the handlers hear of;
    - past `finish_due`: a red card (CARD event), the handlers and the level above told.

    Idempotent and safe to run in several processes at once (see the module docstring)."""
    now = now or timezone.now()
    report = SweepReport()
    longest = Category.objects.aggregate(days=Max("finish_days"))["days"] or 0
    window = timedelta(days=longest) * (1 - yellow_card_at())
    top = [Level.STREET, Level.DEPARTMENT]
    accept_overdue = Q(status=Case.Status.SUBMITTED, accept_due__lte=now) & (~Q(level__in=top) | Q(card__lt=RED))
    finish_near = Q(status__in=Case.OPEN, card__lt=RED, finish_due__lte=now + window)
    _each_in_chunks(_sweep_one, Case.objects.filter(accept_overdue | finish_near), now, report)
    if report.changed or report.skipped or report.failed:
        log.info("deadline sweep: %d escalated, %d yellow, %d red, %d skipped (locked), %d failed",
                 len(report.escalated), len(report.yellow), len(report.red), report.skipped, len(report.failed))
    return report


# ---------------------------------------------------------------- follow-ups (回访)


def _follow_up_one(case_id: int, now: datetime, report: SweepReport) -> None:
    with transaction.atomic():
        case = Case.objects.select_for_update(skip_locked=True).filter(pk=case_id).first()
        if case is None:
            report.skipped += 1
            return
        if (case.status != Case.Status.CLOSED or case.rating or case.follow_up_sent_at is not None
                or case.reporter_id is None or case.closed_at is None or case.closed_at > now - follow_up_after()):
            return
        case.follow_up_sent_at = now
        case.save(update_fields=["follow_up_sent_at", "updated_at"])
        services._record(case, CaseEvent.Kind.FOLLOW_UP, actor=None, note=str(_("您反映的问题解决了吗？")),
                         channel="notice")
        services._notify([case.reporter], case, "case_follow_up", str(_("您反映的问题解决了吗？")), sms=True)
        report.followed_up.append(case.pk)


def send_follow_ups(*, now: datetime | None = None) -> SweepReport:
    """Seven days (LINLI_FOLLOW_UP_AFTER_DAYS) after closing, ask a reporter who did not rate
    "was it solved?": one notice (in-app and SMS) and a FOLLOW_UP event, once per case
    (`follow_up_sent_at`). Cases without a reporter's account are left to staff return visits."""
    now = now or timezone.now()
    report = SweepReport()
    _each_in_chunks(_follow_up_one, Case.objects.filter(
        status=Case.Status.CLOSED, rating="", follow_up_sent_at__isnull=True, reporter__isnull=False,
        closed_at__lte=now - follow_up_after()), now, report)
    if report.followed_up or report.skipped or report.failed:
        log.info("follow-ups: %d sent, %d skipped (locked), %d failed", len(report.followed_up), report.skipped,
                 len(report.failed))
    return report
