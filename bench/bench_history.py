"""Benchmark: rebuilding 10,000 cases as of a past day from their audit log must take well under 2 s.

Run from the repository root:  python -m bench.bench_history [--cases 10000]

The store holds the demo cases copied ``--cases`` times over (new ids), each recorded on its 发现时间, then
a third of them edited twice (status and fine) and 2 % deleted, on days spread over the campaign: about
10,000 create rows, 6,700 × 2 update rows and 200 delete rows.  Timed: :func:`cases.history.cases_as_of`
(reading the store and the log, and the replay) for a day in the middle, and the whole bulletin without its map.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import numpy as np

from bench._timing import best_of
from cases import audit
from cases.demo import demo_data
from cases.history import History, cases_as_of
from cases.io.geodata import load_shipped_boundaries
from cases.output.bulletin import build_bulletin
from cases.store import open_store

LIMIT_S = 2.0
DAY = dt.date(2019, 9, 15)


def build(path: Path, n: int, *, seed: int = 7) -> None:
    """A store at ``path`` with ``n`` cases and their history (see the module docstring)."""
    county, towns = load_shipped_boundaries()
    _, demo = demo_data(towns)
    rng = np.random.default_rng(seed)
    store = open_store(path, create=True)
    store.replace_boundaries("county", county, user="bench")
    store.replace_boundaries("township", towns, user="bench", year=2018)
    cases = [demo[i % len(demo)].with_changes(case_id=f"B-{i:05d}", status="排查发现") for i in range(n)]
    with store.transaction():
        for day in sorted({c.found_date for c in cases}):
            store.upsert_cases([c for c in cases if c.found_date == day], user="bench", at=f"{day}T09:00:00")
    rows = []
    for c in cases:
        if rng.random() < 1 / 3:
            first = c.found_date + dt.timedelta(days=int(rng.integers(1, 40)))
            second = first + dt.timedelta(days=int(rng.integers(1, 40)))
            rows += [(f"{first}T10:00:00", "bench", c.case_id, "update", "status", "排查发现", "已立案"),
                     (f"{second}T10:00:00", "bench", c.case_id, "update", "fine_wan", "0.0", "3.5")]
    with store.transaction() as con:
        audit.append(con, sorted(rows))
        con.executemany("UPDATE cases SET status = '已立案', fine_wan = 3.5 WHERE case_id = ?",
                        [(r[2],) for r in rows[::2]])
    gone = [c.case_id for c in cases[:: 50]]
    for cid in gone:
        store.delete_case(cid, expected_version=store.get_case(cid).version, user="bench", reason="bench")
    store.close_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        build(path, args.cases)
        store = open_store(path)
        log = len(store.audit())
        then = cases_as_of(store, DAY)
        load = best_of(lambda: History.load(store))
        history = History.load(store)
        replay = best_of(lambda: history.at(DAY))
        whole = best_of(lambda: cases_as_of(store, DAY))
        bulletin = best_of(lambda: build_bulletin(store, day=DAY, with_map=False), repeat=2)
        print(f"{args.cases} cases, {log} audit rows; {len(then)} held on {DAY}")
        print(f"read store and log {load:.3f} s, replay {replay:.3f} s, cases_as_of {whole:.3f} s "
              f"(limit {LIMIT_S:.1f} s); bulletin without map {bulletin:.3f} s")
        store.close_all()
        return 0 if whole <= LIMIT_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
