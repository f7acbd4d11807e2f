"""Reads about places and people worth naming; each takes the acting user and scopes
through linli.accounts.scope."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Cast, Substr
from django.utils.translation import get_language

from linli.accounts.models import RoleAssignment
from linli.accounts.roles import CONTACT_CARD_ROLES, Verb
from linli.accounts.scope import covers, scoped, within
from linli.core import compiled
from linli.core.cache import ProcessCache
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


HOUSEHOLDS, RESIDENTS, TAGGED = 0, 1, 2
# A typed NULL, so every part of the UNION has the same column types.
NO_TAG = Cast(Value(None), output_field=CharField())


def counts_under(user, places: list[Place]) -> dict[int, dict]:
    """Households, residents and residents per care tag under each of `places`, in one
    statement: the three grouped counts per depth of `places`, each behind its scope
    predicate, as one UNION ALL (the care tags named by a join to their small table). The two
    totals are aggregates of the places the user may see (a volunteer holding only
    place.view at a compound sees how many live there, not 0); the care-tag counts stay
    within what the user may see of residents."""
    result = {p.pk: {"households": 0, "residents": 0, "tags": defaultdict(int)} for p in places}
    by_depth = defaultdict(list)
    for p in places:
        by_depth[p.depth].append(p)
    if not by_depth:
        return {}
    by_prefix: dict[str, int] = {p.path: p.pk for p in places}
    groups = [(depth * STEP, _common_prefix([p.path for p in group])) for depth, group in by_depth.items()]
    if all(covers(user, verb, common) and compiled.plain(common)
           for _length, common in groups for verb in (Verb.PLACE_VIEW, Verb.RESIDENT_VIEW)):
        # The user's roles cover every subtree asked for: the scoped statement is the same
        # for everyone such, so it is built once per process and run with these paths.
        values = {}
        for i, (length, common) in enumerate(groups):
            values[f"under{i}"], values[f"length{i}"] = common, length
        _columns, rows = _counts_statement(len(groups)).run(**values)
    else:
        rows = _counts_query(lambda qs, verb, under: scoped(user, qs, verb, under=under), groups)
    for what, path, tag, n in rows:
        pk = by_prefix.get(path)
        if pk is None:
            continue
        if what == HOUSEHOLDS:
            result[pk]["households"] = n
        elif what == RESIDENTS:
            result[pk]["residents"] = n
        else:
            result[pk]["tags"][tag] = n
    for v in result.values():
        v["tags"] = dict(v["tags"])
    return result


def _counts_query(scope, groups: list[tuple[int, str]]) -> QuerySet:
    """The UNION ALL of the three grouped counts for each (prefix length, common subtree) in
    `groups`, each part filtered by `scope(queryset, verb, under)`."""
    parts = []
    for length, common in groups:
        prefix = Substr("path", 1, length)
        living = Resident.objects.filter(lives_here=True)
        parts += [
            (scope(Household.objects.all(), Verb.PLACE_VIEW, common)
             .annotate(prefix=prefix).values("prefix")
             .annotate(n=Count("id"), what=Value(HOUSEHOLDS), tag=NO_TAG)
             .values_list("what", "prefix", "tag", "n")),
            (scope(living, Verb.PLACE_VIEW, common).annotate(prefix=prefix).values("prefix")
             .annotate(n=Count("id"), what=Value(RESIDENTS), tag=NO_TAG)
             .values_list("what", "prefix", "tag", "n")),
            (scope(living, Verb.RESIDENT_VIEW, common).filter(care_tags__isnull=False)
             .annotate(prefix=prefix, tag=F("care_tags__code"))
             .values("prefix", "tag").annotate(n=Count("id"), what=Value(TAGGED))
             .values_list("what", "prefix", "tag", "n")),
        ]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


_COUNTS: dict[int, compiled.Statement] = {}


def _counts_statement(n: int) -> compiled.Statement:
    """`_counts_query` for `n` depths, each within its subtree (what `scoped` gives a user
    whose roles cover it), compiled once per process."""
    statement = _COUNTS.get(n)
    if statement is None:
        def build(**values):
            groups = [(values[f"length{i}"], values[f"under{i}"]) for i in range(n)]
            return list(_counts_query(lambda qs, verb, under: within(qs, under), groups))

        kinds = {}
        for i in range(n):
            kinds[f"under{i}"], kinds[f"length{i}"] = compiled.Text, compiled.Int
        statement = _COUNTS.setdefault(n, compiled.Statement(f"places.counts_under.{n}", build, **kinds))
    return statement


def _common_prefix(paths: list[str]) -> str:
    if not paths:
        return ""
    first, last = min(paths), max(paths)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    return first[: i - i % STEP]


def _children_rows(under, parent_id):
    return within(Place.objects.select_related("kind"), under).filter(parent_id=parent_id).order_by("path")


# The children of a place whose whole subtree the user's roles cover: the same rows as
# `visible_places(user).filter(parent=place)` (every child lies inside the place), built once.
_CHILDREN = compiled.Rows("places.children", _children_rows, under=compiled.Text, parent_id=compiled.Int)


def children(user, place: Place) -> list[Place]:
    """The places directly under `place` that the user may see, by path."""
    if covers(user, Verb.PLACE_VIEW, place.path) and compiled.plain(place.path):
        return _CHILDREN.run(under=place.path, parent_id=place.pk)
    return list(visible_places(user).filter(parent=place).order_by("path"))


def children_with_counts(user, place: Place) -> list[tuple[Place, dict]]:
    children_ = children(user, place)
    counts = counts_under(user, children_)
    return [(c, counts[c.pk]) for c in children_]


def household_members(user, household: Household) -> list[Resident]:
    return list(scoped(user, household.members.all(), Verb.RESIDENT_VIEW)
                .prefetch_related("care_tags").order_by("relation", "id"))


def _load_tag_ids() -> dict[str, int]:
    return dict(CareTag.objects.values_list("code", "id"))


# The care tags' ids by code, read once per process (linli.core.cache): dropped at once when a
# tag is saved or deleted in this process, re-read after LINLI_LOOKUP_CACHE_SECONDS elsewhere.
_tag_ids = ProcessCache("places.care_tag_ids", _load_tag_ids, models=["places.CareTag"])


def care_tag_id(code: str) -> int | None:
    """The id of the care tag with this code (active or not), or None. A code missing from
    the cache is looked up once in the database (a tag added a moment ago in another
    process) and reloads the cache."""
    tag_id = _tag_ids.get().get(code)
    if tag_id is None and code:
        tag_id = CareTag.objects.filter(code=code).values_list("id", flat=True).first()
        if tag_id is not None:
            _tag_ids.forget()
    return tag_id


def residents_with_tag(user, *, under: Place, tag_code: str) -> QuerySet:
    # The tag's id first: one join instead of two, and the planner sees the real selectivity.
    # Read from the per-process cache: a scoped read is then one statement after the scope's.
    tag_id = care_tag_id(tag_code)
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
