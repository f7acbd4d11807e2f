"""Properties of the materialised-path tree (linli.core.paths, places.services.create_place /
move_place) over random trees and random moves: the stored path and depth always follow the
parent links, "everything under X" by path is exactly X's subtree by parent links, and a move
under the place's own subtree is refused and changes nothing."""

import importlib

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from linli.core import paths
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Invalid
from linli.places import services
from linli.places.models import Household, Place, PlaceKind, Resident

DB_PROPS = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Kinds with no required ancestor, so a random tree only has to respect rank order.
KINDS = ["street", "community", "compound", "building", "unit", "dwelling"]


# ---------------------------------------------------------------- paths.py (no database)


@settings(max_examples=300, deadline=None, database=None)
@given(st.integers(min_value=0, max_value=paths.MAX_CHILDREN - 1))
def test_segment_is_fixed_width_base36_and_ordered(n):
    seg = paths.segment(n)
    assert len(seg) == paths.STEP and set(seg) <= set(paths.ALPHABET)
    assert int(seg, 36) == n
    if n + 1 < paths.MAX_CHILDREN:
        assert seg < paths.segment(n + 1)  # byte order of segments is numeric order
    assert seg < paths.END * paths.STEP


@pytest.mark.parametrize("n", [-1, paths.MAX_CHILDREN])
def test_segment_out_of_range(n):
    with pytest.raises(ValueError):
        paths.segment(n)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.integers(min_value=0, max_value=paths.MAX_CHILDREN - 1), min_size=1, max_size=9))
def test_path_helpers_agree(numbers):
    path = "".join(paths.segment(n) for n in numbers)
    assert paths.depth_of(path) == len(numbers)
    assert paths.parent_path(path) == "".join(paths.segment(n) for n in numbers[:-1])
    ancestors = paths.ancestors_paths(path)
    assert len(ancestors) == len(numbers) - 1
    assert all(path.startswith(a) and len(a) % paths.STEP == 0 for a in ancestors)
    assert ancestors == [paths.parent_path(path)[:i * paths.STEP] for i in range(1, len(numbers))]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.text(alphabet="AB", min_size=1, max_size=4), max_size=12))
def test_collapse_keeps_exactly_the_outermost_prefixes(prefixes):
    out = paths.collapse(prefixes)
    assert out == sorted(out)
    # every input is covered by some output, and no output covers another
    assert all(any(p.startswith(o) for o in out) for p in prefixes)
    assert all(not b.startswith(a) for a in out for b in out if a != b)
    assert set(out) <= set(prefixes)


# ---------------------------------------------------------------- the tree in the database


# The default levels loaded by the migration (strategies are drawn before the test body runs).
RANKS = {code: rank for code, _, _, rank, _, _ in
         importlib.import_module("linli.places.migrations.0002_defaults_and_collation").KINDS}


def rank(kind_code: str) -> int:
    return RANKS[kind_code]


@st.composite
def tree_specs(draw):
    """A list of (parent index, kind) for places 1..n; place 0 is the district root."""
    kinds = ["district"]
    spec = []
    for i in range(draw(st.integers(min_value=1, max_value=12), label="size")):
        candidates = [j for j, k in enumerate(kinds) if k != "dwelling"]
        parent = draw(st.sampled_from(candidates), label=f"parent of {i + 1}")
        kind = draw(st.sampled_from([k for k in KINDS if rank(k) > rank(kinds[parent])]), label=f"kind of {i + 1}")
        kinds.append(kind)
        spec.append((parent, kind))
    return spec


def build(spec) -> list[Place]:
    places = [services.create_place(actor=SYSTEM, parent_id=None, kind_code="district", name="随机区")]
    for i, (parent, kind) in enumerate(spec, start=1):
        place = services.create_place(actor=SYSTEM, parent_id=places[parent].pk, kind_code=kind, name=f"地点{i}")
        places.append(place)
        if kind == "dwelling":
            hh = services.create_household(actor=SYSTEM, dwelling_id=place.pk)
            services.create_resident(actor=SYSTEM, household_id=hh.pk, name=f"居民{i}", gender="F")
    return places


def snapshot() -> dict:
    return {
        "places": sorted(Place.objects.values_list("pk", "path", "depth", "parent_id", "child_seq")),
        "households": sorted(Household.objects.values_list("pk", "path")),
        "residents": sorted(Resident.objects.values_list("pk", "path")),
    }


