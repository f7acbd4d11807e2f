"""Scheduled work on cases: the deadline sweep (超期上报, 黄牌/红牌督办) and the seven-day
follow-up (回访) of closed cases the reporter did not rate.

Both run from the worker (linli.cases.tasks, enqueued by `manage.py scheduler`) and are
idempotent: each case is locked on its own (`SELECT ... FOR UPDATE SKIP LOCKED`) in its own
small transaction and its condition is checked again after the lock, so a second sweep, or
two sweeps racing in two processes, change nothing that the first one did. Every change is an
event on the case's timeline, with its notices written to the outbox in the same transaction,
written by the public services (`services.escalate_overdue`, `raise_card`, `send_follow_up`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from linli.core.errors import Conflict

from . import rules, services
from .models import Case, Category, Level

log = logging.getLogger("linli.cases.sweeps")

# Cards: 0 none, 1 yellow (near the limit), 2 red (past it); they never go back down.
NO_CARD, YELLOW, RED = services.NO_CARD, services.YELLOW, services.RED
card_due = services.card_due
supervisors = services.supervisors
CHUNK = 500


yellow_card_at = rules.yellow_card_at


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
                if services.raise_card(case_id=case.pk, card=RED, stage="accept") is not None:
                    report.red.append(case.pk)
            if escalated is not None:
                report.escalated.append(case.pk)
                case.refresh_from_db()
        # Handling: yellow near the limit, red past it; a card never goes back down.
        card = services.card_due(case, now)
        if card > case.card and services.raise_card(case_id=case.pk, card=card, stage="finish") is not None:
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
        if not Case.objects.select_for_update(skip_locked=True).filter(pk=case_id).exists():
            report.skipped += 1
            return
        if services.send_follow_up(case_id=case_id, now=now, after=follow_up_after()) is not None:
            report.followed_up.append(case_id)


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
