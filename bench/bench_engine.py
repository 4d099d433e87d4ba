"""Benchmark: the check engine against a tuned vectorized reference and a naive geopandas pipeline (issue 11).

Run: ``python -m bench.bench_engine`` (10k and 100k cases; ``--big`` adds 1M, ``--ledger`` times the import
of a 100k-row ledger).  One process, one synthetic county (``bench.synthetic``: 11 townships of ~200
vertices, 2,000 convex permits, parcels of 5–40 vertices, 30 % straddling their permit, built in EPSG:4526
around 代县 and stored in EPSG:4490), seeded.  Every pipeline gets the same lon/lat frames and does its own
projection.  Times are the best of ``--repeat`` runs (the naive pipeline runs once); peak memory is the
process's resident set while ``check_cases`` runs (input data included), sampled every 2 ms.

Targets (2 cores): 100k cases ≤ 1.5 s, ≥ 8× the naive pipeline, level with the reference; 1M ≤ 15 s and
≤ 4 GB; statistics over 1M cases ≤ 2 s (their frame as a store reads it, with each polygon's area measured when
it was saved; the old path, every polygon projected, is timed beside it); import of a 100k-row ledger ≤ 30 s.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import resource
import threading
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bench import synthetic
from bench._pipelines import naive, reference
from bench._timing import best_of
from cases.stats import case_area_mu, township_stats
from cases.store import AREA_CHECK, AREA_COLUMN, AREA_CRS_ATTR, _areas
from geo.checks import check_cases

#: Agreement: area outside to 1e-9 (relative) beyond check_cases' rounding to 0.01 m²; distance to 5 mm.
AREA_REL, AREA_ROUND, DIST_TOL = 1e-9, 0.005, 0.005


def rss_now() -> float:
    """This process's resident set (bytes) now, after handing freed heap back to the system where glibc allows."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Wall seconds of the fastest of ``repeat`` runs, the CPU seconds (all threads) of that run, and its result."""
    best = (float("inf"), 0.0, None)
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        run = (time.perf_counter() - w, time.process_time() - c)
        if run[0] < best[0]:
            best = (*run, out)
    return best


def peak_rss(fn: Callable[[], object]) -> tuple[object, float]:
    """``fn()`` and the largest resident set (bytes) of this process while it ran."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                with open("/proc/self/statm") as f:
                    peak[0] = max(peak[0], int(f.read().split()[1]) * page)
            except OSError:  # no /proc: fall back to the process's lifetime maximum
                peak[0] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                return
            time.sleep(0.002)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        out = fn()
    finally:
        done.set()
        t.join()
    return out, peak[0]


def as_answers(res: pd.DataFrame) -> pd.DataFrame:
    """check_cases' result reduced to the answers the other pipelines give."""
    return pd.DataFrame({
        "township": res["township"].to_numpy(),
        "n_towns": res["townships"].map(len).to_numpy(),
        "outside_county": res["flags"].map(lambda f: "OUTSIDE_COUNTY" in f).to_numpy(),
        "outside_area_m2": res["outside_area_m2"].to_numpy(),
        "max_outside_distance_m": res["max_outside_distance_m"].to_numpy(),
    })


def disagreements(ours: pd.DataFrame, other: pd.DataFrame) -> str:
    """'' when the answers agree, else what differs (counts and worst differences)."""
    a, b = ours, other
    msgs = []
    for col in ("township", "n_towns", "outside_county"):
        bad = (a[col].fillna("-").to_numpy() != b[col].fillna("-").to_numpy()).sum()
        if bad:
            msgs.append(f"{col}: {bad}")
    da = np.abs(a["outside_area_m2"].to_numpy(float) - b["outside_area_m2"].to_numpy(float))
    area_bad = (da > AREA_ROUND + AREA_REL * np.abs(b["outside_area_m2"].to_numpy(float))).sum()
    dd = np.abs(a["max_outside_distance_m"].to_numpy(float) - b["max_outside_distance_m"].to_numpy(float))
    dist_bad = (dd > DIST_TOL).sum()
    if area_bad:
        msgs.append(f"area outside: {area_bad} (worst {da.max():.3g} m²)")
    if dist_bad:
        msgs.append(f"distance: {dist_bad} (worst {dd.max() * 1000:.1f} mm)")
    return "; ".join(msgs)


def run_size(cty: synthetic.County, n: int, *, repeat: int, with_naive: bool) -> dict:
    """Time the three pipelines on ``n`` cases and check that they agree."""
    cases = synthetic.cases(cty, n)
    args = (cases, cty.townships, cty.permits, cty.county)
    base = rss_now()
    ours, rss = peak_rss(lambda: check_cases(*args))  # the first run, memory sampled
    t_ours, cpu_ours, _ = timed(lambda: check_cases(*args), repeat)
    t_ref, cpu_ref, ref = timed(lambda: reference(*args), repeat)
    row = {"n": n, "casemap": t_ours, "reference": t_ref, "cpu_casemap": cpu_ours, "cpu_reference": cpu_ref,
           "rss": rss, "base": base, "agree_ref": disagreements(as_answers(ours), ref)}
    if with_naive:  # slow: one run
        row["naive"], row["cpu_naive"], slow = timed(lambda: naive(*args), 1)
        row["agree_naive"] = disagreements(as_answers(ours), slow)
    return row


