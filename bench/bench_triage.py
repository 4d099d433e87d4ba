"""Benchmark: triage of 50,000 卫片图斑 against all six reference layers and the demo permits (limit 30 s).

Run: ``python -m bench.bench_triage``.  Synthetic data in the demo store's zone: patches of 0.5–10 亩
scattered over the county, 永久基本农田 and 耕地 as grids of field blocks (features of one layer touching,
some overlapping), 生态保护红线 and 城镇开发边界 as large polygons, 批准用地 and 设施农业备案 as thousands of
parcels.  Timed: reading the patch file (GeoPackage, with every check) and the judgement, as the CLI runs them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from cases.county import county_of
from cases.demo import init_demo
from cases.store import open_store
from cases.triage.layers import save_layer
from cases.triage.patches import read_patches
from cases.triage.rules import Rules
from cases.triage.workflow import judge

N_PATCHES = 50_000
LIMIT_S = 30.0


def _squares(rng: np.random.Generator, inner: shapely.Geometry, n: int, lo_m: float, hi_m: float) -> np.ndarray:
    x0, y0, x1, y1 = inner.bounds
    x, y = rng.uniform(x0, x1, n * 3), rng.uniform(y0, y1, n * 3)
    ok = shapely.contains_xy(inner, x, y)
    x, y = x[ok][:n], y[ok][:n]
    half = rng.uniform(lo_m, hi_m, len(x)) / 2
    return shapely.box(x - half, y - half, x + half, y + half)


def _grid(inner: shapely.Geometry, cell: float, keep_every: int, offset: float = 0.0) -> np.ndarray:
    x0, y0, x1, y1 = inner.bounds
    xs, ys = np.meshgrid(np.arange(x0 + offset, x1, cell), np.arange(y0 + offset, y1, cell))
    xs, ys = xs.ravel()[::keep_every], ys.ravel()[::keep_every]
    boxes = shapely.box(xs, ys, xs + cell * 1.02, ys + cell * 1.02)  # 2 % overlap between neighbours
    return boxes[shapely.intersects(boxes, inner)]


def build(store, rng: np.random.Generator, folder: Path) -> Path:
    crs = county_of(store).area_crs
    outline = shapely.union_all(np.asarray(store.county().to_crs(crs).geometry.values))
    inner = outline.buffer(-300)
    towns = np.asarray(store.townships().to_crs(crs).geometry.values)
    layers = {
        "basic_farmland": _grid(inner, 400, 3),
        "cropland": _grid(inner, 300, 2, offset=50),
        "eco_redline": np.array([t.buffer(-1500) for t in towns[1::3]], dtype=object),
        "urban_boundary": np.array([t.centroid.buffer(1500) for t in towns], dtype=object),
        "approved_land": _squares(rng, inner, 5000, 40, 200),
        "facility_ag": _squares(rng, inner, 2000, 30, 120),
    }
    for kind, geoms in layers.items():
        frame = gpd.GeoDataFrame({"ref": [f"{kind}-{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs)
        save_layer(store, kind, frame, user="bench", source="bench")
        print(f"{kind}: {len(geoms)} 个要素")
    patches = _squares(rng, inner, N_PATCHES, 18, 80)
    path = folder / "patches.gpkg"
    gpd.GeoDataFrame({"图斑编号": [f"P{i:06d}" for i in range(len(patches))]}, geometry=patches, crs=crs).to_file(
        path, driver="GPKG", engine="pyogrio")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(folder / "bench.db", create=True)
        init_demo(store)
        path = build(store, np.random.default_rng(7), folder)
        t0 = time.perf_counter()
        patches = read_patches(path, division=county_of(store), county=store.county())
        t1 = time.perf_counter()
        results = judge(store, patches, rules=Rules())
        t2 = time.perf_counter()
        store.close_all()
    total = t2 - t0
    counts = results["suggestion"].value_counts().to_dict()
    print(f"triage of {len(results):,} patches against 6 layers + permits: read {t1 - t0:.1f} s, "
          f"judge {t2 - t1:.1f} s, total {total:.1f} s (limit {LIMIT_S:.0f} s) — {counts}")
    if total > LIMIT_S:
        raise SystemExit(f"too slow: {total:.1f} s > {LIMIT_S:.0f} s")


if __name__ == "__main__":
    main()
