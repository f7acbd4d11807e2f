"""The tally of an owners' vote: linli's counting path against one hand-written SQL aggregate
over the same rows, in the same run, alternating rounds, medians.

Data (built here in its own database `linli_bench_votes`, dropped first): one compound (金穗苑) of
50 buildings × 100 dwellings (5,000), areas 50.00–149.99 m²; 4,450 owners, 150 of them own two
dwellings and 50 own three (one owner each, areas added), 300 dwellings are the developer's
unsold ones (one owner together); an owners' vote with an ordinary and a special matter,
frozen by `services.publish_notice`; 4,000 electors vote — 3,400 online, 300 on paper typed
twice by two clerks (`services.enter_paper_ballot`), 300 by proxy — and 500 of them vote
again (replaced ballots stay in the history; one counts).

The data is ANALYZEd once built (as autovacuum would have it on a live server). Two lines, each
checked equal first, then timed alternately (medians), printed and recorded for `make bench`'s
table (aim ≤ 1.5x):

- the overall tally: `selectors.overall_result` (`selectors.ballot_counts`, one GROUP BY through
  the ORM, passed to `tally.tally`: quorum, thresholds, by cross-multiplication) against one
  hand-written aggregate of heads and area per matter and option, with nothing decided;
- the stored result: `selectors.compute_result`, what `close_vote` stores (overall, by building
  with each building's participation against its frozen totals, and the ballot numbers) against
  one hand-written statement giving every one of those numbers: heads and area per matter and
  option by building and overall (GROUPING SETS), counted ballots by channel and ballots cast.
  Denominators are the frozen roll's on both sides; the check also compares linli's frozen
  building totals with the electors' (untimed).

    DATABASE_URL=postgres://user@host:port/postgres python bench/bench_vote_tally.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB_NAME = "linli_bench_votes"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "15")))
args = parser.parse_args()

sys.path.insert(0, str(ROOT / "bench"))
from timing import setup_own_database  # noqa: E402  (bench/timing.py, beside this script)

setup_own_database(DB_NAME, root=ROOT)

from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["CONN_MAX_AGE"] = None

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from results import record  # noqa: E402  (bench/results.py)
from timing import measure, timed  # noqa: E402

call_command("migrate", verbosity=0)

from linli.core.actors import SYSTEM  # noqa: E402
from linli.deliberation import selectors, services  # noqa: E402
from linli.deliberation.models import Elector, Vote  # noqa: E402
from linli.places import services as place_services  # noqa: E402
from linli.places.models import Dwelling, Ownership, Place, PlaceKind, Resident  # noqa: E402
from linli.testing import City  # noqa: E402

rng = random.Random(278)
timings: list = []

with timed("compound of 5,000 dwellings and 4,450 owners", timings), transaction.atomic():
    city = City()
    compound = place_services.create_place(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound",
                                           name="金穗苑")
    dwelling_kind = PlaceKind.objects.get(code="dwelling")
    dwellings = []
    for b in range(1, 51):
        building = place_services.create_place(actor=SYSTEM, parent_id=compound.pk, kind_code="building",
                                               name=f"{b}栋")
        paths = place_services.allocate_child_paths(building, 100)
        dwellings += Place.objects.bulk_create([
            Place(path=p, depth=building.depth + 1, parent=building, kind=dwelling_kind, name=f"{i // 4 + 1}{i % 4 + 1:02d}")
            for i, p in enumerate(paths)])
    Dwelling.objects.bulk_create([Dwelling(place=d, floor_area=Decimal(rng.randint(5000, 14999)) / 100)
                                  for d in dwellings])
    order = list(range(len(dwellings)))
    rng.shuffle(order)
    sold = order[300:]  # the first 300 stay the developer's
    owner_of, k = [], 0
    for n_owned, count in ((3, 50), (2, 150)):
        for _ in range(count):
            owner_of.append(sold[k:k + n_owned])
            k += n_owned
    owner_of += [[i] for i in sold[k:]]
    residents = Resident.objects.bulk_create([
        Resident(path=dwellings[idx[0]].path, name=f"业主{n}", gender="M", relation="head")
        for n, idx in enumerate(owner_of)])
    Ownership.objects.bulk_create([Ownership(dwelling_id=dwellings[i].pk, owner=r)
                                   for r, idx in zip(residents, owner_of) for i in idx])
print(f"  owners: {len(residents)}, dwellings: {len(dwellings)}", flush=True)

clerk_a = city.user_with("community_worker", at=city.community, name="录入员甲")
clerk_b = city.user_with("community_worker", at=city.community, name="录入员乙")
now = timezone.now()
with timed("vote frozen (publish_notice builds the roll)", timings):
    vote = services.create_vote(actor=SYSTEM, place_id=compound.pk, kind="owners", title="续聘物业与维修屋面",
                                matters=[{"title": "续聘物业服务企业", "kind": "ordinary"},
                                         {"title": "使用维修资金维修屋面", "kind": "special"}])
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, opens_at=now - dt.timedelta(minutes=1),
                            closes_at=now + dt.timedelta(days=7))
    services.open_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
print(f"  electors: {vote.frozen['totals']['heads']} (heads), area {vote.frozen['totals']['area'] / 100} m²",
      flush=True)

matters = vote.frozen["matters"]
opts = [{o["role"]: o["id"] for o in m["options"]} for m in matters]


def random_choices():
    roles = rng.choices(["agree", "disagree", "abstain"], weights=[7, 2, 1], k=len(matters))
    return {m["id"]: [opts[i][roles[i]]] for i, m in enumerate(matters)}


electors = list(Elector.objects.filter(vote=vote).order_by("?")[:4000])
with timed("4,000 ballots (3,400 online, 300 paper typed twice, 300 proxy) and 500 replaced", timings):
    for n, e in enumerate(electors):
        if n < 300:
            c = random_choices()
            scan = SimpleUploadedFile("s.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
            services.enter_paper_ballot(actor=clerk_a, vote_id=vote.pk, code=e.code, choices=c, scan=scan)
            services.enter_paper_ballot(actor=clerk_b, vote_id=vote.pk, code=e.code, choices=c)
        elif n < 600:
            scan = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
            services.cast_proxy_ballot(actor=clerk_a, vote_id=vote.pk, code=e.code, choices=random_choices(),
                                       proxy_name="受托人", attachment=scan)
        else:
            # Online ballots through the shared write path (the person's log-in is not what is measured).
            with transaction.atomic():
                locked = Elector.objects.select_for_update().get(pk=e.pk)
                services._cast(vote, locked, actor=SYSTEM, channel="online", choices=random_choices())
                if n >= 3500:  # changed their mind before the close
                    services._cast(vote, locked, actor=SYSTEM, channel="online", choices=random_choices())

# Statistics as autovacuum would have them on a live server (the rows were all just written).
with connection.cursor() as cur:
    cur.execute("ANALYZE")

SQL = """
SELECT bc.matter_id, bc.option_id, SUM(e.heads), SUM(e.area_centi)
FROM deliberation_countedballot c
JOIN deliberation_ballotchoice bc ON bc.ballot_id = c.ballot_id
JOIN deliberation_elector e ON e.id = c.elector_id
WHERE c.vote_id = %(vote)s
GROUP BY bc.matter_id, bc.option_id
"""

# Every number of the stored result in one statement: heads and area per matter and option
# (option NULL: took part in the matter) by building and overall (GROUPING SETS), counted
# ballots by channel, ballots cast. The denominators are the frozen roll's on both sides.
FULL_SQL = """
WITH counted AS (
  SELECT c.ballot_id, c.channel, e.building_id, e.heads, e.area_centi
  FROM deliberation_countedballot c JOIN deliberation_elector e ON e.id = c.elector_id
  WHERE c.vote_id = %(vote)s)
