"""Pages a role uses every day, on the city-scale data: server-side time at one client.

Each page is requested through Django's in-process test Client (the whole middleware stack:
session, authentication, CSRF, locale; the template rendered), so the time is the server's
time to answer, without a network or a WSGI server. DEBUG is off and the database connection
persists across requests (as with CONN_MAX_AGE > 0 or a pooler). Several rounds, the pages
alternating within each round; the median per page. Aim: under 100 ms.

People (created here if missing, with their role where the data is densest):
- a street official at the street with the most cases: 诉求列表 /cases/ (the cases in scope,
  first page, with the paginator's count) and the figures of the street /cases/figures/;
- a community secretary at the busiest community under that street: /cases/figures/;
- a grid worker at the grid with the most open cases: 我的待办 /cases/queue/;
- the reporter with the most cases: 我的诉求 /cases/mine/.

    DATABASE_URL=postgres://user@host:port/linli_bench python bench/bench_pages.py
Run bench/generate_city.py and bench/generate_cases.py first.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
os.environ.setdefault("LINLI_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("LINLI_DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["CONN_MAX_AGE"] = None
settings.ALLOWED_HOSTS = ["*"]

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import Substr  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from linli.accounts.models import RoleAssignment, User  # noqa: E402
from linli.cases.models import Case  # noqa: E402
from linli.places.models import Place  # noqa: E402
from results import record  # noqa: E402  (bench/results.py, beside this script)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
AIM_MS = 100.0


def person_at(place: Place, role: str) -> User:
    user, _ = User.objects.get_or_create(username=f"bench_{role}_{place.pk}", defaults={"display_name": role})
    RoleAssignment.objects.get_or_create(user=user, role=role, place=place, defaults={"is_active": True})
    return user


def busiest(kind: str, under: str, *, open_only: bool = False) -> Place:
    """The place of `kind` under `under` with the most cases (open ones with open_only)."""
    candidates = {p.path: p for p in Place.objects.filter(kind__code=kind, path__startswith=under)}
    length = len(next(iter(candidates)))
    cases = Case.objects.filter(path__startswith=under)
    if open_only:
        cases = cases.filter(status__in=Case.OPEN)
    counts = {}
    for path, n in cases.annotate(prefix=Substr("path", 1, length)).values_list("prefix").annotate(n=Count("id")):
        counts[path] = n
    return candidates[max(candidates, key=lambda p: counts.get(p, 0))]


def main():
    streets = {p.path: p for p in Place.objects.filter(kind__code="street")}
    street_len = len(next(iter(streets)))
    by_street = dict(Case.objects.annotate(prefix=Substr("path", 1, street_len)).values_list("prefix")
                     .annotate(n=Count("id")))
    street = streets[max(streets, key=lambda p: by_street.get(p, 0))]
    community = busiest("community", street.path)
    grid = busiest("grid", street.path, open_only=True)
    reporter_id = (Case.objects.filter(reporter__isnull=False).values("reporter_id").annotate(n=Count("id"))
                   .order_by("-n").values_list("reporter_id", flat=True).first())
    official = person_at(street, "street_official")
    secretary = person_at(community, "community_secretary")
    worker = person_at(grid, "grid_worker")
    resident = User.objects.get(pk=reporter_id)

    n_street = Case.objects.filter(path__startswith=street.path).count()
    n_open = Case.objects.filter(handler_place=grid, status__in=Case.OPEN).count()
    n_mine = Case.objects.filter(reporter=resident).count()
    print(f"street {street.name} ({n_street:,} of {Case.objects.count():,} cases), community {community.name}, "
          f"grid {grid.name} ({n_open} open cases handled there), reporter with {n_mine} cases; "
          f"{ROUNDS} rounds, median", flush=True)

    pages = [
        ("street official: case list /cases/", official, "/cases/"),
        ("street official: public cases /cases/?public=1", official, "/cases/?public=1"),
        ("street official: street figures /cases/figures/", official, f"/cases/figures/?under={street.pk}"),
        ("community secretary: figures /cases/figures/", secretary, f"/cases/figures/?under={community.pk}"),
        ("grid worker: queue /cases/queue/", worker, "/cases/queue/"),
        ("resident: my cases /cases/mine/", resident, "/cases/mine/"),
    ]
    clients = {}
    for _label, user, _url in pages:
        if user.pk not in clients:
            client = Client()
            client.force_login(user)
            clients[user.pk] = client

    def get(user, url):
        r = clients[user.pk].get(url)
        if r.status_code != 200:
            raise SystemExit(f"FAIL: {url} as {user} answered {r.status_code}: {r.content[:300]!r}")
        return r

    counts = {}
    for label, user, url in pages:  # warm up: imports, templates, plans; and count statements
        get(user, url)
        with CaptureQueriesContext(connection) as ctx:
            get(user, url)
        counts[label] = len(ctx.captured_queries)
    times = {label: [] for label, _u, _url in pages}
    for i in range(ROUNDS):
        order = pages if i % 2 == 0 else pages[::-1]
        for label, user, url in order:
            t = time.perf_counter()
            get(user, url)
            times[label].append((time.perf_counter() - t) * 1000)
    worst = 0.0
    for label, _u, _url in pages:
        ms = statistics.median(times[label])
        worst = max(worst, ms)
        print(f"{label}: {ms:.1f} ms ({counts[label]} statements; aim < {AIM_MS:.0f} ms)", flush=True)
        record(f"page: {label}", ms, AIM_MS, unit="ms", detail=f"{counts[label]} statements")
    print(f"slowest page {worst:.1f} ms (aim < {AIM_MS:.0f} ms)")


if __name__ == "__main__":
    main()
