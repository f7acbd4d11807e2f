"""Reads about places and people worth naming; each takes the acting user and scopes
through linli.accounts.scope."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, QuerySet
from django.utils.translation import get_language
from django.db.models.functions import Substr

from linli.accounts.models import RoleAssignment
from linli.accounts.roles import CONTACT_CARD_ROLES, Verb
from linli.accounts.scope import scoped
from linli.core.paths import STEP, ancestors_paths

from .models import CareTag, Household, Place, Resident


def visible_places(user) -> QuerySet:
    return scoped(user, Place.objects.select_related("kind"), Verb.PLACE_VIEW)


def place_roots(user) -> list[Place]:
    """The highest places the user may see: the places where their roles are held."""
    from linli.accounts.scope import prefixes

    allowed = prefixes(user, Verb.PLACE_VIEW)
    qs = Place.objects.select_related("kind")
    if allowed is None:
        return list(qs.filter(depth=1))
    return list(qs.filter(path__in=allowed))


def breadcrumbs(place: Place) -> list[Place]:
    """Ancestors root first (names only; seeing a name above is not seeing its contents)."""
    return list(Place.objects.filter(path__in=ancestors_paths(place.path)).order_by("path"))


def counts_under(user, places: list[Place]) -> dict[int, dict]:
    """Households, residents and residents per care tag under each of `places`, in a constant
    number of queries. The two totals are aggregates of the places the user may see (a volunteer
    holding only place.view at a compound sees how many live there, not 0); the care-tag counts
    stay within what the user may see of residents."""
    result = {p.pk: {"households": 0, "residents": 0, "tags": defaultdict(int)} for p in places}
    by_depth = defaultdict(list)
    for p in places:
        by_depth[p.depth].append(p)
    # Group by the tag's id (no join to the tag table); the few tags are named from one read.
    tag_codes = dict(CareTag.objects.values_list("id", "code")) if places else {}
    for depth, group in by_depth.items():
        length = depth * STEP
        by_prefix = {p.path: p.pk for p in group}
        common = _common_prefix([p.path for p in group])
        hh = (scoped(user, Household.objects.all(), Verb.PLACE_VIEW, under=common)
              .annotate(prefix=Substr("path", 1, length)).values("prefix").annotate(n=Count("id")))
        for row in hh:
            if row["prefix"] in by_prefix:
                result[by_prefix[row["prefix"]]]["households"] = row["n"]
        res = (scoped(user, Resident.objects.filter(lives_here=True), Verb.PLACE_VIEW, under=common)
               .annotate(prefix=Substr("path", 1, length)).values("prefix").annotate(n=Count("id")))
        for row in res:
            if row["prefix"] in by_prefix:
                result[by_prefix[row["prefix"]]]["residents"] = row["n"]
        tags = (scoped(user, Resident.objects.filter(lives_here=True), Verb.RESIDENT_VIEW, under=common)
                .filter(care_tags__isnull=False)
                .annotate(prefix=Substr("path", 1, length)).values("prefix", "care_tags").annotate(n=Count("id")))
        for row in tags:
            if row["prefix"] in by_prefix:
                result[by_prefix[row["prefix"]]]["tags"][tag_codes[row["care_tags"]]] = row["n"]
    for v in result.values():
        v["tags"] = dict(v["tags"])
    return result


def _common_prefix(paths: list[str]) -> str:
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    return first[: i - i % STEP]


def children_with_counts(user, place: Place) -> list[tuple[Place, dict]]:
    children = list(visible_places(user).filter(parent=place).order_by("path"))
    counts = counts_under(user, children)
    return [(c, counts[c.pk]) for c in children]


def household_members(user, household: Household) -> list[Resident]:
    return list(scoped(user, household.members.all(), Verb.RESIDENT_VIEW)
                .prefetch_related("care_tags").order_by("relation", "id"))


def residents_with_tag(user, *, under: Place, tag_code: str) -> QuerySet:
    # The tag's id first: one join instead of two, and the planner sees the real selectivity.
    tag_id = CareTag.objects.filter(code=tag_code).values_list("id", flat=True).first()
    return scoped(user, Resident.objects.filter(care_tags=tag_id, lives_here=True), Verb.RESIDENT_VIEW,
                  under=under.path)


def contact_card(place: Place) -> list[dict]:
    """The compound's 连心卡: party-branch secretary, owners' committee chair and property
    manager, taken from the role holders at the compound (or, failing that, above it)."""
    paths = [*ancestors_paths(place.path), place.path]
    holders = (RoleAssignment.objects.filter(role__in=CONTACT_CARD_ROLES, is_active=True, place__path__in=paths)
               .select_related("user", "place", "organisation").order_by("-place__depth", "-is_lead", "id"))
    chosen = {}
    for ra in holders:
        chosen.setdefault(ra.role, ra)
    card = []
    for role in CONTACT_CARD_ROLES:
        ra = chosen.get(role)
        if ra is not None:
            # The job title is free text in Chinese; other languages show the role's own name.
            title = ra.title if ra.title and get_language().startswith("zh") else ra.get_role_display()
            card.append({"role": role, "role_label": ra.get_role_display(), "title": title,
                         "name": str(ra.user), "phone": ra.user.phone,
                         "organisation": ra.organisation.name if ra.organisation else ""})
    return card


def active_care_tags() -> list[CareTag]:
    return list(CareTag.objects.filter(is_active=True))


LABEL_FROM = ("compound", "building", "unit", "dwelling")


def place_labels(user, places) -> dict[int, str]:
    """Each place's name after those of its ancestors from the compound down, and the grid's
    too where the user's reach lies above the grid ("第一网格 · 汉都华府二期 · 3栋 · 101" for a
    community; "汉都华府二期 · 3栋 · 101" for the grid worker): a bare "3栋" in a list of a
    secretary's 36 compounds says little. One query for any number of places."""
    from linli.accounts.scope import prefixes

    places = [p for p in places if p is not None]
    wanted = {a for p in places for a in ancestors_paths(p.path)}
    known = {a.path: a for a in Place.objects.filter(path__in=wanted).select_related("kind")} if wanted else {}
    reach = prefixes(user, Verb.PLACE_VIEW)
    labels = {}
    for p in places:
        covering = "" if reach is None else max((r for r in reach if p.path.startswith(r)), key=len, default="")
        names = []
        for a in ancestors_paths(p.path):
            above = known.get(a)
            if above is None:
                continue
            if above.kind.code in LABEL_FROM or (above.kind.code == "grid" and len(covering) < len(a)):
                names.append(above.name)
        labels[p.pk] = " · ".join([*names, p.name])
    return labels


SEARCH_ROWS = 20


def _mobile_like(q: str) -> bool:
    return len(q) == 11 and q.isdigit() and q.startswith("1")


def _id_number_like(q: str) -> bool:
    return (len(q) == 18 and q[:17].isdigit() and (q[17].isdigit() or q[17] == "X")) or (len(q) == 15 and q.isdigit())


def search_residents(user, q: str, *, limit: int = SEARCH_ROWS) -> list[Resident]:
    """Residents the user may see, by name (part of it), or by a whole mobile number or ID
    number, matched exactly through their keyed hashes (the numbers are never stored in clear)."""
    from linli.core import pii

    norm = pii.normalise(q)
    if not norm:
        return []
    qs = scoped(user, Resident.objects.select_related("household__dwelling"), Verb.RESIDENT_VIEW)
    if _mobile_like(norm):
        qs = qs.filter(phone_hash=pii.lookup_hash(norm))
    elif _id_number_like(norm):
        qs = qs.filter(id_number_hash=pii.lookup_hash(norm))
    else:
        qs = qs.filter(name__icontains=q.strip())
    return list(qs.order_by("path", "id")[:limit])
