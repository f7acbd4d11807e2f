"""Reads of activities: what a person may join, their sign-ups, an organiser's lists, the
volunteer record, rankings and figures per place and period."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.core.paths import ancestors_paths

from .models import PLACE_STATUSES, Activity, HoursCorrection, ManualHours, Participation, Post, Scan


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
    """A person's service record: verified activities and hours, manual hours; minutes exact."""
    rows = list(Participation.objects.filter(person=person, status=Participation.Status.ATTENDED)
                .select_related("activity", "activity__community").order_by("activity__starts_at"))
    manual = list(ManualHours.objects.filter(person=person).select_related("community").order_by("served_on"))
    verified = sum(p.verified_minutes or 0 for p in rows)
    trainings = sum(1 for p in rows if p.activity.kind == Activity.Kind.TRAINING)
    return {"activities": rows, "manual": manual, "verified_minutes": verified + sum(m.minutes for m in manual),
            "trainings": trainings, "pending": sum(1 for p in rows if p.verified_minutes is None)}


def figures(*, under: str, since, until) -> dict:
    """Activities, participants and verified service hours in a period under a place."""
    acts = Activity.objects.filter(path__startswith=under, starts_at__gte=since, starts_at__lt=until)
    parts = Participation.objects.filter(activity__in=acts)
    attended = parts.filter(status=Participation.Status.ATTENDED)
    claims = Post.objects.filter(path__startswith=under).aggregate(planned=Sum("head_count"), claimed=Count("claims"))
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
