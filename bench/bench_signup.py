"""Sign-up throughput for one popular activity: 20 concurrent client processes calling linli's
`activities.services.sign_up` (lock the activity row, expire stale offers, eligibility,
count places used, insert the participation and its history entry, promotion) against a
bare locked counter update on the same server (`SELECT … FOR UPDATE` of one row, `UPDATE
… SET n = n + 1`, commit), the same number of operations per round, alternating rounds,
median. Half the sign-ups of a round find the activity full and join the waiting list.

    DATABASE_URL=postgres://user@host:port/postgres python bench/bench_signup.py

    DATABASE_URL=… python bench/bench_signup.py --profile   # one process, one sign-up at a time

--profile signs up 400 people one after another in one process and prints the statements
per sign-up, the time per sign-up split into database round trips and Python, and the
cProfile top entries (where the Python time goes).

Creates (dropping first) its own database `linli_bench_signup` (`--db` to name another)."""

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
parser.add_argument("--profile", action="store_true")
parser.add_argument("--db", default=DB_NAME)
args = parser.parse_args()

sys.path.insert(0, str(ROOT / "bench"))
from timing import setup_own_database  # noqa: E402  (bench/timing.py, beside this script)

setup_own_database(args.db, root=ROOT)

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
    if args.profile:
        return profile(city, users, services, Participation)
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


def profile(city, users, services, Participation):
    """Sign-ups one at a time in this process: statements, database and Python time, cProfile."""
    import cProfile
    import io
    import pstats
    from datetime import timedelta

    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from linli.accounts.models import User
    from linli.core.actors import SYSTEM

    n = 400
    start = timezone.now() + timedelta(days=7)
    a = services.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="culture", title="热门活动",
                                 starts_at=start, ends_at=start + timedelta(hours=2), capacity=n // 2)
    people = [User.objects.get(pk=u.pk) for u in users[:n + 1]]
    services.sign_up(actor=people[n], activity_id=a.pk)  # warm-up
    in_db = [0.0]

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_db[0] += time.perf_counter() - t

    with CaptureQueriesContext(connection) as seen:
        services.sign_up(actor=people[0], activity_id=a.pk)
    print(f"statements per sign-up: {len(seen.captured_queries)}")
    for q in seen.captured_queries:
        print("   ", q["sql"][:150])
    prof = cProfile.Profile()
    with connection.execute_wrapper(timed):
        t = time.perf_counter()
        prof.enable()
        for person in people[1:n]:
            services.sign_up(actor=person, activity_id=a.pk)
        prof.disable()
        took = time.perf_counter() - t
    each, db = took * 1000 / (n - 1), in_db[0] * 1000 / (n - 1)
    print(f"one at a time: {each:.2f} ms per sign-up, {db:.2f} ms of it in the database round trips, "
          f"{each - db:.2f} ms Python (with cProfile on)")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue())


if __name__ == "__main__":
    main()
