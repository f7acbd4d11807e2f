"""Reads of activities: what a person may join, their sign-ups, an organiser's lists, the
volunteer record, rankings and figures per place and period."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.core.paths import ancestors_paths

from . import honours
from .models import PLACE_STATUSES, Activity, HoursCorrection, ManualHours, Participation, Post, PostClaim, Scan


def home_paths(person) -> list[str]:
    from linli.accounts.models import RoleAssignment

    paths = list(RoleAssignment.objects.filter(user=person, is_active=True, place__isnull=False)
                 .values_list("place__path", flat=True))
    resident = getattr(person, "resident", None)
    if resident is not None:
        paths.append(resident.path)
    return paths


def for_person(person, *, upcoming: bool = True, limit: int = 100):
    """Activities over the places the person lives or serves in (their audience by place),
    with the places used counted in the same query."""
    paths = home_paths(person)
    if not paths:
        return Activity.objects.none()
    over = {a for p in paths for a in [*ancestors_paths(p), p]}
    q = Q(path__in=over)
    for p in paths:
        q |= Q(path__startswith=p)
    qs = Activity.objects.filter(q, status=Activity.Status.PUBLISHED)
    if upcoming:
        qs = qs.filter(ends_at__gte=timezone.now())
    return with_counts(qs).select_related("community").order_by("starts_at", "id")[:limit]


def with_counts(qs):
    return qs.annotate(used=Count("participations", filter=Q(participations__status__in=PLACE_STATUSES)),
                       waiting=Count("participations", filter=Q(participations__status="waiting")))


def managed(actor, *, limit: int = 200):
    return with_counts(scoped(actor, Activity.objects.all(), Verb.ACTIVITY_MANAGE)).order_by("-starts_at")[:limit]


def my_participations(person):
    return Participation.objects.filter(person=person).select_related("activity").order_by("-activity__starts_at")


def participants(activity: Activity):
    return (Participation.objects.filter(activity=activity).select_related("person")
            .order_by("status", "-priority", "queued_at", "id"))


def scans(activity: Activity, limit: int = 200):
    return Scan.objects.filter(activity=activity).select_related("participation__person").order_by("-id")[:limit]


def open_corrections(actor):
    return scoped(actor, HoursCorrection.objects.filter(status=HoursCorrection.Status.OPEN)
                  .select_related("participation__person", "participation__activity"), Verb.ACTIVITY_MANAGE)


def volunteer_record(person) -> dict:
    """A person's service record: verified activities and hours, manual hours (minutes exact),
    and the honours the apps above registered (`honours.py`: the annual awards)."""
    rows = list(Participation.objects.filter(person=person, status=Participation.Status.ATTENDED)
                .select_related("activity", "activity__community").order_by("activity__starts_at"))
    manual = list(ManualHours.objects.filter(person=person).select_related("community").order_by("served_on"))
    verified = sum(p.verified_minutes or 0 for p in rows)
    trainings = sum(1 for p in rows if p.activity.kind == Activity.Kind.TRAINING)
    return {"activities": rows, "manual": manual, "verified_minutes": verified + sum(m.minutes for m in manual),
            "trainings": trainings, "pending": sum(1 for p in rows if p.verified_minutes is None),
            "honours": honours.honours_of(person)}


def figures(*, under: str, since, until) -> dict:
    """Activities, participants and verified service hours in a period under a place."""
    acts = Activity.objects.filter(path__startswith=under, starts_at__gte=since, starts_at__lt=until)
    parts = Participation.objects.filter(activity__in=acts)
    attended = parts.filter(status=Participation.Status.ATTENDED)
    planned = Post.objects.filter(path__startswith=under).aggregate(s=Sum("head_count"))["s"]
    claims = {"planned": planned, "claimed": PostClaim.objects.filter(path__startswith=under).count()}
    return {
        "activities": acts.count(),
        "signed_up": parts.exclude(status=Participation.Status.CANCELLED).count(),
        "participants": attended.values("person").distinct().count(),
        "attendances": attended.count(),
        "service_minutes": attended.aggregate(s=Sum("verified_minutes"))["s"] or 0,
        "posts_planned": claims["planned"] or 0,
        "posts_claimed": claims["claimed"] or 0,
    }


def hours_by_place(*, under: str, depth: int, since, until) -> list[dict]:
    """Verified service minutes per place at `depth` (grids, compounds) in a period."""
    return list(Participation.objects.filter(path__startswith=under, status=Participation.Status.ATTENDED,
                                             activity__starts_at__gte=since, activity__starts_at__lt=until)
                .annotate(place=Substr("path", 1, depth * 4)).values("place")
                .annotate(minutes=Sum("verified_minutes"), people=Count("person", distinct=True))
                .order_by("-minutes"))


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time(), tz), dt.datetime.combine(end, dt.time(), tz))


def quarterly_report(unit, *, year: int, quarter: int) -> dict:
    """What a unit's registered members did in a quarter, for their employer: activities
    attended and verified hours (members with an account), posts claimed by them and by
    the unit. One query per table, whatever the number of members."""
    since, until = quarter_bounds(year, quarter)
    members = list(unit.members.select_related("grid").order_by("name", "id"))
    person_ids = [m.person_id for m in members if m.person_id]
    attended = {}
    for row in (Participation.objects.filter(person_id__in=person_ids, status=Participation.Status.ATTENDED,
                                             activity__starts_at__gte=since, activity__starts_at__lt=until)
                .values("person_id").annotate(n=Count("id"), minutes=Sum("verified_minutes"))):
        attended[row["person_id"]] = row
    claims = dict(PostClaim.objects.filter(member__in=members, claimed_at__gte=since, claimed_at__lt=until)
                  .values("member_id").annotate(n=Count("id")).values_list("member_id", "n"))
    rows = []
    for m in members:
        a = attended.get(m.person_id, {})
        rows.append({"name": m.name, "branch": m.party_branch, "grid": m.grid.name, "activities": a.get("n", 0),
                     "hours": round((a.get("minutes") or 0) / 60, 1), "posts": claims.get(m.pk, 0)})
    unit_claims = PostClaim.objects.filter(unit=unit, claimed_at__gte=since, claimed_at__lt=until).count()
    return {"unit": unit, "year": year, "quarter": quarter, "rows": rows, "unit_posts": unit_claims,
            "pairings": list(unit.pairings.select_related("place"))}


def posts_by_grid(under: str) -> list[dict]:
    """Planned head count against claims, per grid."""
    planned = dict(Post.objects.filter(path__startswith=under).values("grid__name").annotate(s=Sum("head_count"))
                   .values_list("grid__name", "s"))
    claimed = dict(PostClaim.objects.filter(path__startswith=under).values("post__grid__name")
                   .annotate(n=Count("id")).values_list("post__grid__name", "n"))
    return [{"grid": g, "planned": planned[g], "claimed": claimed.get(g, 0)} for g in sorted(planned)]
