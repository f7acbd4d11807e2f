"""A per-person limit on new cases (issue 10 §13): 20 simultaneous requests without an
Idempotency-Key made 20 cases. `check_case_rate` runs first in submit_case, inside its
transaction: it locks the acting user's row, so one person's creates are counted one at a
time and a burst cannot slip past the count."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.accounts.roles import Verb
from linli.accounts.scope import prefixes
from linli.core.errors import TooManyRequests

# (cases, seconds): a resident reports a handful of problems an hour; staff on patrol or at the
# hotline file many more; integrations (Open311, the 12345 hotline) file for many people.
RESIDENT_LIMIT = (10, 3600)
STAFF_LIMIT = (120, 3600)


def limit_for(actor, *, via_integration: bool) -> tuple[int, int] | None:
    if via_integration or actor.is_superuser or not getattr(actor, "pk", None):
        return None
    if prefixes(actor, Verb.CASE_INTAKE):
        return getattr(settings, "LINLI_CASE_RATE_STAFF", STAFF_LIMIT)
    return getattr(settings, "LINLI_CASE_RATE_RESIDENT", RESIDENT_LIMIT)


def check_case_rate(actor, *, via_integration: bool = False) -> None:
    from .models import CaseEvent

    limit = limit_for(actor, via_integration=via_integration)
    if limit is None:
        return
    count, seconds = limit
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()
    since = timezone.now() - dt.timedelta(seconds=seconds)
    made = CaseEvent.objects.filter(actor_id=actor.pk, kind=CaseEvent.Kind.CREATED, at__gte=since).count()
    if made >= count:
        minutes = max(1, seconds // 60)
        raise TooManyRequests(
            _("您在%(minutes)s分钟内已提交%(count)s件诉求，请稍后再提交；紧急情况请直接拨打社区电话")
            % {"minutes": minutes, "count": made}, code="case_rate_limited")
