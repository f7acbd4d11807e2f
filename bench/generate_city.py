"""Generate a city on PostgreSQL for the benchmarks, through COPY (bulk paths).

Full scale (--scale 1): 10 districts, 100 streets, 1,000 communities, 10,000 grids, 20,000
compounds, 100,000 buildings, 700,000 dwellings and households, 2,000,000 residents, about
8 % of them with a care tag. Smaller scales shrink the number of communities per street and
households per grid.

Shortcuts, on purpose (the benchmarks measure query shapes, not cryptography): ID numbers and
phones are encrypted once into a pool of 1,000 ciphertexts that rows reuse, and their lookup
hashes are unkeyed SHA-256 of the row number (unique, as the constraint requires).

    DATABASE_URL=postgres://user@host:port/postgres python bench/generate_city.py --scale 1
creates (drops first) the database named by --db (default linli_bench) on that server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from timing import timed  # bench/timing.py, beside this script
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linli.core.paths import segment  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏建华红梅飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国建军志强春梅海燕雪梅"


def db_url(base: str, name: str) -> str:
    u = urlparse(base)
    return urlunparse(u._replace(path="/" + name))


def generate(base_url: str, db: str, scale: float, seed: int = 1) -> None:
    timings: list = []
    started = time.perf_counter()
    rng = random.Random(seed)
    admin = db_url(base_url, "postgres")
    url = db_url(base_url, db)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    env = {**os.environ, "DATABASE_URL": url, "LINLI_VAR_DIR": str(ROOT / "var" / "bench")}
    with timed("migrate", timings):
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, env=env, cwd=ROOT)

    districts, streets_per, communities_per = 10, 10, max(1, round(10 * min(scale, 1.0)))
    grids_per, compounds_per, buildings_per = 10, 2, 5
    dwellings_per = 7  # 70 households per grid at every scale; smaller scales have fewer communities
    residents_target = int(2_000_000 * scale)

    with psycopg.connect(url) as conn:
        kinds = dict(conn.execute("SELECT code, id FROM places_placekind").fetchall())
        tags = [row[0] for row in conn.execute("SELECT id FROM places_caretag ORDER BY id").fetchall()]
        now = dt.datetime.now(dt.timezone.utc)
        places: list[tuple] = []  # (id, path, depth, parent_id, kind_id, name, child_seq)
        dwellings: list[tuple[int, str]] = []
        next_id = 1

        def add(parent, kind, name, children):
            nonlocal next_id
            pid, ppath = parent if parent else (None, "")
            index = add.counter.get(pid, 0)
            add.counter[pid] = index + 1
            path = ppath + segment(index)
            row = (next_id, path, len(path) // 4, pid, kinds[kind], name, children)
            places.append(row)
            next_id += 1
            return row[0], path

        add.counter = {}
        with timed("plan the place tree", timings):
            for d in range(districts):
                district = add(None, "district", f"第{d + 1}区", streets_per)
                for s in range(streets_per):
                    street = add(district, "street", f"第{s + 1}街道", communities_per)
                    for c in range(communities_per):
                        community = add(street, "community", f"第{c + 1}社区", grids_per)
                        for g in range(grids_per):
                            grid = add(community, "grid", f"第{g + 1}网格", compounds_per)
                            for k in range(compounds_per):
                                compound = add(grid, "compound", f"{k + 1}号小区", buildings_per)
                                for b in range(buildings_per):
                                    building = add(compound, "building", f"{b + 1}栋", dwellings_per)
                                    for r in range(dwellings_per):
                                        dwellings.append(add(building, "dwelling", f"{r + 1:02d}01", 0))
        print(f"  {len(places):,} places, {len(dwellings):,} dwellings", flush=True)

        with conn.cursor() as cur:
            with timed("copy places", timings):
                with cur.copy("COPY places_place (id, path, depth, parent_id, kind_id, name, code, child_seq, "
                              "created_at, updated_at) FROM STDIN") as copy:
                    for pid, path, depth, parent, kind, name, children in places:
                        copy.write_row((pid, path, depth, parent, kind, name, "", children, now, now))
                with cur.copy("COPY places_dwelling (place_id, floor_area) FROM STDIN") as copy:
                    for pid, _path in dwellings:
                        copy.write_row((pid, rng.choice((58, 72, 86, 96, 108, 120))))
            with timed("copy households", timings):
                with cur.copy("COPY places_household (id, dwelling_id, path, tenure, created_at, updated_at) "
                              "FROM STDIN") as copy:
                    for hid, (pid, path) in enumerate(dwellings, start=1):
                        copy.write_row((hid, pid, path, "owned" if rng.random() < 0.85 else "rented", now, now))
            from cryptography.fernet import Fernet

            fernet = Fernet(Fernet.generate_key())
            pool_ids = [fernet.encrypt(f"51180219800101{i:04d}".encode()).decode() for i in range(1000)]
            pool_phones = [fernet.encrypt(f"1380000{i:04d}".encode()).decode() for i in range(1000)]
            born = dt.date(1940, 1, 1)
            with timed("copy residents and care tags", timings):
                per_household = residents_target / max(1, len(dwellings))
                rid = 0
                tag_rows = []
                with cur.copy("COPY places_resident (id, household_id, path, name, gender, birth_date, id_number_enc, "
                              "id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked, relation, "
                              "lives_here, created_at, updated_at) FROM STDIN") as copy:
                    for hid, (_pid, path) in enumerate(dwellings, start=1):
                        n = int(per_household) + (1 if rng.random() < per_household % 1 else 0)
                        for i in range(max(1, n)):
                            rid += 1
                            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rid % 2 else "")
                            digest = hashlib.sha256(str(rid).encode()).hexdigest()
                            copy.write_row((
                                rid, hid, path, name, "M" if rid % 2 else "F",
                                born + dt.timedelta(days=rng.randrange(0, 30000)),
                                pool_ids[rid % 1000], digest, "511***********" + f"{rid % 10000:04d}",
                                pool_phones[rid % 1000], hashlib.sha256(f"p{rid}".encode()).hexdigest(),
                                "138****" + f"{rid % 10000:04d}", "head" if i == 0 else "other", True, now, now))
                            if rng.random() < 0.08:
                                tag_rows.append((rid, rng.choice(tags)))
                with cur.copy("COPY places_resident_care_tags (resident_id, caretag_id) FROM STDIN") as copy:
                    for row in tag_rows:
                        copy.write_row(row)
                print(f"  {rid:,} residents, {len(tag_rows):,} care tags", flush=True)
            with timed("sequences", timings):
                for table in ("places_place", "places_household", "places_resident", "places_resident_care_tags"):
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        conn.commit()
    with timed("analyze", timings):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    total = time.perf_counter() - started
    print(f"generated city (scale {scale}) in {total:.1f} s; database size {size}")
    for label, took in timings:
        print(f"  {label:<32} {took:8.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 2,000,000 residents")
    parser.add_argument("--db", default="linli_bench")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("set DATABASE_URL to a PostgreSQL server (any database on it)")
    generate(base, args.db, args.scale)


if __name__ == "__main__":
    main()
