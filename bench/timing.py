"""What every benchmark here shares: linli's path against a baseline on the same data in
the same run, alternating, several rounds, the median of each, one printed line; and a
stopwatch for the generators' steps."""

from __future__ import annotations

import statistics
import time


def measure(label: str, linli_fn, baseline_fn, *, rounds: int, check=None,
            baseline_name: str = "hand-written SQL") -> tuple[float, float]:
    """Median milliseconds of (linli, baseline); `check(linli_result, baseline_result)`
    first, so a fast wrong answer cannot pass for a fast right one."""
    first = linli_fn(), baseline_fn()  # also warms caches and plans
    if check is not None:
        check(*first)
    ours, theirs = [], []
    for _ in range(rounds):
        for fn, out in ((linli_fn, ours), (baseline_fn, theirs)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    print(f"{label}: linli {a:.1f} ms, {baseline_name} {b:.1f} ms, ratio {a / b:.2f}x", flush=True)
    return a, b


class timed:
    """`with timed("residents", timings):` prints the step, then its seconds, and keeps them."""

    def __init__(self, label: str, timings: list):
        self.label, self.timings = label, timings

    def __enter__(self):
        self.t = time.perf_counter()
        print(f"  {self.label} …", flush=True)

    def __exit__(self, *exc):
        took = time.perf_counter() - self.t
        self.timings.append((self.label, took))
        print(f"  {self.label}: {took:.1f} s", flush=True)


def setup_own_database(db_name: str, *, root) -> None:
    """A benchmark that builds its own data: (re)create database `db_name` on the PostgreSQL
    server of DATABASE_URL, point Django at it (development mode, DEBUG off as in production:
    with DEBUG on Django keeps every query's SQL, which costs the side with more queries) and
    set Django up. Exits with a message when DATABASE_URL is not PostgreSQL."""
    import os
    import sys
    from urllib.parse import urlparse, urlunparse

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL server (any database on it)")
    import psycopg

    admin_url = urlunparse(urlparse(base)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = urlunparse(urlparse(base)._replace(path="/" + db_name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ.setdefault("LINLI_MODE", "development")
    os.environ.setdefault("LINLI_VAR_DIR", str(root / "var" / "bench"))
    os.environ.setdefault("LINLI_DEBUG", "0")

    import django

    django.setup()
