"""Generate a year of cases on the benchmark city (bench/generate_city.py) through COPY.

1,000,000 cases by default, created over the 365 days before now (more on weekdays and in
working hours), each following the case loop of linli/cases/services.py so that every column
the figures read is consistent with a real history:

- category from the default taxonomy (weighted: sanitation, property, parking … most often),
  place a dwelling, a compound or a grid under some street (grids weighted, so there are hot
  spots), level and handler place from the category's default level, moved up the ladder
  when the acceptance deadline was missed (escalated_count, a new accept_due);
- accept_due / finish_due from the category's hours and days; accepted_at, first_contact_at,
  answered_at and closed_at drawn in that order, most within their deadlines and some late;
  cases whose next step lies after now stay submitted / accepted / info_requested / answered;
- outcomes, ratings and 解决 answers by the reporter (or a staff return visit), an unsatisfied
  first rating reopening the case once (reopened_count, cleared answer, new finish_due);
- duplicates merged into an earlier open case of the same grid (status merged, closed_at =
  the merge), yellow/red cards as the deadline sweep would have raised them, follow-ups.

Reporters are a pool of 20,000 resident accounts, staff entries a pool of 300 staff
accounts (both created here, usernames bench_reporter_* / bench_staff_*). No timeline rows
are written: the figures read only case rows. Existing cases are deleted first (TRUNCATE of
the cases tables), the city is left alone.

    DATABASE_URL=postgres://user@host:port/linli_bench python bench/generate_cases.py [--cases 1000000]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from timing import timed  # bench/timing.py, beside this script

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CST = dt.timezone(dt.timedelta(hours=8))
LADDER = ["building", "grid", "community", "street"]
# How often each category is reported (per 1,000 cases), roughly the mix of a city's 12345 log.
CATEGORY_WEIGHTS = {
    "env_sanitation": 120, "garbage": 100, "parking": 90, "ebike_charging": 50, "illegal_building": 40,
    "facilities": 15, "manhole": 20, "streetlight": 40, "road": 40, "stairwell": 50, "property": 120,
    "utilities": 60, "neighbour_dispute": 60, "noise": 60, "livestock": 8, "public_security": 20,
    "fire_safety": 20, "hardship": 30, "policy": 40, "suggestion": 27, "other": 30,
}
CHANNELS = {"resident": 550, "phone": 100, "hotline": 120, "patrol": 80, "visit": 50, "walk_in": 40,
            "on_behalf": 30, "meeting": 10, "api": 10, "open311": 10}
STAFF_CHANNELS = {"phone", "hotline", "patrol", "visit", "walk_in", "on_behalf", "meeting"}
TEXTS = ["{c}问题反映，请尽快处理", "{c}：已经好几天了，希望社区帮忙协调", "关于{c}的诉求，多次反映未解决",
         "{c}，影响居民正常生活", "请相关部门关注{c}情况", "{c}，楼下邻居都有意见"]
OUTCOMES = (["solved"] * 82 + ["partly"] * 10 + ["not_ours"] * 4 + ["cannot"] * 4)


def created_times(rng: random.Random, n: int, now: dt.datetime, days: int) -> list[dt.datetime]:
    """n creation times over the `days` before now, sorted: weekdays ×1.4, 8:00–20:00 busy."""
    start = now - dt.timedelta(days=days)
    day_w = [1.4 if (start + DAY * d).astimezone(CST).weekday() < 5 else 1.0 for d in range(days)]
    hour_w = [0.2] * 7 + [1.0, 2.0, 2.5, 2.5, 2.0, 1.5, 2.0, 2.5, 2.5, 2.0, 1.5, 1.2, 1.0, 0.8, 0.5, 0.3, 0.2]
    day_cum = list(itertools.accumulate(day_w))
    hour_cum = list(itertools.accumulate(hour_w))
    # Hours are drawn on the local (CST) clock, days from the start of the window.
    start_local = start.astimezone(CST).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for _ in range(n):
        d = bisect.bisect(day_cum, rng.random() * day_cum[-1])
        h = bisect.bisect(hour_cum, rng.random() * hour_cum[-1])
        t = start_local + dt.timedelta(days=d, hours=h, seconds=rng.random() * 3600)
        if start <= t < now:
            out.append(t.astimezone(dt.timezone.utc))
    while len(out) < n:  # the few that fell outside the window (first/last day's hours)
        out.append(start + (now - start) * rng.random())
    out.sort()
    return out


def ensure_migrated(url: str) -> None:
    with psycopg.connect(url) as conn:
        present = conn.execute("SELECT to_regclass('cases_case') IS NOT NULL").fetchone()[0]
    if not present:
        env = {**os.environ, "DATABASE_URL": url, "LINLI_VAR_DIR": str(ROOT / "var" / "bench")}
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, env=env, cwd=ROOT)


def generate(url: str, n_cases: int, seed: int = 7, days: int = 365) -> None:
    timings: list = []
    started = time.perf_counter()
    rng = random.Random(seed)
    with timed("migrate (only if the cases tables are missing)", timings):
        ensure_migrated(url)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with psycopg.connect(url) as conn:
        cats = {code: (cid, hours, fdays, level) for cid, code, hours, fdays, level in conn.execute(
            "SELECT id, code, accept_hours, finish_days, default_level FROM cases_category WHERE is_active")}
        names = dict(conn.execute("SELECT code, name FROM cases_category").fetchall())
        cat_codes = [c for c in CATEGORY_WEIGHTS if c in cats]
        cat_cum = list(itertools.accumulate(CATEGORY_WEIGHTS[c] for c in cat_codes))
        ch_codes = list(CHANNELS)
        ch_cum = list(itertools.accumulate(CHANNELS.values()))

        with timed("load places", timings):
            rows = conn.execute(
                "SELECT p.id, p.path, k.code FROM places_place p JOIN places_placekind k ON k.id = p.kind_id "
                "WHERE k.code IN ('street', 'community', 'grid', 'compound', 'building', 'dwelling')").fetchall()
            kind_at: dict[str, str] = {}
            id_at: dict[str, int] = {}
            grids: list[str] = []
            for pid, path, kind in rows:
                if kind != "dwelling":
                    kind_at[path] = kind
                    id_at[path] = pid
                if kind == "grid":
                    grids.append(path)
            grids.sort()
            grid_len = {len(g) for g in grids}
            assert len(grid_len) == 1, "expected every grid at one depth (bench/generate_city.py)"
            grid_len = grid_len.pop()
            inside: dict[str, tuple[list, list]] = {g: ([], []) for g in grids}  # compounds, dwellings
            for pid, path, kind in rows:
                if kind in ("compound", "dwelling") and path[:grid_len] in inside:
                    inside[path[:grid_len]][0 if kind == "compound" else 1].append((pid, path))
            del rows
            grids = [g for g in grids if inside[g][1]]
            # Hot spots: a grid's share of the cases varies about tenfold across the city.
            grid_cum = list(itertools.accumulate(rng.lognormvariate(0, 0.8) for _ in grids))
            print(f"  {len(grids):,} grids with dwellings, {len(id_at):,} places above dwellings", flush=True)

        def handler(path: str, level: str) -> tuple[str, int]:
            """The rung at or above `level` that exists over `path` (handler_at, unstaffed)."""
            chain = {kind_at[path[:i]]: path[:i] for i in range(4, len(path) + 1, 4) if path[:i] in kind_at}
            for rung in LADDER[LADDER.index(level):]:
                if rung in chain:
                    return rung, id_at[chain[rung]]
            return "street", id_at[path[:8]]

        with timed("truncate cases, reporter and staff accounts", timings):
            conn.execute("TRUNCATE cases_case, cases_caseevent, cases_casetask, cases_casesupporter, "
                         "cases_casephoto RESTART IDENTITY CASCADE")
            conn.execute(
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined, display_name, phone_enc, phone_masked) "
                "SELECT '!', false, 'bench_reporter_' || lpad(i::text, 5, '0'), '', '', '', false, true, now(), "
                "'居民' || i, '', '' FROM generate_series(1, 20000) i ON CONFLICT (username) DO NOTHING")
            conn.execute(
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
                "is_staff, is_active, date_joined, display_name, phone_enc, phone_masked) "
                "SELECT '!', false, 'bench_staff_' || lpad(i::text, 3, '0'), '', '', '', true, true, now(), "
                "'网格员' || i, '', '' FROM generate_series(1, 300) i ON CONFLICT (username) DO NOTHING")
            reporters = [r[0] for r in conn.execute(
                "SELECT id FROM accounts_user WHERE username LIKE 'bench\\_reporter\\_%' ORDER BY id")]
            staff = [r[0] for r in conn.execute(
                "SELECT id FROM accounts_user WHERE username LIKE 'bench\\_staff\\_%' ORDER BY id")]

        with timed("draw creation times", timings):
            times = created_times(rng, n_cases, now, days)

        from cryptography.fernet import Fernet

        fernet = Fernet(Fernet.generate_key())
        phone_pool = [fernet.encrypt(f"1390000{i:04d}".encode()).decode() for i in range(200)]
        stats = {"merged": 0, "reopened": 0, "escalated": 0}
        # Per grid, recent cases still open at some time: (id, created, closes_at or None).
        recent: dict[str, list] = {}

        columns = ("id, number, path, lat, lng, text, channel, contact_name, contact_phone_enc, contact_phone_hash, "
                   "contact_phone_masked, is_public, priority, status, level, accept_due, finish_due, accepted_at, "
                   "first_contact_at, answered_at, closed_at, outcome, outcome_note, solved_by_reporter, rating, "
                   "rating_comment, rated_at, reopened_count, escalated_count, card, follow_up_sent_at, created_at, "
                   "updated_at, entered_by_id, handler_organisation_id, handler_place_id, merged_into_id, place_id, "
                   "reporter_id, category_id, suggested_category_id, suggested_ranking")

        def case_row(cid: int, created: dt.datetime) -> tuple:
            r = rng.random
            code = cat_codes[bisect.bisect(cat_cum, r() * cat_cum[-1])]
            cat_id, accept_hours, finish_days, default_level = cats[code]
            grid = grids[bisect.bisect(grid_cum, r() * grid_cum[-1])]
            compounds, dwellings = inside[grid]
            x = r()
            if x < 0.55:
                place_id, path = rng.choice(dwellings)
            elif x < 0.85 and compounds:
                place_id, path = rng.choice(compounds)
            else:
                place_id, path = id_at[grid], grid
            channel = ch_codes[bisect.bisect(ch_cum, r() * ch_cum[-1])]
            reporter = rng.choice(reporters) if channel == "resident" else None
            entered_by = rng.choice(staff) if channel in STAFF_CHANNELS else (staff[0] if reporter is None else None)
            contact_name = contact_enc = contact_hash = contact_masked = ""
            if channel in ("phone", "hotline", "walk_in", "on_behalf"):
                k = rng.randrange(len(phone_pool))
                contact_name, contact_enc = "某先生" if k % 2 else "某女士", phone_pool[k]
                contact_hash = hashlib.sha256(f"c{k}".encode()).hexdigest()
                contact_masked = f"139****{k:04d}"
            suggested = cat_id if reporter is not None and r() < 0.4 else None
            is_public = reporter is not None and r() < 0.2
            priority = 1 if r() < 0.8 else (2 if r() < 0.75 else 3)
            level, handler_place = handler(path, default_level)

            accept_due = created + accept_hours * H
            finish_due = created + finish_days * DAY
            finish_limit = finish_days * DAY
            accepted_at = first_contact_at = answered_at = closed_at = rated_at = follow_up = None
            outcome = rating = ""
            solved = None
            reopened = escalated = 0
            merged_into = None
            status = "submitted"

            # A duplicate of an open case of the same grid, merged by the handler within a day.
            open_here = recent.get(grid)
            if open_here and r() < 0.03:
                candidates = [(oid, closes) for oid, made, closes in open_here[-20:]
                              if created - made < 10 * DAY and (closes is None or closes > created + DAY)]
                if candidates:
                    merge_at = created + rng.uniform(0.2, 24) * H
                    if merge_at < now:
                        stats["merged"] += 1
                        if r() < 0.3:
                            accepted_at = created + (merge_at - created) * r()
                        merged_into = rng.choice(candidates)[0]
                        return (cid, f"{created.astimezone(CST):%Y%m%d}{cid:06d}", path, None, None,
                                rng.choice(TEXTS).format(c=names[code]), channel, contact_name, contact_enc,
                                contact_hash, contact_masked, is_public, priority, "merged", level, accept_due,
                                finish_due, accepted_at, None, None, merge_at, "", "", None, "", "", None, 0, 0, 0,
                                None, created, merge_at, entered_by, None, handler_place, merged_into, place_id,
                                reporter, cat_id, suggested, "[]")

            # Acceptance: most within the deadline; a missed one sends the case up one rung
            # (the deadline sweep), with a fresh acceptance deadline there.
            never_accepted = r() < 0.01
            late = r() < 0.12
            if late and level != "street":
                up = handler(path, LADDER[LADDER.index(level) + 1])
                if up[1] != handler_place:
                    if accept_due < now:
                        level, handler_place = up
                        escalated = 1
                        accept_due = accept_due + accept_hours * H
                    late = r() < 0.3
            acc = accept_due - accept_hours * H + accept_hours * H * (rng.uniform(1.0, 2.5) if late else
                                                                     rng.uniform(0.02, 0.95))
            if never_accepted or acc >= now:
                stats["escalated"] += escalated
                card = 2 if now >= finish_due else (1 if now >= finish_due - finish_limit * 0.2 else 0)
                return finish(locals())
            accepted_at, status = acc, "accepted"
            contact = accepted_at + rng.expovariate(1 / 3) * H
            if r() < 0.92 and contact < now:
                first_contact_at = contact
            stats["escalated"] += escalated

            def handle(start: dt.datetime, due: dt.datetime) -> tuple[str, dt.datetime | None, dt.datetime | None]:
                """Answer then verify-and-close, from `start`: the status reached by now."""
                if r() < 0.02:
                    return "accepted", None, None  # stuck with the handler
                if r() < 0.04:
                    pause = rng.uniform(1, 3) * DAY  # 要求补充: waits for the reporter
                    if start + pause > now:
                        return "info_requested", None, None
                    start += pause
                span = max(due - start, finish_limit * 0.3)
                if r() < 0.85:  # answered and verified within the deadline
                    ans = start + span * rng.uniform(0.03, 0.75)
                    close = ans + (start + span - ans) * rng.uniform(0.05, 0.9)
                else:
                    ans = start + span * rng.uniform(0.7, 2.0)
                    close = ans + rng.uniform(2, 72) * H
                if ans >= now:
                    return "accepted", None, None
                if close >= now:
                    return "answered", ans, None
                return "closed", ans, close

            status, answered_at, closed_at = handle(accepted_at, finish_due)
            if answered_at is not None and first_contact_at is None:
                first_contact_at = answered_at
            if status == "closed":
                outcome = rng.choice(OUTCOMES)
                # Rated by the reporter, or a staff return visit (回访) where there is none.
                rated = r() < (0.65 if reporter is not None else 0.4)
                rate_at = closed_at + rng.expovariate(1 / 48) * H
                if rated and rate_at < now:
                    good = outcome in ("solved", "partly")
                    rating = rng.choices(("satisfied", "basic", "unsatisfied"),
                                         (70, 22, 8) if good else (20, 30, 50))[0]
                    if r() < 0.8:
                        solved = (r() < 0.9) if rating != "unsatisfied" else (r() < 0.1)
                    rated_at = rate_at
                    if rating == "unsatisfied":
                        # The first unsatisfied rating reopens the case: answer, outcome and
                        # rating are cleared and it is handled again with a new deadline.
                        reopened = 1
                        stats["reopened"] += 1
                        finish_due = rate_at + finish_limit
                        outcome, rating, solved, rated_at = "", "", None, None
                        status, answered_at, closed_at = handle(rate_at, finish_due)
                        if status == "closed":
                            outcome = rng.choice(OUTCOMES)
                            rate2 = closed_at + rng.expovariate(1 / 48) * H
                            if r() < 0.5 and rate2 < now:
                                rating = rng.choice(("satisfied", "basic", "unsatisfied"))
                                rated_at = rate2
                                solved = rating != "unsatisfied" if r() < 0.8 else None
                if status == "closed" and reporter is not None and not rating \
                        and closed_at + 7 * DAY <= now:
                    follow_up = closed_at + 7 * DAY
                elif status == "closed" and rated_at is not None and reporter is not None \
                        and rated_at > closed_at + 7 * DAY:
                    follow_up = closed_at + 7 * DAY
            # Cards as the sweep raises them: yellow at 80 % of the handling time, red past it.
            end = closed_at if status == "closed" else (answered_at if status == "answered" else now)
            card = 2 if end >= finish_due else (1 if end >= finish_due - finish_limit * 0.2 else 0)
            return finish(locals())

        def finish(v: dict) -> tuple:
            status = v["status"]
            closes = v["closed_at"] if status == "closed" else None
            if status != "merged":
                recent.setdefault(v["grid"], []).append((v["cid"], v["created"], closes))
                if len(recent[v["grid"]]) > 40:
                    del recent[v["grid"]][:20]
            created = v["created"]
            last = max(t for t in (created, v["accepted_at"], v["first_contact_at"], v["answered_at"],
                                   v["closed_at"], v["rated_at"], v["follow_up"]) if t is not None)
            return (v["cid"], f"{created.astimezone(CST):%Y%m%d}{v['cid']:06d}", v["path"], None, None,
                    rng.choice(TEXTS).format(c=names[v["code"]]), v["channel"], v["contact_name"],
                    v["contact_enc"], v["contact_hash"], v["contact_masked"], v["is_public"], v["priority"], status,
                    v["level"], v["accept_due"], v["finish_due"], v["accepted_at"], v["first_contact_at"],
                    v["answered_at"], v["closed_at"], v["outcome"], "已处理" if v["outcome"] else "", v["solved"],
                    v["rating"], "", v["rated_at"], v["reopened"], v["escalated"], v["card"], v["follow_up"],
                    created, last, v["entered_by"], None, v["handler_place"], None, v["place_id"], v["reporter"],
                    v["cat_id"], v["suggested"], "[]")

        with conn.cursor() as cur:
            with timed(f"copy {n_cases:,} cases", timings):
                with cur.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
                    for cid, created in enumerate(times, start=1):
                        copy.write_row(case_row(cid, created))
            with timed("sequence", timings):
                cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                            "(SELECT COALESCE(MAX(id), 1) FROM cases_case))")
        with timed("commit", timings):
            conn.commit()
    with timed("vacuum analyze", timings):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE cases_case")
            conn.execute("VACUUM ANALYZE accounts_user")
    with psycopg.connect(url) as conn:
        by_status = dict(conn.execute("SELECT status, count(*) FROM cases_case GROUP BY 1").fetchall())
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_case'))").fetchone()[0]
    total = time.perf_counter() - started
    print(f"generated {n_cases:,} cases over {days} days in {total:.1f} s; cases_case with indexes {size}")
    print("  by status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items())))
    print(f"  merged {stats['merged']:,}, reopened {stats['reopened']:,}, escalated {stats['escalated']:,}")
    for label, took in timings:
        print(f"  {label:<48} {took:8.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL to the benchmark city's database (bench/generate_city.py)")
    generate(url, args.cases, days=args.days)


if __name__ == "__main__":
    main()
