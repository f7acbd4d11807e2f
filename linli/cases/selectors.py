"""Reads about cases: queues, the public timeline, figures and hot spots. Every figure is
computed from the case rows for the period asked (no counters that can drift)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.models import RoleAssignment
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, scoped
from linli.core.paths import STEP
from linli.places.models import Place

from .models import Case, CaseEvent
from .services import HANDLER_ROLES


def visible_cases(user) -> QuerySet:
    return scoped(user, Case.objects.select_related("category", "place", "handler_place", "handler_organisation"),
                  Verb.CASE_VIEW)


def queue_for(user) -> QuerySet:
    """Open cases waiting on this person: those at a level they handle at a place where
    they hold that role, or referred to their organisation; soonest deadline first."""
    handler_roles = {role for roles in HANDLER_ROLES.values() for role in roles}
    assignments = list(RoleAssignment.objects.filter(user_id=user.pk, is_active=True, role__in=handler_roles)
                       .values_list("place_id", "organisation_id"))
    places = [p for p, o in assignments if p]
    orgs = [o for p, o in assignments if o]
    if not places and not orgs:
        return Case.objects.none()
    q = Q(handler_place_id__in=places) | Q(handler_organisation_id__in=orgs) | Q(
        tasks__organisation_id__in=orgs, tasks__status="open")
    return (Case.objects.filter(q, status__in=Case.OPEN).distinct()
            .select_related("category", "place").order_by("finish_due", "id"))


def supervised_for(user) -> QuerySet:
    """Cards (黄牌/红牌) anywhere in the user's scope: what the level above watches."""
    return visible_cases(user).filter(status__in=Case.OPEN, card__gt=0).order_by("-card", "finish_due")


def timeline(user, case: Case) -> list[CaseEvent]:
    """The whole timeline for staff; the public part for the reporter and the public."""
    events = case.events.select_related("actor").order_by("id")
    if not allowed(user, Verb.CASE_HANDLE, case):
        events = events.filter(is_internal=False)
    return list(events)


@dataclass
class Period:
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def days(cls, n: int, *, until: dt.datetime | None = None) -> "Period":
        end = until or timezone.now()
        return cls(end - dt.timedelta(days=n), end)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def figures(user, *, under: Place, period: Period) -> dict:
    """The figures officials are judged by, for the cases under `under` in `period`:
    received, accepted on time, 结案率 and 按期结案率 (closed, and closed on time, of the cases
    due to close in the period), 响应率, 解决率, 满意率, reopened and duplicates."""
    base = scoped(user, Case.objects.filter(path__startswith=under.path), Verb.CASE_VIEW)
    in_period = Q(created_at__gte=period.start, created_at__lt=period.end)
    due = Q(finish_due__gte=period.start, finish_due__lt=period.end) & ~Q(status=Case.Status.MERGED)
    received = base.aggregate(
        received=Count("id", filter=in_period & ~Q(status=Case.Status.MERGED)),
        merged=Count("id", filter=in_period & Q(status=Case.Status.MERGED)),
        accepted=Count("id", filter=in_period & Q(accepted_at__isnull=False)),
        accepted_on_time=Count("id", filter=in_period & Q(accepted_at__isnull=False,
                                                          accepted_at__lte=F("accept_due"))),
        contacted_on_time=Count("id", filter=in_period & Q(first_contact_at__isnull=False,
                                                           first_contact_at__lte=F("accept_due"))),
        due=Count("id", filter=due),
        closed_of_due=Count("id", filter=due & Q(status=Case.Status.CLOSED)),
        closed_on_time=Count("id", filter=due & Q(status=Case.Status.CLOSED, closed_at__lte=F("finish_due"))),
        rated=Count("id", filter=in_period & ~Q(rating="")),
        satisfied=Count("id", filter=in_period & Q(rating__in=[Case.Rating.SATISFIED, Case.Rating.BASIC])),
        solved_asked=Count("id", filter=in_period & Q(solved_by_reporter__isnull=False)),
        solved=Count("id", filter=in_period & Q(solved_by_reporter=True)),
        reopened=Count("id", filter=in_period & Q(reopened_count__gt=0)),
    )
    r = received
    return {
        **r,
        "accepted_on_time_rate": _rate(r["accepted_on_time"], r["received"]),
        "response_rate": _rate(r["contacted_on_time"], r["received"]),
        "closing_rate": _rate(r["closed_of_due"], r["due"]),
        "closed_on_time_rate": _rate(r["closed_on_time"], r["due"]),
        "satisfaction_rate": _rate(r["satisfied"], r["rated"]),
        "solved_rate": _rate(r["solved"], r["solved_asked"]),
    }


def hot_spots(user, *, under: Place, period: Period, kind: str = "grid") -> list[dict]:
    """Cases per place of `kind` (grid or compound) under `under` × category over a period,
    most first. One grouped query per depth at which such places sit."""
    places = list(scoped(user, Place.objects.filter(path__startswith=under.path, kind__code=kind), Verb.CASE_VIEW)
                  .only("id", "path", "depth", "name", "boundary"))
    by_depth = defaultdict(dict)
    for p in places:
        by_depth[p.depth][p.path] = p
    cases = scoped(user, Case.objects.filter(path__startswith=under.path, created_at__gte=period.start,
                                             created_at__lt=period.end).exclude(status=Case.Status.MERGED),
                   Verb.CASE_VIEW)
    rows = []
    for depth, by_path in by_depth.items():
        grouped = (cases.annotate(prefix=Substr("path", 1, depth * STEP))
                   .values("prefix", "category__code", "category__name").annotate(n=Count("id")))
        for g in grouped:
            place = by_path.get(g["prefix"])
            if place is not None:
                rows.append({"place": place, "category": g["category__code"], "category_name": g["category__name"],
                             "count": g["n"]})
    rows.sort(key=lambda r: (-r["count"], r["place"].path, r["category"]))
    return rows
