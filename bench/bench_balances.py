"""Balances of 100,000 points accounts: linli's read (the balance column kept in the
transaction of each movement, `PointAccount` rows through the ORM) and linli's recompute
check (`points.recompute.differences`: balances, lots and stock against their entries)
against hand-written SQL deriving the same from the entries, on the same data, alternating
rounds, median.

    DATABASE_URL=postgres://user@host:port/postgres python bench/bench_balances.py [--accounts 100000]

Creates (dropping first) its own database `linli_bench_balances`; the ledger (an award
and a redemption per account: 3 entries each, balanced) is written with INSERT … SELECT."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "linli_bench_balances"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
parser.add_argument("--accounts", type=int, default=100_000)
args = parser.parse_args()

sys.path.insert(0, str(ROOT / "bench"))
from timing import setup_own_database  # noqa: E402  (bench/timing.py, beside this script)

setup_own_database(DB_NAME, root=ROOT)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.timing import measure  # noqa: E402


def build(n: int) -> None:
    from linli.core.actors import SYSTEM
    from linli.points import services
    from linli.testing import City

    city = City()
    for kind in ("issued", "held", "spent"):
        services.system_account(kind)
    c = city.community
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined, display_name, phone_enc, phone_masked)
                       SELECT '', false, 'bal' || g, '', '', '', false, true, now(), '居民' || g, '', ''
                       FROM generate_series(1, %s) g""", [n])
        cur.execute("""INSERT INTO points_pointaccount (kind, owner_id, community_id, path, balance, created_at)
                       SELECT 'person', id, %s, %s, 0, now() FROM accounts_user WHERE username LIKE 'bal%%'""",
                    [c.pk, c.path])
        # Per account: an award of 20 + (id % 50), then a redemption of 10 (held → spent).
        cur.execute("""INSERT INTO points_pointtransfer (at, kind, note, is_internal, data, path)
                       SELECT now(), k, '', false, jsonb_build_object('account', a.id), a.path
                       FROM points_pointaccount a CROSS JOIN (VALUES ('award'), ('redeem')) v(k)
                       WHERE a.kind = 'person'""")
        cur.execute("""INSERT INTO points_pointentry (transfer_id, account_id, amount, at)
                       SELECT t.id, (t.data->>'account')::bigint,
                              CASE t.kind WHEN 'award' THEN 20 + (t.data->>'account')::bigint % 50 ELSE -10 END, now()
                       FROM points_pointtransfer t
                       UNION ALL
                       SELECT t.id, CASE t.kind WHEN 'award' THEN i.id ELSE h.id END,
                              CASE t.kind WHEN 'award' THEN -(20 + (t.data->>'account')::bigint % 50) ELSE 10 END, now()
                       FROM points_pointtransfer t,
                            (SELECT id FROM points_pointaccount WHERE kind = 'issued') i,
                            (SELECT id FROM points_pointaccount WHERE kind = 'held') h""")
        cur.execute("""UPDATE points_pointaccount a SET balance = s.total FROM
                       (SELECT account_id, sum(amount) total FROM points_pointentry GROUP BY account_id) s
                       WHERE s.account_id = a.id AND a.kind = 'person'""")
        cur.execute("ANALYZE")
    print(f"{n} accounts, {n * 2} transfers, {n * 4} entries written in {time.perf_counter() - started:.1f} s",
          flush=True)
    assert SYSTEM


def main():
    call_command("migrate", verbosity=0)
    build(args.accounts)
    from linli.points.models import PointAccount
    from linli.points.recompute import differences

    def linli_balances():
        return dict(PointAccount.objects.filter(kind="person").values_list("owner_id", "balance"))

    def sql_balances():
        with connection.cursor() as cur:
            cur.execute("""SELECT a.owner_id, coalesce(sum(e.amount), 0) FROM points_pointaccount a
                           LEFT JOIN points_pointentry e ON e.account_id = a.id
                           WHERE a.kind = 'person' GROUP BY a.owner_id""")
            return dict(cur.fetchall())

    def same(ours, theirs):
        assert ours == theirs, "balances differ"

    measure(f"balances of {args.accounts:,} accounts (linli: the kept column; SQL: sum of entries)",
            linli_balances, sql_balances, rounds=args.rounds, check=same)

    def sql_check():
        with connection.cursor() as cur:
            cur.execute("""SELECT count(*) FROM points_pointaccount a
                           LEFT JOIN (SELECT account_id, sum(amount) s FROM points_pointentry GROUP BY account_id) e
                             ON e.account_id = a.id
                           WHERE a.kind = 'person' AND a.balance <> coalesce(e.s, 0)""")
            bad = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM (SELECT transfer_id FROM points_pointentry GROUP BY transfer_id "
                        "HAVING sum(amount) <> 0) x")
            return bad + cur.fetchone()[0]

    measure(f"recompute check of {args.accounts:,} accounts (linli: points_recompute; SQL: two aggregates)",
            lambda: len(differences()), sql_check, rounds=max(3, args.rounds // 2),
            check=lambda a, b: (a == 0 and b == 0) or (_ for _ in ()).throw(AssertionError("differences found")))


if __name__ == "__main__":
    main()
