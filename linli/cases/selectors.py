"""Reads about cases: queues, the public timeline, figures and hot spots. Every figure is
computed from the case rows for the period asked (no counters that can drift)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from linli.accounts.models import Organisation, RoleAssignment
from linli.accounts.roles import Role, Verb
from linli.accounts.scope import allowed, covers, scoped, within
from linli.accounts.scope import organisations as scope_organisations
from linli.accounts.scope import reach as scope_reach
from linli.core import compiled, history
from linli.core.paths import STEP, ancestors_paths
from linli.places.models import Place

from . import rules, similarity
from .models import Case, CaseEvent, CaseTask, Category
from .similarity import degree_box, distance_m


def visible_cases(user) -> QuerySet:
    return scoped(user, Case.objects.select_related("category", "place", "handler_place", "handler_organisation"),
                  Verb.CASE_VIEW)


def overdue_q(now) -> Q:
    """Open cases past their deadline: not accepted in time, or not answered in time."""
    return (Q(status=Case.Status.SUBMITTED, accept_due__lt=now)
            | Q(status__in=[Case.Status.ACCEPTED, Case.Status.INFO_REQUESTED], finish_due__lt=now))


def cases_in_scope(user, *, under: str | None = None) -> QuerySet:
    """The cases of the places the person serves (where a role grants case.view), and for
    department staff those referred or co-handled to their organisation. Not the public
    cases of other places, nor the person's own reports elsewhere: those are the explicit
    `public` and `mine` views of `case_list` (OR-ing every public case of the city into a
    street official's list made its count read the whole city's public cases)."""
    base = Case.objects.select_related("category", "place", "handler_place", "handler_organisation")
    qs = scoped(user, base, Verb.CASE_VIEW, under=under, relations=False)
    orgs = scope_organisations(user)
    if orgs:
        referred = Q(handler_organisation_id__in=orgs) | Q(
            pk__in=CaseTask.objects.filter(organisation_id__in=orgs).values("case_id"))
        qs = qs | base.filter(referred, **({"path__startswith": under} if under else {}))
    return qs


def case_list(user, *, status: str | None = None, category: str | None = None, under: str | None = None,
              days: int | None = None, overdue: bool = False, carded: bool = False, mine: bool = False,
              public: bool = False, now=None) -> QuerySet:
    """The one list of cases with filters, for the staff page and the API, newest first.
    Which cases: by default those in the person's scope (`cases_in_scope`); `mine` the
    person's own reports; `public` the public cases (of any place). `under` is a place path
    the caller has checked the person may filter by."""
    now = now or timezone.now()
    base = Case.objects.select_related("category", "place", "handler_place", "handler_organisation")
    if mine:
        qs = base.filter(reporter_id=user.pk) if user.is_authenticated else base.none()
    elif public:
        qs = base.filter(is_public=True)
    else:
        qs = cases_in_scope(user, under=under)
        under = None  # folded into the scope predicate
    if under:
        qs = qs.filter(path__startswith=under)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    if days:
        qs = qs.filter(created_at__gte=now - dt.timedelta(days=int(days)))
    if overdue:
        qs = qs.filter(overdue_q(now))
    if carded:
        qs = qs.filter(status__in=Case.OPEN, card__gt=0)
    return qs.order_by("-id")


VERIFY_CANDIDATES = 500


def verifying_ids(user) -> list[int]:
    """Answered cases (已答复待核查) this person should verify now: they are among the case's
    verifiers (`rules.verifiers_for`: a colleague at its level, else the level above, never
    the one who answered), or they answered it and nobody else can."""
    candidates = list(scoped(user, Case.objects.filter(status=Case.Status.ANSWERED), Verb.CASE_VERIFY)
                      .select_related("handler_place").order_by("answered_at", "id")[:VERIFY_CANDIDATES])
    if not candidates:
        return []
    found = rules.verifiers_for(candidates)
    return [c.pk for c in candidates if user.pk in found[c.pk]
            or (c.answered_by_id == user.pk and c.reporter_id is None and not found[c.pk])]


def queue_for(user) -> QuerySet:
    """Exactly the open cases on which this person has an action now, soonest deadline first:
    to accept or handle (at a level they handle, at a place where they hold that role, or
    referred to their organisation), their organisation's open co-handling task, and answers
    for them to verify (an answered case leaves its answerer's list and reaches its verifiers)."""
    # The person's roles come with the scope read (one statement per request).
    held = scope_reach(user).assignments if user.is_authenticated else []
    assignments = [(ra.place_id, ra.organisation_id) for ra in held if ra.role in rules.ALL_HANDLER_ROLES]
    places = [p for p, o in assignments if p]
    orgs = [o for p, o in assignments if o]
    to_verify = verifying_ids(user) if user.is_authenticated else []
    if not places and not orgs and not to_verify:
        return Case.objects.none()
    q = (Q(handler_place_id__in=places) | Q(handler_organisation_id__in=orgs)) & Q(status__in=rules.EARLY)
    q |= Q(tasks__organisation_id__in=orgs, tasks__status="open", status__in=Case.OPEN)
    q |= Q(pk__in=to_verify)
    return (Case.objects.filter(q).distinct()
            .select_related("category", "place").order_by("finish_due", "id"))


def supervised_for(user) -> QuerySet:
    """Cards (黄牌/红牌) anywhere in the user's scope: what the level above watches."""
    return visible_cases(user).filter(status__in=Case.OPEN, card__gt=0).order_by("-card", "finish_due")


def timeline(user, case: Case) -> list[CaseEvent]:
    """The whole timeline for those who handle the case; the public part for the reporter
    and the public (the one visibility rule of `linli.core.history.timeline`)."""
    return history.timeline(case.events.all(), show_internal=allowed(user, Verb.CASE_HANDLE, case))


# Duplicates on intake: open cases in the same compound or within 100 m that are the same
# problem at the same spot (linli.cases.similarity); at most three are offered.
SIMILAR_RADIUS_M = 100
SIMILAR_MIN_SCORE = similarity.THRESHOLD
SIMILAR_WINDOW_DAYS = 90
SIMILAR_CANDIDATES = 300
SIMILAR_MAX = 3


def compound_of(place: Place) -> Place:
    """The compound (小区/院落) a place lies in, or the place itself where there is none."""
    paths = ancestors_paths(place.path) + [place.path]
    compound = Place.objects.filter(path__in=paths, kind__code="compound").order_by("-depth").first()
    return compound or place


def _case_categories(case: Case) -> tuple[str, ...]:
    """The case's category, then the suggester's first choice when it differs."""
    codes = [case.category.code]
    for row in (case.suggested_ranking or [])[:1]:
        if isinstance(row, dict) and row.get("code") and row["code"] not in codes:
            codes.append(row["code"])
    return tuple(codes)


def similar_open_cases(user, *, text: str, place: Place | None = None, lat=None, lng=None,
                       exclude_id: int | None = None, limit: int = SIMILAR_MAX,
                       categories: list[str] | None = None) -> list[Case]:
    """Open cases the reporter may be about to report again: in the same compound as `place`
    or within SIMILAR_RADIUS_M of the point, and the same problem at the same spot
    (linli.cases.similarity.same_problem), surest first, at most `limit` (never more than
    three). Only cases the user may see (their own, public ones, or all in scope for
    staff); each gets `.similarity` (0..1) and `.distance_m` (or None). `categories`: the
    new text's category codes, best first (default: the suggester's first two)."""
    has_point = lat is not None and lng is not None
    if not (text or "").strip() or (place is None and not has_point):
        return []
    if categories is None:
        from linli.triage.suggest import suggest_categories

        categories = [c.code for c, _p in suggest_categories(text, 2)]
    new = similarity.problem_of(text, categories)
    if not new.grams:
        return []
    near = Q(pk__in=[])
    anchor = compound_of(place) if place is not None else None
    if anchor is not None:
        near |= Q(path__startswith=anchor.path)
    if has_point:
        lat, lng = float(lat), float(lng)
        dlat, dlng = degree_box(lat, SIMILAR_RADIUS_M)
        near |= Q(lat__gte=lat - dlat, lat__lte=lat + dlat, lng__gte=lng - dlng, lng__lte=lng + dlng)
    since = timezone.now() - dt.timedelta(days=SIMILAR_WINDOW_DAYS)
    candidates = (visible_cases(user).filter(near, status__in=Case.OPEN, merged_into__isnull=True,
                                             created_at__gte=since)
                  .exclude(pk=exclude_id or 0).order_by("-id")[:SIMILAR_CANDIDATES])
    found = []
    for case in candidates:
        case.distance_m = None
        if has_point and case.lat is not None and case.lng is not None:
            case.distance_m = round(distance_m(lat, lng, float(case.lat), float(case.lng)))
        in_compound = anchor is not None and case.path.startswith(anchor.path)
        if not in_compound and (case.distance_m is None or case.distance_m > SIMILAR_RADIUS_M):
            continue  # inside the pre-filter box but beyond the radius
        case.similarity = similarity.same_problem(new, similarity.problem_of(case.text, _case_categories(case)))
        if case.similarity >= SIMILAR_MIN_SCORE:
            found.append(case)
    found.sort(key=lambda c: (-c.similarity, c.distance_m if c.distance_m is not None else 0, -c.pk))
    return found[:max(0, min(limit, SIMILAR_MAX))]


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
    if covers(user, Verb.CASE_VIEW, under.path) and compiled.plain(under.path):
        # A role covers the whole subtree: the scoped statement is the same for every such
        # official, so it is built once per process and run with this path and period.
        columns, rows = _FIGURES.run(under=under.path, start=period.start, end=period.end)
        return _figure_rates(dict(zip(columns, rows[0])))
    base = scoped(user, Case.objects.all(), Verb.CASE_VIEW, under=under.path)
    return _figure_rates(base.aggregate(**_figure_counts(period)))


def _figures_statement(under, start, end):
    return within(Case.objects.all(), under).aggregate(**_figure_counts(Period(start, end)))


_FIGURES = compiled.Statement("cases.figures", _figures_statement,
                              under=compiled.Text, start=compiled.DateTime, end=compiled.DateTime)


def hot_spots(user, *, under: Place, period: Period, kind: str = "grid") -> list[dict]:
    """Cases per place of `kind` (grid or compound) under `under` × category over a period,
    most first. One grouped query per depth at which such places sit."""
    places = list(scoped(user, Place.objects.filter(path__startswith=under.path, kind__code=kind), Verb.CASE_VIEW)
                  .only("id", "path", "depth", "name", "boundary"))
    by_depth = defaultdict(dict)
    for p in places:
        by_depth[p.depth][p.path] = p
    cases = scoped(user, Case.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
                   .exclude(status=Case.Status.MERGED), Verb.CASE_VIEW, under=under.path)
    rows = []
    for depth, by_path in by_depth.items():
        grouped = (cases.annotate(prefix=Substr("path", 1, depth * STEP))
                   .values("prefix", "category__code", "category__name", "category__name_en").annotate(n=Count("id")))
        for g in grouped:
            place = by_path.get(g["prefix"])
            if place is not None:
                label = Category(name=g["category__name"], name_en=g["category__name_en"]).label
                rows.append({"place": place, "category": g["category__code"], "category_name": label,
                             "count": g["n"]})
    rows.sort(key=lambda r: (-r["count"], r["place"].path, r["category"]))
    return rows


# ---------------------------------------------------------------- figures per child, hot-spot map
# (appended for the figures and hot-spot pages)


def _figure_counts(period: Period) -> dict:
    """The conditional counts behind `figures`, as aggregate expressions (same definitions)."""
    in_period = Q(created_at__gte=period.start, created_at__lt=period.end)
    due = Q(finish_due__gte=period.start, finish_due__lt=period.end) & ~Q(status=Case.Status.MERGED)
    return {
        "received": Count("id", filter=in_period & ~Q(status=Case.Status.MERGED)),
        "merged": Count("id", filter=in_period & Q(status=Case.Status.MERGED)),
        "accepted": Count("id", filter=in_period & Q(accepted_at__isnull=False)),
        "accepted_on_time": Count("id", filter=in_period & Q(accepted_at__isnull=False,
                                                             accepted_at__lte=F("accept_due"))),
        "contacted_on_time": Count("id", filter=in_period & Q(first_contact_at__isnull=False,
                                                              first_contact_at__lte=F("accept_due"))),
        "due": Count("id", filter=due),
        "closed_of_due": Count("id", filter=due & Q(status=Case.Status.CLOSED)),
        "closed_on_time": Count("id", filter=due & Q(status=Case.Status.CLOSED, closed_at__lte=F("finish_due"))),
        "rated": Count("id", filter=in_period & ~Q(rating="")),
        "satisfied": Count("id", filter=in_period & Q(rating__in=[Case.Rating.SATISFIED, Case.Rating.BASIC])),
        "solved_asked": Count("id", filter=in_period & Q(solved_by_reporter__isnull=False)),
        "solved": Count("id", filter=in_period & Q(solved_by_reporter=True)),
        "reopened": Count("id", filter=in_period & Q(reopened_count__gt=0)),
    }


def _figure_rates(r: dict) -> dict:
    return {
        **r,
        "accepted_on_time_rate": _rate(r["accepted_on_time"], r["received"]),
        "response_rate": _rate(r["contacted_on_time"], r["received"]),
        "closing_rate": _rate(r["closed_of_due"], r["due"]),
        "closed_on_time_rate": _rate(r["closed_on_time"], r["due"]),
        "satisfaction_rate": _rate(r["satisfied"], r["rated"]),
        "solved_rate": _rate(r["solved"], r["solved_asked"]),
    }


def figures_by_child(user, *, under: Place, children: list[Place], period: Period) -> dict[int | None, dict]:
    """`figures` for each of `children` (places directly under `under`) in one grouped query,
    so a street official can compare communities. Keyed by child id; None holds the cases
    filed at `under` itself (in no child)."""
    counts = _figure_counts(period)
    zero = _figure_rates({k: 0 for k in counts})
    by_path = {c.path: c.pk for c in children}
    base = scoped(user, Case.objects.all(), Verb.CASE_VIEW, under=under.path)
    grouped = (base.annotate(prefix=Substr("path", 1, (under.depth + 1) * STEP)).values("prefix")
               .annotate(**counts).order_by())
    result: dict[int | None, dict] = {c.pk: dict(zero) for c in children}
    for row in grouped:
        prefix = row.pop("prefix")
        key = None if prefix == under.path else by_path.get(prefix, "unlisted")
        if key == "unlisted":
            continue
        result[key] = _figure_rates(row)
    return result


def hot_spot_geojson(user, *, under: Place, period: Period, category: str | None = None,
                     kind: str = "grid") -> dict:
    """The places of `kind` (grids by default) under `under` that have a boundary, as a GeoJSON
    FeatureCollection for the hot-spot map. Each feature's properties: name, place_id, count
    (of `category` when given, else of all) and counts by category code; the collection's
    `categories` names the codes. Counts come from `hot_spots`, so map and table agree."""
    from .models import Category

    places = list(scoped(user, Place.objects.filter(path__startswith=under.path, kind__code=kind,
                                                    boundary__isnull=False), Verb.CASE_VIEW)
                  .only("id", "path", "name", "boundary").order_by("path"))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in hot_spots(user, under=under, period=period, kind=kind):
        counts[row["place"].pk][row["category"]] = row["count"]
    codes = {code for c in counts.values() for code in c}
    labels = {c.code: c.label for c in Category.objects.filter(code__in=codes)} if codes else {}
    features = []
    for place in places:
        by_category = counts.get(place.pk, {})
        count = by_category.get(category, 0) if category else sum(by_category.values())
        features.append({
            "type": "Feature",
            "id": place.pk,
            "geometry": place.boundary,
            "properties": {"name": place.name, "place_id": place.pk, "count": count,
                           "counts": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0])))},
        })
    return {"type": "FeatureCollection", "features": features, "categories": labels}


