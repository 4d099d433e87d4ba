"""Timing the import of a large ledger: a flat CSV of land cases (points) into a fresh store with the shipped boundaries."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from cases.io.geodata import load_shipped_boundaries
from cases.ledger.importer import import_ledger
from cases.store import open_store

HEADER = ["案件编号", "违法类别", "责任乡镇", "基本情况（摘要）", "立案时间", "县级", "经度", "纬度"]


def write_flat_ledger(path: Path, n: int, *, seed: int = 5) -> Path:
    """``n`` land cases, each a point inside its (shipped, approximate) township, as a UTF-8 CSV."""
    rng = np.random.default_rng(seed)
    _, towns = load_shipped_boundaries()
    names, geoms = towns["name"].to_numpy(), np.asarray(towns.geometry.values)
    which = rng.integers(0, len(names), n)
    lon, lat = np.empty(n), np.empty(n)
    for t in range(len(names)):
        sel = np.flatnonzero(which == t)
        x0, y0, x1, y1 = geoms[t].bounds
        pts = np.empty((0, 2))
        while len(pts) < len(sel):
            cand = np.column_stack([rng.uniform(x0, x1, 2 * len(sel) + 10), rng.uniform(y0, y1, 2 * len(sel) + 10)])
            pts = np.vstack([pts, cand[shapely.contains_xy(geoms[t].buffer(-0.002), cand[:, 0], cand[:, 1])]])
        lon[sel], lat[sel] = pts[: len(sel), 0], pts[: len(sel), 1]
    mu = np.round(rng.uniform(0.2, 30, n), 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            town = names[which[i]]
            w.writerow([f"YD-B-{i:06d}", int(rng.integers(1, 6)), town, f"张某{i}于2019年在{town}某村非法占地{mu[i]}亩",
                        "2019年6月4日", "否", f"{lon[i]:.6f}", f"{lat[i]:.6f}"])
    return path


def time_import(n: int) -> str:
    """Import an ``n``-row ledger into a new store; one line saying how long it took."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_flat_ledger(Path(tmp) / "ledger.csv", n)
        store = open_store(Path(tmp) / "bench.db", create=True)
        county, towns = load_shipped_boundaries()
        store.replace_boundaries("county", county, user="bench")
        store.replace_boundaries("township", towns, user="bench")
        t = time.perf_counter()
        rep = import_ledger(store, path, kind="land")
        took = time.perf_counter() - t
        store.close()
    return f"import of a {n:,}-row ledger (flat CSV, land cases located by points): {took:.1f} s, {len(rep.added):,} added"
