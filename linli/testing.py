"""The one test cast: a small city with places on every level, named people of every role
at known places (`city.person("grid_worker")`, modelled on Zulip's `example_user`), helpers
that report a case and move it along through the real services, a query-count assertion,
a race harness that proves overlap on PostgreSQL, and a test client with an API token."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from contextlib import contextmanager

from linli.accounts import services as account_services
from linli.accounts.models import Organisation, User
from linli.core.actors import SYSTEM
from linli.core.identity import make_id_number
from linli.places import services as place_services
from linli.places.models import Household, Place, Resident

_phones = itertools.count(13800000000)
_ids = itertools.count(1)


def next_phone() -> str:
    return str(next(_phones))


def next_id_number(birth: dt.date = dt.date(1980, 5, 17), region: str = "511802") -> str:
    return make_id_number(region, birth, next(_ids))


# The cast: key → (role, the City attribute of the place the role is held at, name).
CAST = {
    "resident": ("resident", "dwelling", "李大爷"),
    "neighbour": ("resident", "dwelling", "李大妈"),
    "other_resident": ("resident", "other_dwelling", "王云川"),
    "building_head": ("building_head", "building", "万玉廷"),
    "other_building_head": ("building_head", "other_building", "别的楼栋长"),
    "party_member": ("party_member_household", "building", "党员中心户老周"),
    "branch_secretary": ("branch_secretary", "compound", "党支部王书记"),
    "owners_committee": ("owners_committee", "compound", "业委会刘主任"),
    "property_manager": ("property_manager", "compound", "物业陈经理"),
    "grid_worker": ("grid_worker", "grid", "向劲松"),
    "second_grid_worker": ("grid_worker", "grid", "同网格的网格员"),
    "grid_head": ("grid_head", "grid", "网格长"),
    "other_grid_worker": ("grid_worker", "other_grid", "别的网格员"),
    "community_worker": ("community_worker", "community", "社区干事"),
    "community_secretary": ("community_secretary", "community", "社区书记"),
    "volunteer": ("volunteer", "community", "志愿者小杨"),
    "street_official": ("street_official", "street", "街道干部"),
    "district_official": ("street_official", "district", "区里的督办"),
}
# Department staff (role held in an organisation whose jurisdiction is the street), by key:
# the organisation's name; the staff member is "<name>干部".
DEPARTMENTS = {"zongzhi": "综治中心", "vet": "畜牧兽医站", "env": "环保所"}
ALIASES = {"department_staff": "zongzhi"}
# Everyone a case meets on its way up the ladder over `dwelling` (and a neighbour and a
# resident of the other grid): what the `people` fixture makes before the test runs.
CASE_CAST = ("resident", "neighbour", "other_resident", "building_head", "grid_worker", "other_grid_worker",
             "community_worker", "street_official")


class Cast:
    """`city.people`: the cast by key, made on first read; "<department>_org" is a
    department's organisation."""

    def __init__(self, city: City):
        self.city = city
        self.extra: dict = {}

    def __setitem__(self, key: str, value) -> None:
        # A test may keep its own things (a case it reported, its own volunteer) beside the
        # cast; what it sets is what it reads back.
        self.extra[key] = value

    def __getitem__(self, key: str):
        if key in self.extra:
            return self.extra[key]
        if key.endswith("_org"):
            return self.city.organisation(key[:-4])
        if key not in CAST and key not in DEPARTMENTS and key not in ALIASES:
            raise KeyError(key)
        return self.city.person(key)

    def __contains__(self, key: str) -> bool:
        return key in CAST or key in DEPARTMENTS or key in ALIASES or (
            key.endswith("_org") and key[:-4] in DEPARTMENTS)


def _fresh_case(case):
    return type(case).objects.get(pk=case.pk)