def assert_consistent(expected_parents: dict[int, int | None], *, query_every_subtree: bool) -> None:
    rows = {pk: (path, depth, parent_id) for pk, path, depth, parent_id
            in Place.objects.values_list("pk", "path", "depth", "parent_id")}
    # Exactly the parent links that the moves should have produced.
    assert {pk: parent for pk, (_, _, parent) in rows.items()} == expected_parents
    for pk, (path, depth, parent_id) in rows.items():
        assert len(path) % paths.STEP == 0 and depth == paths.depth_of(path)
        if parent_id is None:
            assert depth == 1
        else:
            assert paths.parent_path(path) == rows[parent_id][0], f"place {pk} does not follow its parent"
            assert depth == rows[parent_id][1] + 1
    assert len({path for path, _, _ in rows.values()}) == len(rows)
    # Households and residents carry their dwelling's path.
    for dwelling_path, hh_path in Household.objects.values_list("dwelling__path", "path"):
        assert hh_path == dwelling_path
    for hh_path, r_path in Resident.objects.values_list("household__path", "path"):
        assert r_path == hh_path
    # "Everything under X" by path equals X's subtree walked through parent links.
    children: dict[int, list[int]] = {}
    for pk, (_, _, parent_id) in rows.items():
        children.setdefault(parent_id, []).append(pk)

    def walk(pk):
        out, stack = set(), [pk]
        while stack:
            cur = stack.pop()
            out.add(cur)
            stack.extend(children.get(cur, []))
        return out

    for pk, (path, _, _) in rows.items():
        by_links = walk(pk)
        by_prefix = {p for p, (other, _, _) in rows.items() if other.startswith(path)}
        assert by_prefix == by_links
        if query_every_subtree:
            assert set(Place.objects.filter(path__startswith=path).values_list("pk", flat=True)) == by_links
            under = Household.objects.filter(path__startswith=path).values_list("dwelling_id", flat=True)
            assert set(under) <= by_links


def in_subtree(pk: int, root: int, parents: dict[int, int | None]) -> bool:
    while pk is not None:
        if pk == root:
            return True
        pk = parents[pk]
    return False


@pytest.mark.django_db
@DB_PROPS
@given(spec=tree_specs(), data=st.data())
def test_random_moves_keep_paths_following_parent_links(spec, data):
    with transaction.atomic():
        assert {k.code: k.rank for k in PlaceKind.objects.filter(code__in=RANKS)} == RANKS
        places = build(spec)
        kinds = {p.pk: p.kind.code for p in places}
        names = {p.pk: p.name for p in places}
        parents = {p.pk: p.parent_id for p in places}
        assert_consistent(parents, query_every_subtree=True)
        movable = [p.pk for p in places[1:]]
        if movable:
            for _ in range(data.draw(st.integers(min_value=1, max_value=8), label="moves")):
                pk = data.draw(st.sampled_from(movable), label="move")
                target = data.draw(st.sampled_from([p.pk for p in places]), label="under")
                before = snapshot()
                if in_subtree(target, pk, parents):
                    expected = "move_into_self"
                elif target == parents[pk]:
                    expected = "noop"
                elif rank(kinds[target]) >= rank(kinds[pk]):
                    expected = "kind_order"
                elif any(parents[o] == target and names[o] == names[pk] for o in parents):
                    expected = "duplicate_name"
                else:
                    expected = "moved"
                try:
                    moved = services.move_place(actor=SYSTEM, place_id=pk, new_parent_id=target)
                    outcome = "moved" if expected == "moved" else "noop"
                except (Invalid, Conflict) as exc:
                    outcome = exc.code
                    assert exc.field == "new_parent_id"
                assert outcome == expected, (pk, target)
                event(outcome)
                if outcome == "moved":
                    parents[pk] = target
                    assert moved.parent_id == target
                    assert Place.objects.get(pk=target).path == paths.parent_path(moved.path)
                else:
                    assert snapshot() == before  # a refused move (or a no-op) changes nothing
                assert_consistent(parents, query_every_subtree=False)
        assert_consistent(parents, query_every_subtree=True)
        transaction.set_rollback(True)


@pytest.mark.django_db
@DB_PROPS
@given(spec=tree_specs().filter(lambda s: len(s) >= 2), data=st.data())
def test_move_under_own_subtree_is_refused_and_changes_nothing(spec, data):
    with transaction.atomic():
        places = build(spec)
        parents = {p.pk: p.parent_id for p in places}
        pk = data.draw(st.sampled_from([p.pk for p in places]), label="place")
        inside = [p.pk for p in places if in_subtree(p.pk, pk, parents)]
        target = data.draw(st.sampled_from(inside), label="under its own subtree")
        before = snapshot()
        with pytest.raises(Invalid) as exc:
            services.move_place(actor=SYSTEM, place_id=pk, new_parent_id=target)
        assert exc.value.code == "move_into_self"
        assert exc.value.field == "new_parent_id"
        assert "不能移动到自身或其下级之下" in str(exc.value.message)
        assert snapshot() == before
        assert_consistent(parents, query_every_subtree=False)
        transaction.set_rollback(True)




@pytest.mark.django_db
def test_cases_follow_their_place_when_it_moves(city):
    from linli.cases import services as case_services
    from linli.cases.models import Case

    reporter = city.user_with("resident", at=city.dwelling)
    case = case_services.submit_case(actor=reporter, text="楼道灯坏了好几天了", channel="resident",
                                     place_id=city.dwelling.pk, category_code="parking")
    other = services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="新华社区")
    services.move_place(actor=SYSTEM, place_id=city.grid.pk, new_parent_id=other.pk)
    dwelling = Place.objects.get(pk=city.dwelling.pk)
    assert Case.objects.get(pk=case.pk).path == dwelling.path
    new_community = city.user_with("community_worker", at=other)
    old_community = city.user_with("community_worker", at=city.community)
    from linli.accounts.scope import scoped

    assert case.pk in scoped(new_community, Case.objects.all(), "case.view").values_list("pk", flat=True)
    assert case.pk not in scoped(old_community, Case.objects.all(), "case.view").values_list("pk", flat=True)
