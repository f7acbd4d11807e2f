"""Roll-up of progress and money for a street with 10,000 list items across its communities:
`linli.lists.selectors.place_rollup(street)` (the one roll-up function: the street's total
and one row per community, cancelled items left out) against one hand-written SQL aggregate
over the same rows, in the same run, alternating, several rounds, medians.

Builds its own database (dropped first): `linli_bench_lists`, migrated, one street with
COMMUNITIES communities × GRIDS grids × COMPOUNDS compounds and ITEMS items spread over all
four list levels (street, community, grid, compound).

    DATABASE_URL=postgres://user@host:port/any python bench/bench_lists_rollup.py [--items 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "linli_bench_lists"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--items", type=int, default=10_000)
parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "15")))
parser.add_argument("--explain", action="store_true")
args = parser.parse_args()

sys.path.insert(0, str(ROOT / "bench"))
from timing import setup_own_database  # noqa: E402  (bench/timing.py, beside this script)

setup_own_database(DB_NAME, root=ROOT)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

import timing  # noqa: E402  (bench/timing.py, beside this script)

COMMUNITIES, GRIDS, COMPOUNDS = 8, 6, 5

ROLLUP_SQL = """
SELECT substr(path, 1, %(child_len)s) AS child,
       count(*) FILTER (WHERE status <> 'cancelled')                             AS items,
       count(*) FILTER (WHERE status = 'cancelled')                              AS cancelled,
       coalesce(sum(progress_bp) FILTER (WHERE status <> 'cancelled'), 0)        AS progress_sum,
       coalesce(sum(budget_fen) FILTER (WHERE status <> 'cancelled'), 0)         AS budget_fen,
       coalesce(sum(received_fen) FILTER (WHERE status <> 'cancelled'), 0)       AS received_fen,
       coalesce(sum(spent_fen) FILTER (WHERE status <> 'cancelled'), 0)          AS spent_fen
FROM lists_item
WHERE path LIKE %(like)s
GROUP BY 1
"""


def build(n_items: int):
    from linli.core.actors import SYSTEM
    from linli.lists.models import STATUS_PROGRESS_BP, Item
    from linli.places import services as places

    mk = places.create_place
    district = mk(actor=SYSTEM, parent_id=None, kind_code="district", name="基准区")
    street = mk(actor=SYSTEM, parent_id=district.pk, kind_code="street", name="基准街道")
    holders = [street]
    for c in range(COMMUNITIES):
        community = mk(actor=SYSTEM, parent_id=street.pk, kind_code="community", name=f"社区{c}")
        holders.append(community)
        for g in range(GRIDS):
            grid = mk(actor=SYSTEM, parent_id=community.pk, kind_code="grid", name=f"网格{c}-{g}")
            holders.append(grid)
            for k in range(COMPOUNDS):
                holders.append(mk(actor=SYSTEM, parent_id=grid.pk, kind_code="compound", name=f"小区{c}-{g}-{k}"))
    rng = random.Random(13)
    statuses = ["proposed", "accepted", "in_progress", "in_progress", "done", "done", "cancelled"]
    rows = []
    for i in range(n_items):
        place = rng.choice(holders)
        status = rng.choice(statuses)
        kind = rng.choice(["need", "problem", "project", "project"])
        budget = rng.randrange(0, 5_000_000, 100) if kind == "project" else 0
        received = rng.randrange(0, budget + 1, 100) if budget else 0
        rows.append(Item(kind=kind, title=f"事项{i}", place=place, path=place.path, status=status,
                         starts_on="2026-01-01", progress_bp=rng.randrange(0, 10001) if kind == "project" and
                         status != "cancelled" else STATUS_PROGRESS_BP[status], budget_fen=budget,
                         received_fen=received, spent_fen=rng.randrange(0, received + 1, 100) if received else 0))
    Item.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE lists_item")
    return street


def main():
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    street = build(args.items)
    from linli.lists import selectors

    print(f"database {DB_NAME}: {args.items:,} items under {COMMUNITIES} communities built in "
          f"{time.perf_counter() - started:.1f} s; {args.rounds} rounds, median")
    params = {"child_len": len(street.path) + 4, "like": street.path + "%"}

    def linli_rollup():
        return selectors.place_rollup(street, kind=None)

    def sql_rollup():
        with connection.cursor() as cur:
            cur.execute(ROLLUP_SQL, params)
            return {row[0]: row[1:] for row in cur.fetchall()}

    def check(ours, theirs):
        total, groups = ours
        fields = ("items", "cancelled", "progress_sum", "budget_fen", "received_fen", "spent_fen")
        mine = {k: tuple(getattr(r, f) for f in fields) for k, r in groups.items()}
        if mine != {k: tuple(v) for k, v in theirs.items()}:
            sys.exit(f"FAIL: linli and SQL disagree\n{mine}\n{theirs}")
        print(f"  street: {total.items:,} items counted, {total.cancelled:,} cancelled left out, progress "
              f"{total.progress_bp / 100:.2f}%, budget {total.budget_fen / 100:,.2f}, received "
              f"{total.received_fen / 100:,.2f}, spent {total.spent_fen / 100:,.2f} yuan")

    if args.explain:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            linli_rollup()
        for q in ctx.captured_queries:
            print(q["sql"])
    timing.measure(f"street roll-up of progress and money ({args.items:,} items; aim <= 1.5x)", linli_rollup,
                   sql_rollup, rounds=args.rounds, check=check)


if __name__ == "__main__":
    main()
