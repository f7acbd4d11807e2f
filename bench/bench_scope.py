"""Scoped reads at city scale: linli's path (the scope module and the places selectors,
through the ORM) against the best hand-written SQL over the same tables, in the same run,
alternating, several rounds, medians. Run bench/generate_city.py first.

    DATABASE_URL=postgres://user@host:port/linli_bench python bench/bench_scope.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_MODE", "development")
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench"))
# As in production: with DEBUG on, Django keeps every query's SQL.
os.environ.setdefault("LINLI_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

import timing  # noqa: E402  (bench/timing.py, beside this script)
from results import record  # noqa: E402
from linli.accounts.models import RoleAssignment, User  # noqa: E402
from linli.accounts.scope import forget  # noqa: E402
from linli.places import selectors  # noqa: E402
from linli.places.models import CareTag, Place  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def measure(label, linli_fn, sql_fn, *, check=None) -> float:
    a, b = timing.measure(label, linli_fn, sql_fn, rounds=ROUNDS, check=check)
    return a / b


def official_at(place: Place, role: str) -> User:
    user, _ = User.objects.get_or_create(username=f"bench_{role}_{place.pk}", defaults={"display_name": role})
    RoleAssignment.objects.get_or_create(user=user, role=role, place=place)
    forget(user)
    return user


def main():
    street = Place.objects.filter(kind__code="street").order_by("path").first()
    community = Place.objects.filter(kind__code="community", path__startswith=street.path).order_by("path").first()
    tag = CareTag.objects.get(code="elderly_alone")
    street_official = official_at(street, "street_official")
    secretary = official_at(community, "community_secretary")
    n_res = selectors.Resident.objects.filter(path__startswith=street.path).count()
    print(f"street {street.name} ({n_res:,} residents), community {community.name}, tag {tag.name}, "
          f"{ROUNDS} rounds, median")

    def sql(query, params):
        with connection.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    like = street.path + "%"

    # The hand-written side enforces scope too: it reads the user's role places first, as any
    # scoped query must, then filters by the subtree they reach.
    def role_paths(user_id):
        return [r[0] for r in sql("SELECT p.path FROM accounts_roleassignment ra JOIN places_place p "
                                  "ON p.id = ra.place_id WHERE ra.user_id = %s AND ra.is_active", [user_id])]

    # 1. All residents under this street with care tag X: a page of 50 by path, and the count.
    # Each call forgets the user's cached scope, as a fresh request would (loading the user
    # itself is the session middleware's work in both worlds, so it is not timed).
    def linli_page():
        user = street_official
        forget(user)
        qs = selectors.residents_with_tag(user, under=street, tag_code=tag.code)
        return list(qs.order_by("path", "id").values_list("id", "name", "path")[:50])

    def sql_page():
        assert any(street.path.startswith(p) for p in role_paths(street_official.pk))
        return sql("SELECT r.id, r.name, r.path FROM places_resident r "
                   "JOIN places_resident_care_tags rt ON rt.resident_id = r.id "
                   "WHERE r.path LIKE %s AND rt.caretag_id = %s AND r.lives_here "
                   "ORDER BY r.path, r.id LIMIT 50", [like, tag.pk])

    def linli_count():
        user = street_official
        forget(user)
        return selectors.residents_with_tag(user, under=street, tag_code=tag.code).count()

    def sql_count():
        assert any(street.path.startswith(p) for p in role_paths(street_official.pk))
        return sql("SELECT count(*) FROM places_resident r JOIN places_resident_care_tags rt "
                   "ON rt.resident_id = r.id WHERE r.path LIKE %s AND rt.caretag_id = %s AND r.lives_here",
                   [like, tag.pk])[0][0]

    def same_rows(a, b):
        assert [tuple(x) for x in a] == [tuple(x) for x in b], "linli and SQL disagree"

    def same_count(a, b):
        assert a == b, f"linli {a} != SQL {b}"

    r1 = measure("residents under a street with a care tag, first page of 50", linli_page, sql_page,
                 check=same_rows)
    r2 = measure("residents under a street with a care tag, count", linli_count, sql_count, check=same_count)

    # 2. Counts per grid under this community: households, residents and residents per care tag.
    cpath = community.path

    # linli: what the community's place page calls (its grids are its children; the script
    # checks both sides list the same grids).
    def linli_counts():
        user = secretary
        forget(user)
        return {g.path: (c["households"], c["residents"], sum(c["tags"].values()))
                for g, c in selectors.children_with_counts(user, community)}

    def sql_counts():
        assert any(cpath.startswith(p) for p in role_paths(secretary.pk))
        grids = sql("SELECT p.path, p.depth FROM places_place p JOIN places_placekind k ON k.id = p.kind_id "
                    "WHERE p.path LIKE %s AND k.code = 'grid'", [cpath + "%"])
        n = grids[0][1] * 4 if grids else 4
        hh = dict(sql("SELECT substr(path, 1, %s), count(*) FROM places_household WHERE path LIKE %s GROUP BY 1",
                      [n, cpath + "%"]))
        res = dict(sql("SELECT substr(path, 1, %s), count(*) FROM places_resident WHERE path LIKE %s AND lives_here "
                       "GROUP BY 1", [n, cpath + "%"]))
        tags = {}
        for prefix, _tag, count in sql("SELECT substr(r.path, 1, %s), rt.caretag_id, count(*) FROM places_resident r "
                                       "JOIN places_resident_care_tags rt ON rt.resident_id = r.id "
                                       "WHERE r.path LIKE %s AND r.lives_here GROUP BY 1, 2", [n, cpath + "%"]):
            tags[prefix] = tags.get(prefix, 0) + count
        return {p: (hh.get(p, 0), res.get(p, 0), tags.get(p, 0)) for p, _d in grids}

    r3 = measure("counts per grid under a community (households, residents, care tags)", linli_counts, sql_counts,
                 check=same_count)
    worst = max(r1, r2, r3)
    print(f"worst ratio {worst:.2f}x (aim <= 1.5x)")
    record("scoped read: residents with a care tag under a street, page of 50", r1, 1.5)
    record("scoped read: same, count", r2, 1.5)
    record("counts per grid under a community", r3, 1.5)


if __name__ == "__main__":
    main()
