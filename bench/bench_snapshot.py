"""Benchmark: a township map snapshot with 1,000 cases must take ≤ 3 s (PNG, A4, 150 dpi).

Run from the repository root:  python -m bench.bench_snapshot [--cases 1000] [--township 峨口镇]

The 1,000 cases are the demo cases copied and jittered to random places inside one township.
The baseline is the 110-case county map of the demo data, timed in the same process, so the
ratio says how the township map scales independently of the machine.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from bench._timing import best_of
from cases.demo import init_demo
from cases.output.figures import save_figure
from cases.output.fonts import font_family
from cases.output.snapshots import SnapshotRequest, render_snapshot
from cases.service import store_notes
from cases.store import open_store
from geo.checks import outside_parts
from geo.crs import AREA_CRS, STORAGE_CRS
from geo.printmap.snapshot import MapContent, snapshot_figure

LIMIT_S = 3.0
#: Set to a path to keep the township map for a look (python -c "import bench…").
SAVE_TO = None


def jittered_cases(cases: gpd.GeoDataFrame, township: gpd.GeoSeries, n: int, *, name: str,
                   seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` copies of ``cases`` moved to random points inside ``township`` (all declared there)."""
    rng = np.random.default_rng(seed)
    area = cases.to_crs(AREA_CRS)
    town = township.to_crs(AREA_CRS).union_all().buffer(-300)
    x0, y0, x1, y1 = town.bounds
    pts = np.empty(0, dtype=object)
    while len(pts) < n:
        cand = shapely.points(rng.uniform(x0, x1, 4 * n), rng.uniform(y0, y1, 4 * n))
        pts = np.concatenate([pts, cand[shapely.contains_xy(town, shapely.get_x(cand), shapely.get_y(cand))]])
    pick = rng.integers(0, len(area), n)
    src = area.iloc[pick].reset_index(drop=True)
    centre = shapely.centroid(np.asarray(src.geometry.values))
    dx = shapely.get_x(pts[:n]) - shapely.get_x(centre)
    dy = shapely.get_y(pts[:n]) - shapely.get_y(centre)
    moved = [shapely.affinity.translate(g, x, y) for g, x, y in zip(src.geometry.values, dx, dy)]
    out = src.drop(columns="geometry").assign(case_id=[f"BJ-{i + 1:04d}" for i in range(n)], township=name)
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(moved, crs=AREA_CRS)).to_crs(STORAGE_CRS)



def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--township", default="峨口镇")
    ap.add_argument("--dpi", type=float, default=150)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db", create=True)
        init_demo(store)
        font = font_family()
        towns = store.townships()
        focus = towns[towns["name"] == args.township].geometry
        many = jittered_cases(store.cases(), focus, args.cases, name=args.township)
        permits = store.permits()

        def baseline() -> None:
            fig = render_snapshot(store, SnapshotRequest(), size="A4", landscape=True, dpi=args.dpi)
            save_figure(fig, io.BytesIO(), fmt="png")

        def township_map() -> None:
            content = MapContent(
                cases=many, townships=towns, permits=permits, county=store.county(),
                title=f"代县{args.township}非法违法用地用矿案件分布图", area_name=f"代县{args.township}",
                date_text="2019年7月15日", notes=store_notes(store), outside=outside_parts(many, permits),
                focus=focus,
            )
            fig = snapshot_figure(content, extent=tuple(focus.total_bounds), size="A4", landscape=True,
                                  dpi=args.dpi, font=font)
            save_figure(fig, SAVE_TO or io.BytesIO(), fmt="png")

        baseline()  # warm-up: font cache, imports
        t_base = best_of(baseline)
        t_many = best_of(township_map)
        store.close()
    n_demo = 110
    print(f"基准：全县示例地图（{n_demo} 个案件，A4 横向 {args.dpi:g} dpi PNG）：{t_base:.2f} s")
    print(f"{args.township} {args.cases} 个案件地图（A4 横向 {args.dpi:g} dpi PNG）：{t_many:.2f} s"
          f"（为基准的 {t_many / t_base:.2f} 倍；要求 ≤ {LIMIT_S:g} s）")
    ok = t_many <= LIMIT_S
    print("结果：" + ("通过" if ok else "未通过"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
