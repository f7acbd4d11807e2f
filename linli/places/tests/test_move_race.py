"""Races on PostgreSQL between subtree moves (places.services.move_place) and the writers that
work inside a subtree. Each writer runs in its own thread and connection; where the order
matters, one writer holds its transaction open until the other has finished or is waiting
on a row lock (read from pg_stat_activity), so each interleaving is forced, not hoped for.
Afterwards the tree must be consistent (paths follow parent links, no cycles, households and
residents carry their dwelling's path) and exactly the expected moves must have happened."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from linli.accounts.models import User
from linli.core.errors import DomainError, Invalid
from linli.core.models import AuditEntry
from linli.core.paths import STEP
from linli.places import services
from linli.places.models import Household, Place, Resident

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

# Not a timing assertion: only how long we wait before declaring a thread stuck.
STUCK_AFTER = 30



class Writer(threading.Thread):
    """Runs `fn` in its own connection. With `hold=True` the transaction stays open after
    `fn` returns until `release()` is called."""

    def __init__(self, fn, *, hold: bool = False):
        super().__init__(daemon=True)
        self.fn, self.hold = fn, hold
        self.pid = None
        self.result = self.error = self.crash = None
        self.ready = threading.Event()  # pid known
        self.inside = threading.Event()  # fn returned (or raised) inside the held transaction
        self._release = threading.Event()

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.ready.set()
            if self.hold:
                with transaction.atomic():
                    try:
                        self.result = self.fn()
                    finally:
                        self.inside.set()
                    if not self._release.wait(STUCK_AFTER):
                        raise RuntimeError("never released")
            else:
                self.result = self.fn()
        except DomainError as exc:
            self.error = exc
        except Exception as exc:  # reported by finish()
            self.crash = exc
        finally:
            self.ready.set()
            self.inside.set()
            connection.close()

    def release(self):
        self._release.set()

    def finish(self):
        self.join(STUCK_AFTER)
        assert not self.is_alive(), "writer thread stuck"
        assert self.crash is None, repr(self.crash)
        return self


def waiting_on_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def wait_until_done_or_blocked(writer: Writer) -> None:
    """Wait until `writer` has finished or is waiting on a lock held by another writer."""
    writer.ready.wait(STUCK_AFTER)
    deadline = time.monotonic() + STUCK_AFTER
    while time.monotonic() < deadline:
        if not writer.is_alive() or writer.inside.is_set() or waiting_on_lock(writer.pid):
            return
        time.sleep(0.01)
    raise AssertionError("writer neither finished nor blocked")


def in_order(first, second):
    """Run `first` in a held transaction, then `second`; release `first` once `second` has
    finished or is waiting for a lock `first` holds. Returns both writers, finished."""
    a = Writer(first, hold=True)
    a.start()
    assert a.inside.wait(STUCK_AFTER)
    b = Writer(second)
    b.start()
    wait_until_done_or_blocked(b)
    a.release()
    return a.finish(), b.finish()


def at_once(*fns):
    """Start every call at the same instant (no forced order)."""
    barrier = threading.Barrier(len(fns))

    def gated(fn):
        def run():
            barrier.wait(STUCK_AFTER)
            return fn()
        return run

    writers = [Writer(gated(fn)) for fn in fns]
    for w in writers:
        w.start()
    return [w.finish() for w in writers]


def assert_tree_consistent() -> None:
    rows = {pk: (path, depth, parent_id)
            for pk, path, depth, parent_id in Place.objects.values_list("pk", "path", "depth", "parent_id")}
    for pk, (path, depth, parent_id) in rows.items():
        assert depth == len(path) // STEP and len(path) % STEP == 0
        if parent_id is None:
            assert depth == 1
        else:
            assert path[:-STEP] == rows[parent_id][0], f"place {pk} {path} is not under its parent"
        # No cycles: following parents reaches a root within `depth` steps.
        seen, cur = 0, pk
        while rows[cur][2] is not None:
            cur, seen = rows[cur][2], seen + 1
            assert seen <= len(rows), f"cycle through place {pk}"
    children: dict = {}
    for pk, (_, _, parent_id) in rows.items():
        children.setdefault(parent_id, []).append(pk)
    for pk, (path, _, _) in rows.items():
        walked, stack = set(), [pk]
        while stack:
            cur = stack.pop()
            walked.add(cur)
            stack.extend(children.get(cur, []))
        assert set(Place.objects.filter(path__startswith=path).values_list("pk", flat=True)) == walked
    for hh_path, dwelling_path in Household.objects.values_list("path", "dwelling__path"):
        assert hh_path == dwelling_path, "household left on an old path"
    for r_path, hh_path in Resident.objects.values_list("path", "household__path"):
        assert r_path == hh_path, "resident left on an old path"


@pytest.fixture
def official(city):
    return city.user_with("street_official", at=city.street)


def as_fresh(user):
    """Each thread gets its own user object (scope prefixes are cached on it)."""
    return User.objects.get(pk=user.pk)


def move(user, place, new_parent):
    return lambda: services.move_place(actor=as_fresh(user), place_id=place.pk, new_parent_id=new_parent.pk)


def parent_of(place) -> int | None:
    return Place.objects.get(pk=place.pk).parent_id


# ---------------------------------------------------------------- move against move


@pytest.fixture
def sibling_building(city, official):
    """A building straight under the grid, beside the compound 汉都华府二期."""
    return services.create_place(actor=official, parent_id=city.grid.pk, kind_code="building", name="3栋")


def test_a_under_b_while_b_under_a_at_once(city, official, sibling_building):
    """Compound A and building B are siblings. Only B under A is a valid move (a compound
    cannot sit under a building), whichever runs first: afterwards B is under A and the
    other move was refused with a clear error."""
    a, b = city.compound, sibling_building
    a_under_b, b_under_a = at_once(move(official, a, b), move(official, b, a))
    assert b_under_a.error is None and b_under_a.result.parent_id == a.pk
    assert isinstance(a_under_b.error, Invalid)
    assert a_under_b.error.code in ("kind_order", "move_into_self")
    assert parent_of(a) == city.grid.pk and parent_of(b) == a.pk
    assert_tree_consistent()


@pytest.mark.parametrize("first", ["a_under_b", "b_under_a"])
def test_a_under_b_while_b_under_a_in_each_order(city, official, sibling_building, first):
    a, b = city.compound, sibling_building
    calls = {"a_under_b": move(official, a, b), "b_under_a": move(official, b, a)}
    second = "b_under_a" if first == "a_under_b" else "a_under_b"
    w1, w2 = in_order(calls[first], calls[second])
    done = {first: w1, second: w2}
    assert done["b_under_a"].error is None
    # Run second, A under B would put A under its own child: refused as such.
    expected = "kind_order" if first == "a_under_b" else "move_into_self"
    assert done["a_under_b"].error is not None and done["a_under_b"].error.code == expected
    assert parent_of(b) == a.pk and parent_of(a) == city.grid.pk
    assert_tree_consistent()


@pytest.fixture
def communities(city, official):
    mk = services.create_place
    return [mk(actor=official, parent_id=city.street.pk, kind_code="community", name=name)
            for name in ("新华社区", "城北社区")]


def test_same_grid_to_two_communities_at_once(city, official, communities):
    """Both moves succeed one after the other (the grid's row lock serialises them); the
    grid ends under whichever ran last, and the audit trail chains from one to the next."""
    c1, c2 = communities
    w1, w2 = at_once(move(official, city.grid, c1), move(official, city.grid, c2))
    assert w1.error is None and w2.error is None
    moves = list(AuditEntry.objects.filter(kind="place.move", target_id=str(city.grid.pk)).order_by("id"))
    assert len(moves) == 2
    assert moves[0].data["from_parent"] == city.community.pk
    assert moves[1].data["from_parent"] == moves[0].data["to_parent"]
    assert {moves[0].data["to_parent"], moves[1].data["to_parent"]} == {c1.pk, c2.pk}
    assert parent_of(city.grid) == moves[1].data["to_parent"]
    assert moves[1].data["old_path"] != moves[0].data["old_path"]
    assert_tree_consistent()
    # What lived in the grid moved with it.
    grid = Place.objects.get(pk=city.grid.pk)
    assert Resident.objects.get(pk=city.resident.pk).path.startswith(grid.path)


def test_same_grid_to_two_communities_in_order(city, official, communities):
    c1, c2 = communities
    w1, w2 = in_order(move(official, city.grid, c1), move(official, city.grid, c2))
    assert w1.error is None and w2.error is None
    assert parent_of(city.grid) == c2.pk  # the second move saw the first one's result
    assert Place.objects.filter(parent=c1).count() == 0
    assert_tree_consistent()


@pytest.mark.parametrize("first", ["building", "compound"])
def test_overlapping_subtrees_in_each_order(city, official, first):
    """Move building 1栋 to another compound while moving its compound to the other grid:
    the moved subtrees overlap. Both moves must land, in either order."""
    other = services.create_place(actor=official, parent_id=city.other_grid.pk, kind_code="compound", name="金穗苑")
    calls = {"building": move(official, city.building, other),
             "compound": move(official, city.compound, city.other_grid)}
    second = "compound" if first == "building" else "building"
    w1, w2 = in_order(calls[first], calls[second])
    assert w1.error is None and w2.error is None
    assert parent_of(city.building) == other.pk
    assert parent_of(city.compound) == city.other_grid.pk
    assert_tree_consistent()
    building = Place.objects.get(pk=city.building.pk)
    assert Resident.objects.get(pk=city.resident.pk).path.startswith(building.path)


def test_overlapping_subtrees_at_once_never_deadlock(city, official):
    """Simultaneous moves of overlapping subtrees, back and forth for several rounds (one
    round deadlocks often but not always on the unfixed code; ten rounds make it certain in
    practice): every round both moves land and the tree stays consistent."""
    other = services.create_place(actor=official, parent_id=city.other_grid.pk, kind_code="compound", name="金穗苑")
    for i in range(10):
        if i % 2 == 0:
            calls = move(official, city.building, other), move(official, city.compound, city.other_grid)
            expected = {city.building.pk: other.pk, city.compound.pk: city.other_grid.pk}
        else:
            calls = move(official, city.building, city.compound), move(official, city.compound, city.grid)
            expected = {city.building.pk: city.compound.pk, city.compound.pk: city.grid.pk}
        for w in at_once(*calls):
            assert w.error is None, w.error
        assert {pk: parent_of(Place(pk=pk)) for pk in expected} == expected
        assert_tree_consistent()


# ---------------------------------------------------------------- move against writers inside the subtree


def create_unit(user, building, name="2单元"):
    return lambda: services.create_place(actor=as_fresh(user), parent_id=building.pk, kind_code="unit", name=name)


def test_create_under_moving_subtree_after_the_move(city, official):
    """The move holds its transaction; a place added under the moving subtree waits for the
    parent's row lock and then gets a path under the parent's new path."""
    mover, adder = in_order(move(official, city.compound, city.other_grid), create_unit(official, city.building))
    assert mover.error is None and adder.error is None
    unit = Place.objects.get(pk=adder.result.pk)
    assert unit.path.startswith(Place.objects.get(pk=city.compound.pk).path)
    assert_tree_consistent()


def test_create_under_moving_subtree_before_the_move(city, official):
    """A place is being added under 1栋 (holding 1栋's row lock) when its compound moves: the
    new place must end under the compound's new path."""
    adder, mover = in_order(create_unit(official, city.building), move(official, city.compound, city.other_grid))
    assert mover.error is None and adder.error is None
    assert_tree_consistent()


def test_household_registered_while_its_compound_moves(city, official):
    adder, mover = in_order(lambda: services.create_household(actor=as_fresh(official), dwelling_id=city.dwelling.pk),
                            move(official, city.compound, city.other_grid))
    assert mover.error is None and adder.error is None
    assert_tree_consistent()


def test_resident_registered_while_its_compound_moves(city, official):
    """create_resident locks the household row, so the move's household update waits for it
    and its resident update (a later statement) sees the new resident."""
    adder, mover = in_order(
        lambda: services.create_resident(actor=as_fresh(official), household_id=city.household.pk,
                                          name="李小妹", gender="F", relation="child"),
        move(official, city.compound, city.other_grid))
    assert mover.error is None and adder.error is None
    assert_tree_consistent()