def table(rows: list[dict]) -> str:
    """The issue's table: one column per size."""
    head = [f"{r['n'] // 1000:,}k cases" if r["n"] < 1_000_000 else f"{r['n'] // 1_000_000}M cases" for r in rows]
    fmt_s = lambda v: "—" if v is None else f"{v:.2f} s"
    lines = ["| | " + " | ".join(head) + " |", "|---" * (len(rows) + 1) + "|"]
    body = [
        ("`geo.checks.check_cases`", [fmt_s(r["casemap"]) for r in rows]),
        ("vectorized shapely 2 reference, 2 threads", [fmt_s(r["reference"]) for r in rows]),
        ("naive geopandas (`overlay` + per-row `apply`)", [fmt_s(r.get("naive")) for r in rows]),
        ("casemap speed-up over the reference", [f"{r['reference'] / r['casemap']:.2f}×" for r in rows]),
        ("casemap speed-up over naive", [f"{r['naive'] / r['casemap']:.1f}×" if "naive" in r else "—" for r in rows]),
        ("CPU time, all threads (casemap / reference / naive)",
         [f"{r['cpu_casemap']:.2f} / {r['cpu_reference']:.2f} / " + (f"{r['cpu_naive']:.1f} s" if "naive" in r else "— s")
          for r in rows]),
        ("peak memory during check_cases (process RSS; of it the input)",
         [f"{r['rss'] / 2**30:.2f} GB ({r['base'] / 2**30:.2f} GB)" for r in rows]),
        ("answers agree (reference / naive)", [_agree(r) for r in rows]),
    ]
    lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in body]
    return "\n".join(lines)


def _agree(r: dict) -> str:
    ref = "yes" if not r["agree_ref"] else r["agree_ref"]
    nai = "—" if "naive" not in r else ("yes" if not r["agree_naive"] else r["agree_naive"])
    return f"{ref} / {nai}"


def as_read_from_store(cases: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``cases`` with the area columns a store's ``cases()`` gives: each polygon's area as measured when it was saved
    (:mod:`cases.store._areas`, in zone 38), the planar check and the CRS in ``attrs``."""
    geoms, crs = np.asarray(cases.geometry.values), f"EPSG:{synthetic.GK}"
    stored = _areas.measure(geoms, crs)  # what the store keeps of each case when it is saved
    area, check = _areas.frame_values(geoms, stored.tolist(), [crs] * len(cases), crs)
    out = cases.assign(**{AREA_COLUMN: area, AREA_CHECK: check})
    out.attrs[AREA_CRS_ATTR] = crs
    return out


def time_statistics(cty: synthetic.County, n: int, *, repeat: int) -> str:
    """Statistics (cases.stats.township_stats) over ``n`` cases: ten copies of n/10 synthetic cases, as a store
    reads them (areas measured when saved) and, the old path, without the stored areas (every polygon projected)."""
    part = synthetic.cases(cty, n // 10, seed=9)
    plain = gpd.GeoDataFrame(pd.concat([part] * 10, ignore_index=True), crs=part.crs)
    cases = as_read_from_store(plain)
    names = list(synthetic.TOWN_NAMES)
    t = best_of(lambda: township_stats(cases, townships=names), repeat)
    t_area = best_of(lambda: case_area_mu(cases), repeat)
    t_old = best_of(lambda: township_stats(plain, townships=names), repeat)
    t_old_area = best_of(lambda: case_area_mu(plain), repeat)
    former = plain.to_crs(synthetic.GK).area.to_numpy() / (10000 / 15)  # GeoSeries.to_crs().area
    same = np.array_equal(case_area_mu(cases), former) and np.array_equal(case_area_mu(plain), former)
    return (f"statistics over {n:,} cases (cases.stats.township_stats), frame as read from a store: {t:.2f} s, of which "
            f"areas {t_area:.2f} s; old path (no stored areas, every polygon projected): {t_old:.2f} s, of which areas "
            f"{t_old_area:.2f} s; the same numbers as GeoSeries.to_crs().area: {same}; load {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", action="store_true", help="also 1M cases (casemap and reference; naive skipped)")
    ap.add_argument("--ledger", action="store_true", help="also time importing a 100k-row ledger")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="10000,100000")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    cty = synthetic.county()
    nv = lambda frame: shapely.get_num_coordinates(np.asarray(frame.values))
    print(f"synthetic county: outline of {nv(cty.county)[0]} vertices, {len(cty.townships)} townships of "
          f"{nv(cty.townships.geometry).mean():.0f} vertices, {len(cty.permits):,} convex permits of "
          f"{nv(cty.permits.geometry).mean():.0f} (built in {time.perf_counter() - t:.1f} s); "
          f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
    rows = [run_size(cty, int(n), repeat=a.repeat, with_naive=True) for n in a.sizes.split(",")]
    if a.big:
        rows.append(run_size(cty, 1_000_000, repeat=1, with_naive=False))
    print(table(rows))
    print(time_statistics(cty, 1_000_000, repeat=a.repeat))
    if a.ledger:
        from bench._ledger import time_import

        print(time_import(100_000))
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB; "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