class City:
    """区 → 街道 → 社区 → 网格 (two) → 小区 → 楼栋 → 单元 → 户, with a household and a resident
    in each grid. `grid` is the place roles are held at in the scope matrix; `beside` is its
    sibling, `above` its community and `below` a dwelling inside it.

    The people are the cast (CAST, DEPARTMENTS): `person(key)` makes one the first time it
    is asked for; `people()` makes the case cast at once. `user_with` makes someone new
    with any role anywhere, for a test that needs more than the cast."""

    def __init__(self):
        self._cast: dict[str, User] = {}
        mk = place_services.create_place
        self.district = mk(actor=SYSTEM, parent_id=None, kind_code="district", name="雨城区")
        self.street = mk(actor=SYSTEM, parent_id=self.district.pk, kind_code="street", name="东城街道")
        self.community = mk(actor=SYSTEM, parent_id=self.street.pk, kind_code="community", name="石马社区")
        self.grid = mk(actor=SYSTEM, parent_id=self.community.pk, kind_code="grid", name="第一网格")
        self.other_grid = mk(actor=SYSTEM, parent_id=self.community.pk, kind_code="grid", name="第二网格")
        self.compound, self.building, self.unit, self.dwelling = self._compound(self.grid, "汉都华府二期")
        (self.other_compound, self.other_building, self.other_unit,
         self.other_dwelling) = self._compound(self.other_grid, "绿洲路126号大院")
        self.household = place_services.create_household(actor=SYSTEM, dwelling_id=self.dwelling.pk)
        self.resident = place_services.create_resident(
            actor=SYSTEM, household_id=self.household.pk, name="李大爷", id_number=next_id_number(),
            phone=next_phone(), relation="head", care_tags=["elderly_alone"])
        self.other_household = place_services.create_household(actor=SYSTEM, dwelling_id=self.other_dwelling.pk)
        self.other_resident = place_services.create_resident(
            actor=SYSTEM, household_id=self.other_household.pk, name="王云川", id_number=next_id_number(),
            phone=next_phone(), relation="head")
        # A dwelling straight under the community (levels may be skipped): people "above"
        # the grid in the scope matrix.
        self.community_dwelling = mk(actor=SYSTEM, parent_id=self.community.pk, kind_code="dwelling",
                                     name="社区公寓1号")
        self.community_household = place_services.create_household(actor=SYSTEM,
                                                                    dwelling_id=self.community_dwelling.pk)
        self.community_resident = place_services.create_resident(
            actor=SYSTEM, household_id=self.community_household.pk, name="孟大爷", id_number=next_id_number(),
            phone=next_phone(), relation="head")

    @staticmethod
    def _compound(grid: Place, name: str):
        mk = place_services.create_place
        compound = mk(actor=SYSTEM, parent_id=grid.pk, kind_code="compound", name=name)
        building = mk(actor=SYSTEM, parent_id=compound.pk, kind_code="building", name="1栋")
        unit = mk(actor=SYSTEM, parent_id=building.pk, kind_code="unit", name="1单元")
        dwelling = mk(actor=SYSTEM, parent_id=unit.pk, kind_code="dwelling", name="101")
        return compound, building, unit, dwelling

    def user_with(self, role: str, at: Place, *, title: str = "", is_lead: bool = False,
                  name: str | None = None) -> User:
        user = account_services.create_user(actor=SYSTEM, display_name=name or f"{role}用户", phone=next_phone())
        if role == "department_staff":
            org = Organisation.objects.create(kind="department", name=f"部门{user.pk}")
            org.jurisdiction.add(at)
            account_services.assign_role(actor=SYSTEM, user_id=user.pk, role=role, organisation_id=org.pk)
        else:
            account_services.assign_role(actor=SYSTEM, user_id=user.pk, role=role, place_id=at.pk,
                                         title=title, is_lead=is_lead)
        return User.objects.get(pk=user.pk)

    # ------------------------------------------------------------ the cast

    def person(self, key: str) -> User:
        """The cast member `key` (see CAST), made the first time a test asks and the same
        object after that. Routing and notices depend on who holds a role when a case is
        reported, so ask for the handlers a test needs before reporting (`people` does)."""
        key = ALIASES.get(key, key)
        if key not in self._cast:
            if key in DEPARTMENTS:
                name = DEPARTMENTS[key]
                staff = self.user_with("department_staff", at=self.street, name=name + "干部")
                Organisation.objects.filter(staff__user=staff).update(name=name)
                self._cast[key] = staff
            else:
                role, where, name = CAST[key]
                self._cast[key] = self.user_with(role, at=getattr(self, where), name=name)
        return self._cast[key]

    def organisation(self, key: str) -> Organisation:
        """The department of a department cast member ("vet", "env", "zongzhi")."""
        return Organisation.objects.get(staff__user=self.person(key))

    def people(self, *keys: str) -> Cast:
        """The cast as a mapping, with `keys` (else everyone a case meets on its way up the
        ladder, CASE_CAST) made now, in that order; any other member is made when first read
        (`people["vet_org"]` is the organisation of "vet")."""
        for key in keys or CASE_CAST:
            self.person(key)
        return Cast(self)

    def _who(self, who) -> User:
        return self.person(who) if isinstance(who, str) else who

    # ------------------------------------------------------------ moving a case along

    def report(self, who="resident", text: str = "楼道里堆满杂物，扶手也坏了", *, at: Place | None = None,
               category: str | None = "stairwell", channel: str = "resident", **kw):
        """`who` (a cast key or a user) reports a case through `submit_case`, by default at
        their own dwelling (cast residents) or at `dwelling`, in the stairwell category
        (`category=None` lets the keywords suggest one)."""
        if at is None:
            home = CAST.get(who, (None, None, None))[1] if isinstance(who, str) else None
            at = getattr(self, home) if home in ("dwelling", "other_dwelling") else self.dwelling
        from linli.cases import services as case_services

        return case_services.submit_case(actor=self._who(who), text=text, channel=channel, place_id=at.pk,
                                         category_code=category, **kw)

    def _handler(self, case, who):
        if who is not None:
            return self._who(who)
        from linli.cases import rules

        handlers = rules.handlers(case)
        assert handlers, f"nobody handles case {case.number} at its level {case.level}"
        return handlers[0]

    def accept(self, case, who=None):
        """A handler of the case at its level (or `who`) accepts it; returns the fresh case."""
        from linli.cases import services as case_services

        case_services.accept_case(actor=self._handler(case, who), case_id=case.pk)
        return _fresh_case(case)

    def answer(self, case, who=None, text: str = "已处理完毕"):
        """A handler (or `who`) answers the case; returns the fresh case."""
        from linli.cases import services as case_services

        case_services.answer_case(actor=self._handler(case, who), case_id=case.pk, answer=text)
        return _fresh_case(case)

    def handle(self, case, who=None, text: str = "已处理完毕"):
        """Accept and answer, by the same handler."""
        handler = self._handler(case, who)
        self.accept(case, handler)
        return self.answer(case, handler, text)

    def verify(self, case, who="resident", outcome: str = "solved", note: str = ""):
        """The reporter (or a verifier, `who`) checks the answer and closes the case (核查)."""
        from linli.cases import services as case_services

        case_services.close_case(actor=self._who(who), case_id=case.pk, outcome=outcome, note=note)
        return _fresh_case(case)

    def place(self, where: str) -> Place:
        return {"inside": self.grid, "above": self.community, "beside": self.other_grid,
                "below": self.dwelling}[where]

    def household_at(self, where: str) -> Household:
        return {"inside": self.household, "below": self.household, "above": self.community_household,
                "beside": self.other_household}[where]

    def resident_at(self, where: str) -> Resident:
        return {"inside": self.resident, "below": self.resident, "above": self.community_resident,
                "beside": self.other_resident}[where]


