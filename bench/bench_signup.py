"""Sign-up throughput for one popular activity: 20 concurrent client processes calling linli's
`activities.services.sign_up` (lock the activity row, expire stale offers, eligibility,
count places used, insert the participation and its history entry, promotion) against a
bare locked counter update on the same server (`SELECT … FOR UPDATE` of one row, `UPDATE
… SET n = n + 1`, commit), the same number of operations per round, alternating rounds,
median. Half the sign-ups of a round find the activity full and join the waiting list.

    DATABASE_URL=postgres://user@host:port/postgres python bench/bench_signup.py

Creates (dropping first) its own database `linli_bench_signup`."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "linli_bench_signup"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
parser.add_argument("--clients", type=int, default=20)
parser.add_argument("--per-client", type=int, default=20)
args = parser.parse_args()

sys.path.insert(0, str(ROOT / "bench"))
from timing import setup_own_database  # noqa: E402  (bench/timing.py, beside this script)

setup_own_database(DB_NAME, root=ROOT)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402


def run_clients(work) -> float:
    """Seconds for `args.clients` client processes (as web workers would be: no shared
    interpreter lock), released together, each calling work(client, i) with its own
    connection."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(args.clients + 1)
    failed = ctx.Value("i", 0)
    connection.close()  # children must not share the parent's connection

    def client(c):
        try:
            barrier.wait()
            for i in range(args.per_client):
                work(c, i)
        except Exception:  # pragma: no cover
            import traceback

            traceback.print_exc()
            failed.value += 1
        finally:
            connection.close()

    procs = [ctx.Process(target=client, args=(c,)) for c in range(args.clients)]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    for p in procs:
        p.join()
    took = time.perf_counter() - started
    if failed.value:
        raise RuntimeError(f"{failed.value} clients failed")
    return took


def main():
    call_command("migrate", verbosity=0)
    from datetime import timedelta

    from django.utils import timezone

    from linli.accounts.models import RoleAssignment, User
    from linli.activities import services
    from linli.activities.models import Participation
    from linli.core.actors import SYSTEM
    from linli.testing import City

    city = City()
    per_round = args.clients * args.per_client
    users = User.objects.bulk_create([User(username=f"bench{i}", display_name=f"居民{i}")
                                      for i in range(per_round * (args.rounds + 1))])
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role="resident", place=city.dwelling) for u in users])
    users = list(User.objects.filter(username__startswith="bench").order_by("id"))
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL)")
        cur.execute("INSERT INTO bench_counter VALUES (1, 0)")
    print(f"{args.clients} clients × {args.per_client} sign-ups per round, {args.rounds} rounds, median", flush=True)

    def linli_round(r):
        start = timezone.now() + timedelta(days=7)
        a = services.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="culture", title=f"热门活动{r}",
                                     starts_at=start, ends_at=start + timedelta(hours=2), capacity=per_round // 2)
        mine = users[r * per_round:(r + 1) * per_round]

        def work(c, i):
            services.sign_up(actor=User.objects.get(pk=mine[c * args.per_client + i].pk), activity_id=a.pk)

        took = run_clients(work)
        counts = {s: Participation.objects.filter(activity=a, status=s).count() for s in ("confirmed", "waiting")}
        assert counts == {"confirmed": per_round // 2, "waiting": per_round - per_round // 2}, counts
        return took

    def bare_round(_r):
        def work(c, i):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SELECT n FROM bench_counter WHERE id = 1 FOR UPDATE")
                cur.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1")

        return run_clients(work)

    linli_round(args.rounds)  # warm-up (uses the spare users)
    ours, theirs = [], []
    for r in range(args.rounds):
        ours.append(linli_round(r))
        theirs.append(bare_round(r))
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"sign-up, one popular activity, {args.clients} clients: linli {per_round / a:.0f}/s "
          f"({a * 1000 / per_round:.2f} ms each), bare locked counter update {per_round / b:.0f}/s "
          f"({b * 1000 / per_round:.2f} ms each), ratio {a / b:.2f}x", flush=True)


if __name__ == "__main__":
    main()
