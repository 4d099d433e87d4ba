"""Benchmark of the two store backends: the SQLite file and a PostgreSQL/PostGIS database, same data, one run.

    python -m bench.bench_store --pg postgresql://postgres@127.0.0.1:5433/postgres [--cases 10000]

``--pg`` names a server where the user may CREATE DATABASE (default $CASEMAP_TEST_PG); two scratch
databases (with PostGIS) are made and dropped.  Prints, per backend: import of new cases (one
``upsert_cases``), the same cases changed, reading every case, one read + version-checked update,
and ``migrate`` both ways with its checks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import psycopg
from shapely.geometry import box

from cases.model import Case
from cases.restore import migrate_store
from cases.store import open_store


def timed(fn, *args, **kwargs) -> tuple[object, float]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def synthetic_cases(n: int) -> list[Case]:
    """``n`` small land cases in a row near 上馆镇."""
    return [Case(case_id=f"YD-{i:06d}", kind="land", category=2, township="上馆镇", found_date=dt.date(2019, 7, 1),
                 geometry=box(112.9 + i * 1e-5, 39.0, 112.9 + i * 1e-5 + 5e-6, 39.00001)) for i in range(n)]


def run_backend(location, items: list[Case]) -> dict[str, float]:
    store = open_store(location, create=True)
    try:
        _, add = timed(store.upsert_cases, items, user="bench")
        _, change = timed(store.upsert_cases, [c.with_changes(remarks="复查") for c in items], user="bench")
        _, read = timed(store.cases)
        t = time.perf_counter()
        case = store.get_case(items[len(items) // 2].case_id)
        store.update_case(case.case_id, {"remarks": "再查"}, expected_version=case.version, user="bench")
        one = time.perf_counter() - t
        assert store.audit_problems() == []
    finally:
        store.close_all()
    return {"import": add, "change": change, "read": read, "one_update_ms": one * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("CASEMAP_TEST_PG"), help="postgresql://… (may CREATE DATABASE)")
    ap.add_argument("--cases", type=int, default=10_000)
    args = ap.parse_args()
    if not args.pg:
        ap.error("--pg or $CASEMAP_TEST_PG is needed")
    base = args.pg.rstrip("/").rsplit("/", 1)[0]
    names = [f"casemap_bench_{os.getpid()}_{k}" for k in ("a", "b")]
    admin = psycopg.connect(args.pg, autocommit=True)
    try:
        for name in names:
            admin.execute(f"CREATE DATABASE {name}")
            with psycopg.connect(f"{base}/{name}", autocommit=True) as con:
                con.execute("CREATE EXTENSION postgis")
        items = synthetic_cases(args.cases)
        with tempfile.TemporaryDirectory() as tmp:
            file, back = Path(tmp) / "bench.db", Path(tmp) / "back.db"
            rows = {"SQLite": run_backend(file, items), "PostGIS": run_backend(f"{base}/{names[0]}", items)}
            print(f"{args.cases} cases       import  change    read  one update")
            for label, r in rows.items():
                print(f"{label:<16}{r['import']:6.1f} s{r['change']:6.1f} s{r['read']:6.2f} s{r['one_update_ms']:8.0f} ms")
            done, there = timed(migrate_store, file, f"{base}/{names[1]}")
            assert all(t.same for t in done.tables)
            done, back_s = timed(migrate_store, f"{base}/{names[1]}", back)
            assert all(t.same for t in done.tables) and not done.audit_problems
            print(f"migrate SQLite → PostGIS {there:.1f} s, PostGIS → SQLite {back_s:.1f} s (counts and SHA-256 agree)")
    finally:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


if __name__ == "__main__":
    main()
