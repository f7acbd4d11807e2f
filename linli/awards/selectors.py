"""Named reads of the awards: the year's record that nominations are drawn from (a fixed
number of grouped statements, whatever the number of people), rounds in reach, a round's
page and the public list."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Count, Q, Sum
from django.utils import timezone

from linli.accounts.models import RoleAssignment, User
from linli.accounts.roles import Role, Verb
from linli.accounts.scope import scoped
from linli.core.paths import ancestors_paths
from linli.places.models import Place

from .models import AwardRound, Nomination

# Staff of the community are not its neighbours of the year: they run the round.
STAFF_ROLES = (Role.STREET_OFFICIAL, Role.COMMUNITY_SECRETARY, Role.COMMUNITY_WORKER, Role.AREA_HEAD,
               Role.GRID_HEAD, Role.GRID_WORKER)
FIGURES = ("activities", "minutes", "points", "cases")
SOLVED = ("solved", "partly")
# The levels a neighbour's address names (no grid or area: residents do not say those).
HOME_KINDS = ("compound", "building", "unit", "dwelling")


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def managed_communities(actor) -> list[Place]:
    """Communities whose awards `actor` runs (the points.manage reach)."""
    return list(scoped(actor, Place.objects.filter(kind__code="community"), Verb.POINTS_MANAGE)
                .order_by("path")[:200])


def record_of_year(community: Place, year: int, *, person_ids=None) -> dict[int, dict]:
    """Each person's figures in `community` over `year`: activities attended and verified
    service minutes (activities), minutes recorded by hand, points earned (awards and points
    by hand), and the cases they reported that closed solved or partly solved. Four grouped
    statements; `person_ids` narrows them to some people."""
    since, until = year_bounds(year)
    Participation = apps.get_model("activities", "Participation")
    ManualHours = apps.get_model("activities", "ManualHours")
    PointEntry = apps.get_model("points", "PointEntry")
    Case = apps.get_model("cases", "Case")
    only = {} if person_ids is None else {"person_id__in": list(person_ids)}
    out: dict[int, dict] = {}

    def row(pid):
        return out.setdefault(pid, dict.fromkeys(FIGURES, 0))

    for r in (Participation.objects.filter(activity__community=community, status="attended",
                                           activity__starts_at__gte=since, activity__starts_at__lt=until, **only)
              .values("person_id").annotate(n=Count("id"), m=Sum("verified_minutes")).order_by()):
        row(r["person_id"]).update(activities=r["n"], minutes=r["m"] or 0)
    for r in (ManualHours.objects.filter(community=community, served_on__gte=since.date(),
                                         served_on__lt=until.date(), **only)
              .values("person_id").annotate(m=Sum("minutes")).order_by()):
        row(r["person_id"])["minutes"] += r["m"] or 0
    owner = {} if person_ids is None else {"account__owner_id__in": list(person_ids)}
    for r in (PointEntry.objects.filter(account__kind="person", account__community=community, amount__gt=0,
                                        transfer__kind__in=["award", "manual"], at__gte=since, at__lt=until,
                                        **owner)
              .values("account__owner_id").annotate(p=Sum("amount")).order_by()):
        row(r["account__owner_id"])["points"] = r["p"] or 0
    reporter = {} if person_ids is None else {"reporter_id__in": list(person_ids)}
    for r in (Case.objects.filter(path__startswith=community.path, status="closed", outcome__in=SOLVED,
                                  closed_at__gte=since, closed_at__lt=until, reporter__isnull=False, **reporter)
              .values("reporter_id").annotate(n=Count("id")).order_by()):
        row(r["reporter_id"])["cases"] = r["n"]
    return out


def building_heads(community: Place) -> dict[int, list[Place]]:
    """The community's building heads and the buildings they hold the role at (one statement)."""
    heads: dict[int, list[Place]] = {}
    for ra in (RoleAssignment.objects.filter(role=Role.BUILDING_HEAD, is_active=True,
                                             place__path__startswith=community.path)
               .select_related("place").order_by("user_id", "place__path")):
        heads.setdefault(ra.user_id, []).append(ra.place)
    return heads


