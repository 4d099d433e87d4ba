"""Benchmark: the check engine on 10,000 cases, as a ratio against the 110-case demo run in the same process.

Run: ``python -m bench.bench_checks``.  Goal: checking 10,000 cases stays within ~100× the time of
110 cases (linear, vectorized: no per-row geometry loop) and well under 5 s on a 2-core machine.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bench._timing import best_of
from cases.demo import init_demo
from cases.store import open_store
from geo.checks import check_cases


def replicate(cases: gpd.GeoDataFrame, n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` cases made by copying demo cases and jittering them by up to ±300 m (about 0.003°)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(cases), n)
    out = cases.iloc[idx].reset_index(drop=True)
    dx, dy = rng.uniform(-0.003, 0.003, n), rng.uniform(-0.003, 0.003, n)
    geoms = np.asarray(out.geometry.values)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    coords = coords + np.column_stack([dx[owner], dy[owner]])
    out = out.set_geometry(shapely.set_coordinates(geoms.copy(), coords), crs=cases.crs)
    out["case_id"] = [f"B-{i:05d}" for i in range(n)]
    return out



def main() -> None:
    tmp = Path(__file__).resolve().parent / "_bench_checks.db"
    store = open_store(tmp, create=True)
    init_demo(store)
    cases, towns, permits, county = store.cases(), store.townships(), store.permits(), store.county()
    big = replicate(cases, 10_000)
    base = best_of(lambda: check_cases(cases, towns, permits, county))
    large = best_of(lambda: check_cases(big, towns, permits, county))
    tracemalloc.start()
    check_cases(big, towns, permits, county)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rows = pd.DataFrame([
        {"run": "baseline: demo (110 cases)", "seconds": base, "ratio": 1.0},
        {"run": "10,000 cases", "seconds": large, "ratio": large / base},
    ])
    print(rows.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"per-case cost ratio (10,000 vs 110): {(large / 10_000) / (base / 110):.2f}; peak Python memory {peak:.0f} MB")
    store.close()
    tmp.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