def api_headers(user: User) -> dict:
    token = account_services.issue_api_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# ---------------------------------------------------------------- query counts


@contextmanager
def queries(*, exactly: int | None = None, at_most: int | None = None, using: str = "default"):
    """Count the statements the block runs; fail with their SQL when the count is not
    `exactly` (or is above `at_most`). Yields the captured list."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections[using]) as ctx:
        yield ctx.captured_queries
    n = len(ctx.captured_queries)
    wrong = (exactly is not None and n != exactly) or (at_most is not None and n > at_most)
    if wrong:
        listing = "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(ctx.captured_queries, 1))
        want = f"exactly {exactly}" if exactly is not None else f"at most {at_most}"
        raise AssertionError(f"{n} statements, expected {want}:\n{listing}")


def same_queries(read, grow):
    """`read()` runs as many statements after `grow()` added rows as before it (a list page
    or endpoint that does not grow with its rows). Returns what the last `read()` returned.
    A first, uncounted `read()` fills the per-process caches (statements compiled once,
    looked-up ids: `core/compiled.py`, `core/cache.py`), whose one-time reads are not rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    read()
    with CaptureQueriesContext(connection) as before:
        read()
    grow()
    with queries(exactly=len(before.captured_queries)) as _after:
        result = read()
    return result