def building_cases(community: Place, year: int, buildings: list[Place]) -> dict[str, int]:
    """Cases closed (solved or partly) in the year under each building's path: one statement
    with a filtered count per building."""
    if not buildings:
        return {}
    since, until = year_bounds(year)
    Case = apps.get_model("cases", "Case")
    paths = sorted({b.path for b in buildings})
    counts = (Case.objects.filter(path__startswith=community.path, status="closed", outcome__in=SOLVED,
                                  closed_at__gte=since, closed_at__lt=until)
              .aggregate(**{f"b{i}": Count("id", filter=Q(path__startswith=p)) for i, p in enumerate(paths)}))
    return {p: counts[f"b{i}"] or 0 for i, p in enumerate(paths)}


def staff_ids(community: Place) -> set[int]:
    chain = ancestors_paths(community.path) + [community.path]
    return set(RoleAssignment.objects.filter(Q(place__path__startswith=community.path) | Q(place__path__in=chain),
                                             role__in=STAFF_ROLES, is_active=True)
               .values_list("user_id", flat=True))


def homes(users: list[User], below: Place) -> dict[int, str]:
    """Where each person lives ("盛世豪庭 2栋 1单元 301"), from their resident record: one
    statement for the places on the way down from `below` (the community)."""
    wanted = {u.pk: u.resident.path for u in users if u.resident_id and u.resident}
    paths = {p for path in wanted.values() for p in ancestors_paths(path) + [path]}
    places = dict(Place.objects.filter(path__in=paths, depth__gt=below.depth, kind__code__in=HOME_KINDS)
                  .values_list("path", "name")) if paths else {}
    out = {}
    for pk, path in wanted.items():
        out[pk] = " ".join(places[p] for p in ancestors_paths(path) + [path] if p in places)
    return out


def rounds_of(community: Place) -> list[AwardRound]:
    return list(AwardRound.objects.filter(community=community)
                .annotate(active=Count("nominations", filter=Q(nominations__withdrawn_at__isnull=True)),
                          winners=Count("nominations", filter=Q(nominations__winner=True)))
                .order_by("-year", "kind"))


def nominations_of(rnd: AwardRound) -> list[Nomination]:
    return list(rnd.nominations.select_related("person").order_by("withdrawn_at", "rank", "id"))


def published_list(community: Place, year: int) -> list[dict]:
    """The public list of a community's year: each published round with its winners."""
    rounds = list(AwardRound.objects.filter(community=community, year=year, status=AwardRound.Status.PUBLISHED)
                  .order_by("kind"))
    winners: dict[int, list[Nomination]] = {}
    for n in (Nomination.objects.filter(round__in=rounds, winner=True).order_by("rank", "name", "id")):
        winners.setdefault(n.round_id, []).append(n)
    return [{"round": r, "winners": winners.get(r.pk, [])} for r in rounds]


def published_years(paths, *, limit: int = 3) -> list[dict]:
    """The newest years with published rounds in the communities among `paths` (a person's
    places and their ancestors), each with its public list: one statement."""
    return list(AwardRound.objects.filter(community__path__in=paths, status=AwardRound.Status.PUBLISHED)
                .values("community_id", "community__name", "year").distinct()
                .order_by("-year", "community__name")[:limit])


def honours_of(person) -> list[dict]:
    """What `person` won in published rounds, newest first (for their volunteer record)."""
    return [{"title": n.round.get_kind_display(), "year": n.round.year, "community": n.round.community.name}
            for n in (Nomination.objects.filter(person=person, winner=True, round__status=AwardRound.Status.PUBLISHED)
                      .select_related("round", "round__community").order_by("-round__year", "round__kind"))]
