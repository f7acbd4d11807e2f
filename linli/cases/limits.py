"""A per-person limit on new cases (issue 10 §13): 20 simultaneous requests without an
Idempotency-Key made 20 cases. `check_case_rate` runs first in submit_case's write block,
inside its transaction: it locks the acting user's row until the case is committed, so one
person's creates are counted one at a time and a burst cannot slip past the count."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.core.errors import TooManyRequests

# (cases, seconds): a resident reports a handful of problems an hour; staff on patrol or at the
# hotline file many more; integrations (Open311, the 12345 hotline) file for many people.
RESIDENT_LIMIT = (10, 3600)
STAFF_LIMIT = (120, 3600)


def limit_for(actor, *, staff: bool, via_integration: bool) -> tuple[int, int] | None:
    """Staff entries (a patrol, the hotline, on behalf of someone) get the staff limit; the
    channel says which, so no scope read is needed (the intake verb is checked later anyway)."""
    if via_integration or getattr(actor, "is_superuser", False) or not getattr(actor, "pk", None):
        return None
    if staff:
        return getattr(settings, "LINLI_CASE_RATE_STAFF", STAFF_LIMIT)
    return getattr(settings, "LINLI_CASE_RATE_RESIDENT", RESIDENT_LIMIT)


def check_case_rate(actor, *, staff: bool = False, via_integration: bool = False) -> None:
    """Count this create in the person's window and refuse it past the limit. One statement:
    an UPDATE … RETURNING bumps the count on the person's row, which locks the row until the
    transaction ends, and under READ COMMITTED a second writer re-reads the row after the
    first commits, so a burst is counted one at a time. A refused or failed create rolls its
    count back with it. (A SELECT … FOR UPDATE with a counting subquery would count from the
    snapshot taken before the lock wait: wrong under a burst.)"""
    guard = case_rate_guard(actor, staff=staff, via_integration=via_integration)
    if guard is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(*guard)
        row = cursor.fetchone()
    refuse_if_over(actor, dict(zip([c[0] for c in cursor.description], row)) if row else None,
                   staff=staff, via_integration=via_integration)


def case_rate_guard(actor, *, staff: bool = False, via_integration: bool = False) -> tuple[str, list] | None:
    """The limit's UPDATE … RETURNING ("case_window_count", and "refused": past the limit),
    as (sql, params), or None when the person has no limit. `check_case_rate` runs it alone;
    on PostgreSQL intake runs it as the first part of the statement that writes the case
    (`linli.core.together`'s guard: the case is inserted only when it is not refused), then
    calls `refuse_if_over` with its row: the same count, the same lock, one round trip less."""
    limit = limit_for(actor, staff=staff, via_integration=via_integration)
    if limit is None:
        return None
    count, seconds = limit
    now = timezone.now()
    window_open = now - dt.timedelta(seconds=seconds)
    start = User._meta.get_field("case_window_start")
    values = [start.get_db_prep_save(v, connection) for v in (window_open, window_open, now)]
    return (f'UPDATE "{User._meta.db_table}" SET '
            '"case_window_count" = CASE WHEN "case_window_start" >= %s THEN "case_window_count" + 1 ELSE 1 END, '
            '"case_window_start" = CASE WHEN "case_window_start" >= %s THEN "case_window_start" ELSE %s END '
            'WHERE "id" = %s RETURNING "case_window_count", "case_window_count" - 1 >= %s AS "refused"',
            [*values, actor.pk, count])


def refuse_if_over(actor, row: dict | None, *, staff: bool = False, via_integration: bool = False) -> None:
    """Raise TooManyRequests when the guard's row (None: no row counted) is past the limit."""
    limit = limit_for(actor, staff=staff, via_integration=via_integration)
    if limit is None:
        return
    count, seconds = limit
    made = (row["case_window_count"] if row else 1) - 1
    if made >= count:
        minutes = max(1, seconds // 60)
        raise TooManyRequests(
            _("您在%(minutes)s分钟内已提交%(count)s件诉求，请稍后再提交；紧急情况请直接拨打社区电话")
            % {"minutes": minutes, "count": made}, code="case_rate_limited")