# ---------------------------------------------------------------- races on PostgreSQL

RACE_TIMEOUT = 60


def fresh_user(user) -> User:
    """Each racing thread gets its own user object (the scope read is cached on it)."""
    return User.objects.get(pk=user.pk)


def waiting_on_locks(pids) -> int:
    """How many of the backends `pids` wait on a lock right now (pg_stat_activity)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s) AND wait_event_type = 'Lock'",
                       [list(pids)])
        return cursor.fetchone()[0]


def race_behind_a_lock(hold, calls, *, timeout: float = RACE_TIMEOUT, min_waiters: int | None = None):
    """Prove that writers overlap: `hold()` takes a lock (a row lock, or an uncommitted
    insert) in one connection and keeps it; every call is released through a barrier, each in
    its own thread and connection; the main thread reads pg_stat_activity until ALL callers
    are seen waiting on a lock at once, then lets the holder commit. Every call therefore
    started before any other had changed anything, and the lock alone decided the order.
    Returns (results, the most callers seen waiting at once): one ("ok", value) or
    ("error", DomainError) per call; anything else fails the test. Assert `waited ==
    len(calls)` in the test, so it says what it proves. With `min_waiters`, the holder commits
    as soon as that many callers are seen waiting at once (for races where some calls are
    refused before they reach the lock)."""
    from django.db import connection, transaction

    from linli.core.errors import DomainError

    # pg_stat_activity read inside a transaction is a snapshot that never changes.
    assert not connection.in_atomic_block, "race from a transaction=True test"
    holder_ready, release = threading.Event(), threading.Event()
    pids, pid_lock = set(), threading.Lock()
    barrier = threading.Barrier(len(calls))
    results, crashes = [None] * len(calls), []

    def holder():
        try:
            with transaction.atomic():
                hold()
                holder_ready.set()
                release.wait(timeout)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
            holder_ready.set()
        finally:
            connection.close()

    def run(i, fn):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                with pid_lock:
                    pids.add(cursor.fetchone()[0])
            barrier.wait(timeout)
            results[i] = ("ok", fn())
        except DomainError as exc:
            results[i] = ("error", exc)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
        finally:
            connection.close()

    holding = threading.Thread(target=holder)
    holding.start()
    assert holder_ready.wait(timeout), "the lock holder never got its lock"
    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    enough = len(calls) if min_waiters is None else min_waiters
    deadline, seen = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and not crashes:
        if len(pids) == len(calls):
            seen = max(seen, waiting_on_locks(pids))
            if seen >= enough:
                break
        time.sleep(0.02)
    release.set()
    holding.join(timeout)
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in [holding, *threads]), "a racing thread is stuck"
    assert not crashes, crashes
    assert all(r is not None for r in results), results
    return results, seen


def row_lock(model, pk):
    """A `hold` for race_behind_a_lock: the row lock every service of `model` takes first."""
    return lambda: model.objects.select_for_update().get(pk=pk)


def oks(results) -> list:
    return [v for k, v in results if k == "ok"]


def errors(results) -> list:
    return [v for k, v in results if k == "error"]


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def block_the_outside(page) -> list[str]:
    """In a Playwright page: fail every request to a host other than this machine and
    remember it, so a test can assert a page works offline (no CDN, no tiles by default)."""
    from urllib.parse import urlsplit

    outside: list[str] = []

    def handle(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return outside


@contextmanager
def app_english(translations: dict):
    """An app's declared English (`translations_en.TRANSLATIONS`) in the running catalogue for
    the block, as the regenerated catalogue will have it, so a branch's pages can be checked
    in English before the lead runs `make messages`. Entries the catalogue has are left alone."""
    from django.utils.translation import trans_real

    catalog = trans_real.translation("en")._catalog
    added = {k: v for k, v in translations.items() if isinstance(k, str) and k not in catalog}
    first = catalog._catalogs[0]
    first.update(added)
    try:
        yield
    finally:
        for key in added:
            first.pop(key, None)