# ---------------------------------------------------------------- places and departments offered on case forms

MAX_PLACE_OPTIONS = 400
HOME_KINDS = ("compound", "building", "unit", "dwelling")
INTAKE_KINDS = ("community", "grid", "compound", "building")


def home_places(user) -> list[Place]:
    """The compound, building, unit and dwelling of the user's own home: from the resident
    record linked to the account and from resident roles held at a dwelling."""
    homes = set(RoleAssignment.objects.filter(user_id=user.pk, is_active=True, role=Role.RESIDENT,
                                              place__isnull=False).values_list("place__path", flat=True))
    if getattr(user, "resident_id", None):
        homes |= {p for p in Place.objects.filter(households__members__pk=user.resident_id)
                  .values_list("path", flat=True)}
    if not homes:
        return []
    paths = {a for h in homes for a in ancestors_paths(h)} | homes
    return list(Place.objects.filter(path__in=paths, kind__code__in=HOME_KINDS)
                .select_related("kind", "parent").order_by("path"))


def places_in_scope(user, verb: str, kinds) -> list[Place]:
    return list(scoped(user, Place.objects.filter(kind__code__in=kinds).select_related("kind", "parent"), verb)
                .order_by("path")[:MAX_PLACE_OPTIONS])


def report_places(user) -> tuple[list[Place], Place | None]:
    """Places a resident may pick (home first, then those in their scope) and the default:
    the building of their home, else its compound."""
    home = home_places(user)
    places = home + [p for p in places_in_scope(user, Verb.PLACE_VIEW, INTAKE_KINDS) if p.path not in
                     {h.path for h in home}]
    default = next((p for kind in ("building", "compound", "dwelling") for p in home if p.kind.code == kind), None)
    return places, default