SELECT 'choice', c.building_id, GROUPING(c.building_id), bc.matter_id, bc.option_id, NULL,
       SUM(c.heads), SUM(c.area_centi)
FROM counted c JOIN deliberation_ballotchoice bc ON bc.ballot_id = c.ballot_id
GROUP BY GROUPING SETS ((c.building_id, bc.matter_id, bc.option_id), (bc.matter_id, bc.option_id))
UNION ALL
SELECT 'counted', NULL, NULL, NULL, NULL, channel, COUNT(*), NULL FROM counted GROUP BY channel
UNION ALL
SELECT 'cast', NULL, NULL, NULL, NULL, NULL, COUNT(*), NULL FROM deliberation_ballot WHERE vote_id = %(vote)s
"""


def linli_tally():
    return selectors.overall_result(vote)


def linli_result():
    return selectors.compute_result(vote)


def sql_aggregate():
    with connection.cursor() as cur:
        cur.execute(SQL, {"vote": vote.pk})
        return cur.fetchall()


def sql_full():
    with connection.cursor() as cur:
        cur.execute(FULL_SQL, {"vote": vote.pk})
        return cur.fetchall()


def numbers(matters) -> dict:
    """(matter, option or None) -> (heads, area) of the ballots really cast."""
    got = {}
    for m in matters:
        p = m["participants"]
        got[(m["id"], None)] = (p.get("real_heads", p["heads"]["count"]), p.get("real_area", p["area"]["count"]))
        for o in m["options"]:
            got[(m["id"], o["id"])] = (o.get("real_heads", o["heads"]["count"]), o.get("real_area", o["area"]["count"]))
    return got


def same(result, rows):
    want = {(mid, oid): (int(h), int(a)) for mid, oid, h, a in rows}
    got = numbers(result["matters"])
    assert all(got.get(k, (0, 0)) == v for k, v in want.items()) and len(want) == 8, (got, want)
    assert sum(h for (mid, oid), (h, a) in want.items() if oid is None) == 2 * 4000
    assert sum(1 for v in result["matters"] if v["quorum"]["met"]) == 2


def same_full(result, rows):
    """Every number the statement gives is in the stored result, and the result has no other
    non-zero count; its denominators by building are the electors' (read here, untimed)."""
    overall, by_building, counted, cast = {}, {}, {}, None
    for kind, building, grouped, matter, option, channel, heads, area in rows:
        if kind == "choice" and grouped:
            overall[(matter, option)] = (int(heads), int(area))
        elif kind == "choice":
            by_building.setdefault(building, {})[(matter, option)] = (int(heads), int(area))
        elif kind == "counted":
            counted[channel] = heads
        else:
            cast = heads
    got = numbers(result["matters"])
    assert {k: v for k, v in got.items() if v != (0, 0)} == overall, (got, overall)
    rows_by_building = {b["building"]: b for b in result["by_building"]}
    assert len(rows_by_building) == 50 and set(by_building) <= set(rows_by_building)
    for b, row in rows_by_building.items():
        got = numbers(row["matters"])
        assert {k: v for k, v in got.items() if v != (0, 0)} == by_building.get(b, {}), (b, got)
    totals = {b: (h, a) for b, h, a in Elector.objects.filter(vote=vote).order_by().values("building_id")
              .annotate(h=Sum("heads"), a=Sum("area_centi")).values_list("building_id", "h", "a")}
    assert {b: (r["totals"]["heads"], r["totals"]["area"]) for b, r in rows_by_building.items()} == totals
    assert result["ballots"] == {"counted": sum(counted.values()), "cast": cast, "by_channel": counted}, (
        result["ballots"], counted, cast)
    assert (cast, sum(counted.values()), counted["paper"], counted["proxy"]) == (4500, 4000, 300, 300)


print(f"== owners' vote tally, 5,000 dwellings, 4,000 counted ballots ({args.rounds} rounds)", flush=True)
a, b = measure("tally (overall result) vs one aggregate", linli_tally, sql_aggregate, rounds=args.rounds,
               check=same)
record("owners' vote: overall tally", a / b, 1.5, detail=f"{a:.1f} vs {b:.1f} ms")
with CaptureQueriesContext(connection) as statements:
    linli_result()
a, b = measure(f"stored result (overall, 50 buildings, ballot numbers; {len(statements)} statements) "
               "vs one statement", linli_result, sql_full, rounds=args.rounds, check=same_full)
record("owners' vote: stored result (compute_result)", a / b, 1.5,
       detail=f"{a:.1f} vs {b:.1f} ms, {len(statements)} statements")
assert Vote.objects.get(pk=vote.pk).status == "open"
