"""Street figures at city scale: `linli.cases.selectors.figures(user, under=street,
period=year)` for a street official against one hand-written SQL aggregate computing the same
numbers over the same table, in the same run, alternating, several rounds, medians. Run
bench/generate_city.py and bench/generate_cases.py first.

    DATABASE_URL=postgres://user@host:port/linli_bench python bench/bench_case_figures.py [--explain]

--explain prints the query count of linli's path and EXPLAIN (ANALYZE, BUFFERS) of both sides.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_MODE", "development")
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench"))
# As in production: with DEBUG on, Django keeps every query's SQL, which costs the side
# with more queries more.
os.environ.setdefault("LINLI_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

import timing  # noqa: E402  (bench/timing.py, beside this script)
from results import record  # noqa: E402  (bench/results.py)
from django.test.utils import CaptureQueriesContext  # noqa: E402

from linli.accounts.models import RoleAssignment, User  # noqa: E402
from linli.accounts.roles import ROLE_VERBS, Verb  # noqa: E402
from linli.accounts.scope import forget  # noqa: E402
from linli.cases import selectors  # noqa: E402
from linli.cases.models import Case  # noqa: E402
from linli.places.models import Place  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
COUNTS = ("received", "merged", "accepted", "accepted_on_time", "contacted_on_time", "due", "closed_of_due",
          "closed_on_time", "rated", "satisfied", "solved_asked", "solved", "reopened")

# One pass over the street's cases of the period: every figure is a FILTER on the same rows.
# The scope check (the user holds a role granting case.view at the street or above) is part
# of the statement, as a scoped query must make it.
FIGURES_SQL = """
SELECT
  count(*) FILTER (WHERE in_period AND status <> 'merged')                              AS received,
  count(*) FILTER (WHERE in_period AND status = 'merged')                               AS merged,
  count(*) FILTER (WHERE in_period AND accepted_at IS NOT NULL)                         AS accepted,
  count(*) FILTER (WHERE in_period AND accepted_at <= accept_due)                       AS accepted_on_time,
  count(*) FILTER (WHERE in_period AND first_contact_at <= accept_due)                  AS contacted_on_time,
  count(*) FILTER (WHERE is_due)                                                        AS due,
  count(*) FILTER (WHERE is_due AND status = 'closed')                                  AS closed_of_due,
  count(*) FILTER (WHERE is_due AND status = 'closed' AND closed_at <= finish_due)      AS closed_on_time,
  count(*) FILTER (WHERE in_period AND rating <> '')                                    AS rated,
  count(*) FILTER (WHERE in_period AND rating IN ('satisfied', 'basic'))                AS satisfied,
  count(*) FILTER (WHERE in_period AND solved_by_reporter IS NOT NULL)                  AS solved_asked,
  count(*) FILTER (WHERE in_period AND solved_by_reporter)                              AS solved,
  count(*) FILTER (WHERE in_period AND reopened_count > 0)                              AS reopened
FROM (
  SELECT c.*, (c.created_at >= %(start)s AND c.created_at < %(end)s) AS in_period,
         (c.finish_due >= %(start)s AND c.finish_due < %(end)s AND c.status <> 'merged') AS is_due
  FROM cases_case c
  WHERE c.path LIKE %(like)s
    AND ((c.created_at >= %(start)s AND c.created_at < %(end)s)
         OR (c.finish_due >= %(start)s AND c.finish_due < %(end)s))
    AND EXISTS (SELECT 1 FROM accounts_roleassignment ra JOIN places_place p ON p.id = ra.place_id
                WHERE ra.user_id = %(user)s AND ra.is_active AND ra.role = ANY(%(roles)s)
                  AND %(under)s LIKE p.path || '%%')
) c
"""


def official_at(place: Place, role: str) -> User:
    user, _ = User.objects.get_or_create(username=f"bench_{role}_{place.pk}", defaults={"display_name": role})
    RoleAssignment.objects.get_or_create(user=user, role=role, place=place)
    forget(user)
    return user


def explain(sql: str, params) -> str:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--explain", action="store_true", help="query count and EXPLAIN ANALYZE of both sides")
    args = parser.parse_args()

    street = Place.objects.filter(kind__code="street").order_by("path").first()
    official = official_at(street, "street_official")
    end = Case.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if end is None:
        sys.exit("no cases: run bench/generate_cases.py first")
    # The year up to just after the newest case (the generator's "now").
    period = selectors.Period.days(365, until=end + selectors.dt.timedelta(seconds=1))
    n_street = Case.objects.filter(path__startswith=street.path).count()
    n_all = Case.objects.count()
    print(f"street {street.name}: {n_street:,} of {n_all:,} cases; period {period.start:%Y-%m-%d} – "
          f"{period.end:%Y-%m-%d}; {ROUNDS} rounds, median")

    roles = [str(role) for role, verbs in ROLE_VERBS.items() if Verb.CASE_VIEW in verbs]
    params = {"start": period.start, "end": period.end, "like": street.path + "%", "under": street.path,
              "user": official.pk, "roles": roles}

    # Each call forgets the user's cached scope, as a fresh request would.
    def linli_figures():
        forget(official)
        return selectors.figures(official, under=street, period=period)

    def sql_figures():
        with connection.cursor() as cur:
            cur.execute(FIGURES_SQL, params)
            cols = [c.name for c in cur.description]
            return dict(zip(cols, cur.fetchone()))

    ours, theirs = linli_figures(), sql_figures()
    mismatch = {k: (ours[k], theirs[k]) for k in COUNTS if ours[k] != theirs[k]}
    if mismatch:
        sys.exit(f"FAIL: linli and SQL disagree (linli, SQL): {mismatch}")
    print("  figures: " + ", ".join(f"{k} {ours[k]:,}" for k in COUNTS))
    print(f"  rates: closing {ours['closing_rate']}, on time {ours['closed_on_time_rate']}, "
          f"response {ours['response_rate']}, solved {ours['solved_rate']}, satisfaction {ours['satisfaction_rate']}")

    if args.explain:
        forget(official)
        with CaptureQueriesContext(connection) as ctx:
            linli_figures()
        print(f"linli: {len(ctx.captured_queries)} queries")
        for q in ctx.captured_queries:
            print(f"  {q['time']} s  {q['sql'][:2000]}")
        last = ctx.captured_queries[-1]["sql"]
        print("EXPLAIN ANALYZE linli's aggregate:\n" + explain(last, None))
        print("EXPLAIN ANALYZE hand-written SQL:\n" + explain(FIGURES_SQL, params))

    a, b = timing.measure(f"street figures over a year ({n_street:,} cases under the street; aim <= 1.5x)",
                          linli_figures, sql_figures, rounds=ROUNDS)
    record("street figures over a year", a / b, 1.5, detail=f"{a:.1f} vs {b:.1f} ms")


if __name__ == "__main__":
    main()
