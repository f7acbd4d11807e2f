"""Case intake throughput: linli's real API path against a bare Django Ninja endpoint, through
the same in-process Django test Client, on the same PostgreSQL database, in the same run,
alternating rounds, medians.

- linli: POST /api/v1/cases with a bearer token and an Idempotency-Key (token look-up, the
  idempotency claim and stored answer, `cases.services.submit_case`: place, category,
  routing rule and handler look-ups, the case, its timeline events, the handlers' notices
  and the audit entry, then the answer with its timeline), one transaction;
- bare: POST /bench/intake on a Ninja API defined here, no auth, which validates the same
  body with a Schema and INSERTs one row into a plain table created by this script.

Both go through Django's whole middleware stack. The database is a small scoped one
created here (dropped first): `linli_bench_intake`, migrated, with the test city of
linli.testing.City and a building head and grid worker to be notified.

    DATABASE_URL=postgres://user@host:port/postgres python bench/bench_case_intake.py [--profile]

--profile prints the cProfile top entries of linli's requests (where the time goes).
--reconnect keeps the settings' CONN_MAX_AGE=0 (a new database connection per request);
by default the connection persists across requests, as with CONN_MAX_AGE > 0 or a pooler.
--suggest leaves the category out so triage suggests one.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "linli_bench_intake"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "7")))
parser.add_argument("--requests", type=int, default=200, help="requests per side per round")
parser.add_argument("--profile", action="store_true")
parser.add_argument("--reconnect", action="store_true")
parser.add_argument("--suggest", action="store_true")
parser.add_argument("--profile-dump", metavar="FILE", help="with --profile: also write the cProfile stats to FILE "
                    "(read it with pstats, e.g. print_callers)")
parser.add_argument("--server-binding", action="store_true",
                    help="psycopg server-side binding (OPTIONS server_side_binding): a statement run five "
                         "times on a connection is prepared, so PostgreSQL stops planning it; an experiment, "
                         "not linli's setting")
args = parser.parse_args()

sys.path.insert(0, str(ROOT / "bench"))
from timing import setup_own_database  # noqa: E402  (bench/timing.py, beside this script)

setup_own_database(DB_NAME, root=ROOT)

from django.conf import settings  # noqa: E402

if not args.reconnect:
    settings.DATABASES["default"]["CONN_MAX_AGE"] = None
if args.server_binding:
    settings.DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
# One reporter files every request: lift the per-person limit's count (its UPDATE still runs,
# so the limit's cost stays in the measurement).
settings.LINLI_CASE_RATE_RESIDENT = settings.LINLI_CASE_RATE_STAFF = (10**9, 3600)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from ninja import NinjaAPI, Schema  # noqa: E402
from ninja import Status as NinjaStatus  # noqa: E402
from pydantic import Field  # noqa: E402

# ---------------------------------------------------------------- the bare endpoint

bare_api = NinjaAPI(urls_namespace="bench_bare", docs_url=None, openapi_url=None)


class BareIn(Schema):
    text: str = Field(..., max_length=2000)
    place_id: int = Field(..., ge=1, le=2**63 - 1)
    category: str | None = Field(None, max_length=48)


@bare_api.post("/intake", response={201: dict})
def bare_intake(request, payload: BareIn):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO bench_intake (text, place_id, category) VALUES (%s, %s, %s) RETURNING id",
                    [payload.text, payload.place_id, payload.category])
        return NinjaStatus(201, {"id": cur.fetchone()[0]})


# The same endpoint making as many round trips as linli's request (trivial `SELECT 1`s before
# its INSERT): what the round trips alone cost on this machine, i.e. the best ratio linli
# could reach with its number of statements and no Python of its own at all.
ROUND_TRIPS = {"n": 0}


@bare_api.post("/intake-trips", response={201: dict})
def bare_intake_trips(request, payload: BareIn):
    with transaction.atomic(), connection.cursor() as cur:
        for _ in range(ROUND_TRIPS["n"]):
            cur.execute("SELECT 1")
            cur.fetchone()
        cur.execute("INSERT INTO bench_intake (text, place_id, category) VALUES (%s, %s, %s) RETURNING id",
                    [payload.text, payload.place_id, payload.category])
        return NinjaStatus(201, {"id": cur.fetchone()[0]})


# This module is the URL conf: the bare API next to all of linli's URLs.
urlpatterns = [path("bench/", bare_api.urls), path("", include("linli.urls"))]


def main():
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_intake (id bigserial PRIMARY KEY, text text NOT NULL, "
                    "place_id bigint NOT NULL, category varchar(48), created_at timestamptz NOT NULL DEFAULT now())")

    from linli.accounts import services as account_services
    from linli.core.actors import SYSTEM
    from linli.testing import City, next_phone

    city = City()
    city.user_with("building_head", at=city.building)
    city.user_with("grid_worker", at=city.grid)
    reporter = account_services.create_user(actor=SYSTEM, display_name="李大爷", phone=next_phone())
    token = account_services.issue_api_token(user=reporter, name="bench")
    print(f"database {DB_NAME}: migrated and city built in {time.perf_counter() - started:.1f} s; "
          f"{args.rounds} rounds of {args.requests} requests per side, median"
          + ("; a new database connection per request" if args.reconnect else ""), flush=True)

    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    counter = iter(range(10**9))

    def body() -> dict:
        n = next(counter)
        out = {"text": f"楼上装修噪音很大，晚上十一点后还在施工，第{n}次反映", "place_id": city.dwelling.pk}
        if not args.suggest:
            out["category"] = "noise"
        return out

    def linli_once():
        r = client.post("/api/v1/cases", data=json.dumps(body(), ensure_ascii=False),
                        content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **auth)
        if r.status_code != 201:
            raise SystemExit(f"FAIL: linli answered {r.status_code}: {r.content[:500]!r}")

    def bare_once():
        r = client.post("/bench/intake", data=json.dumps(body(), ensure_ascii=False),
                        content_type="application/json")
        if r.status_code != 201:
            raise SystemExit(f"FAIL: bare endpoint answered {r.status_code}: {r.content[:500]!r}")

    # Warm up (imports, URL resolver, plans), and count each side's queries once.
    for _ in range(20):
        linli_once(), bare_once()
    queries = {}
    for name, fn in (("linli", linli_once), ("bare", bare_once)):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries[name] = len(ctx.captured_queries)

    def trips_once():
        r = client.post("/bench/intake-trips", data=json.dumps(body(), ensure_ascii=False),
                        content_type="application/json")
        if r.status_code != 201:
            raise SystemExit(f"FAIL: bare endpoint with round trips answered {r.status_code}: {r.content[:500]!r}")

    # As many statements as linli's request: BEGIN, the SELECTs, INSERT, COMMIT.
    ROUND_TRIPS["n"] = max(0, queries["linli"] - queries["bare"])
    for _ in range(20):
        trips_once()
    with CaptureQueriesContext(connection) as ctx:
        trips_once()
    queries["trips"] = len(ctx.captured_queries)

    ours, theirs, trips = [], [], []
    for i in range(args.rounds):
        # Alternate which side goes first, so neither always runs on a warmer machine.
        sides = [(linli_once, ours), (bare_once, theirs), (trips_once, trips)]
        for fn, out in (sides if i % 2 == 0 else sides[::-1]):
            t = time.perf_counter()
            for _ in range(args.requests):
                fn()
            out.append(args.requests / (time.perf_counter() - t))
    a, b, c = statistics.median(ours), statistics.median(theirs), statistics.median(trips)
    print(f"case intake (POST /api/v1/cases, token + Idempotency-Key, {queries['linli']} queries): "
          f"linli {a:.0f} req/s, bare Ninja endpoint ({queries['bare']} queries) {b:.0f} req/s, "
          f"ratio {a / b:.2f} (aim >= 0.25)", flush=True)
    print(f"  the bare endpoint with linli's round trips ({queries['trips']} statements): {c:.0f} req/s, "
          f"ratio {c / b:.2f}: the best linli could reach with {queries['linli']} statements; "
          f"linli reaches {a / c:.2f} of it", flush=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from results import record

    record("case intake vs a bare one-row endpoint", a / b, 0.25, higher_is_better=True, unit="",
           detail=f"{a:.0f} vs {b:.0f} req/s, {queries['linli']} vs {queries['bare']} statements")

    if args.profile:
        # Time inside the driver's execute (the round trip and the server's work) vs the rest.
        for name, fn in (("linli", linli_once), ("bare", bare_once)):
            in_db = []
            per_statement = {}

            def timed_execute(execute, sql, params, many, context, in_db=in_db, per_statement=per_statement):
                t = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    took = time.perf_counter() - t
                    in_db.append(took)
                    per_statement.setdefault(" ".join(sql.split()[:3])[:60], []).append(took)

            t = time.perf_counter()
            with connection.execute_wrapper(timed_execute):
                for _ in range(args.requests):
                    fn()
            total = (time.perf_counter() - t) / args.requests * 1000
            db = sum(in_db) / args.requests * 1000
            print(f"--- {name}: {total:.2f} ms per request, {db:.2f} ms of it in {len(in_db) / args.requests:.0f} "
                  f"statements (BEGIN and COMMIT not counted), {total - db:.2f} ms in Python")
            for what, times in per_statement.items():
                print(f"      {statistics.median(times) * 1000:6.2f} ms median, {len(times) / args.requests:.0f} "
                      f"per request: {what}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            linli_once()
        profiler.disable()
        if args.profile_dump:
            profiler.dump_stats(args.profile_dump)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(60)
            print(f"--- cProfile of {args.requests} linli requests, by {order}\n{out.getvalue()}")
        with CaptureQueriesContext(connection) as ctx:
            linli_once()
        print("--- linli's queries for one request")
        for q in ctx.captured_queries:
            print(f"  {q['sql'][:240]}")


if __name__ == "__main__":
    main()