def departments_for(case: Case) -> list[tuple[int, str]]:
    """Departments whose jurisdiction covers the case's place; all of them if none does."""
    depts = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT).order_by("name")
    covering = list(depts.filter(jurisdiction__path__in=[*ancestors_paths(case.path), case.path]).distinct())
    return [(o.pk, o.name) for o in (covering or list(depts))]


def organisation_ids(user) -> set[int]:
    return set(scope_organisations(user))  # read with the user's role places, once per request


# ---------------------------------------------------------------- the report page's map

MAP_CONTEXT_KINDS = ("grid", "compound")
# How close the report map starts, by the kind of place its centre came from.
MAP_ZOOM = {"dwelling": 17, "unit": 17, "building": 17, "compound": 16, "grid": 16, "community": 15, "street": 14}


def _boundary_centre(boundary) -> tuple[float, float] | None:
    """The middle of a GeoJSON Polygon/MultiPolygon's bounding box, as (lat, lng)."""
    if not isinstance(boundary, dict):
        return None
    polygons = boundary.get("coordinates") or []
    if boundary.get("type") == "Polygon":
        polygons = [polygons]
    elif boundary.get("type") != "MultiPolygon":
        return None
    points = [pt for polygon in polygons for ring in polygon[:1] for pt in ring if len(pt) >= 2]
    if not points:
        return None
    lngs, lats = [float(p[0]) for p in points], [float(p[1]) for p in points]
    return ((min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2)


def _place_centre(place: Place) -> tuple[float, float] | None:
    if place.lat is not None and place.lng is not None:
        return (float(place.lat), float(place.lng))
    return _boundary_centre(place.boundary)


def map_context(user, place: Place | None) -> dict:
    """What the report page's point picker draws: a centre ([lat, lng]) and zoom hint (the
    place's own point or boundary, else its nearest ancestor's), and a GeoJSON
    FeatureCollection of the grids and compounds with a boundary in the place's community
    (properties: name, kind), so a point can be placed even without base tiles.

    Not scoped by the viewer's role on purpose: place outlines and names are not personal data
    (no resident, household or case is read) and the public contact card shows them to anyone;
    `user` is taken for the selector's usual shape only."""
    empty = {"center": None, "zoom": None, "places": {"type": "FeatureCollection", "features": []}}
    if place is None:
        return empty
    chain = {p.path: p for p in Place.objects.filter(path__in=ancestors_paths(place.path)).select_related("kind")}
    lineage = [place, *(chain[p] for p in reversed(ancestors_paths(place.path)) if p in chain)]  # nearest first
    center = zoom = None
    for p in lineage:
        centre = _place_centre(p)
        if centre is not None:
            center, zoom = [round(centre[0], 6), round(centre[1], 6)], MAP_ZOOM.get(p.kind.code, 13)
            break
    community = next((p for p in lineage if p.kind.code == "community"), place)
    rows = (Place.objects.filter(path__startswith=community.path, kind__code__in=MAP_CONTEXT_KINDS,
                                 boundary__isnull=False)
            .select_related("kind").only("id", "name", "boundary", "depth", "path", "kind__code")
            .order_by("depth", "path"))
    features = [{"type": "Feature", "id": p.pk, "geometry": p.boundary,
                 "properties": {"name": p.name, "kind": p.kind.code}}
                for p in rows if isinstance(p.boundary, dict) and p.boundary.get("type") in ("Polygon", "MultiPolygon")]
    if center is None and features:
        centres = [c for c in (_boundary_centre(f["geometry"]) for f in features) if c]
        center = [round(sum(c[i] for c in centres) / len(centres), 6) for i in (0, 1)]
        zoom = MAP_ZOOM["community"]
    return {"center": center, "zoom": zoom, "places": {"type": "FeatureCollection", "features": features}}


SEARCH_ROWS = 20


def search_cases(user, q: str, *, limit: int = SEARCH_ROWS) -> list[Case]:
    """Cases the user may see, by their number (whole) or by words of their text (each word
    must appear), newest first."""
    words = q.split()
    if not words:
        return []
    qs = visible_cases(user)
    by_number = list(qs.filter(number__iexact=q.strip())[:1])
    if by_number:
        return by_number
    for word in words[:5]:
        qs = qs.filter(text__icontains=word)
    return list(qs.order_by("-id")[:limit])
