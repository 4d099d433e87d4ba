"""Make the demo reference layers and demo 卫片图斑 (示例数据) in data/demo_layers/: ``python -m scripts.make_demo_layers``.

Everything is invented around the demo cases (:mod:`cases.demo`), deterministic (fixed seed), and every
feature carries ``note`` = 示例数据.  The layers are drawn in the demo store's zone and written as GeoJSON
in CGCS2000 lon/lat (EPSG:4490, declared in the file).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box

from cases.demo import demo_data
from cases.io.geodata import load_shipped_boundaries
from cases.triage.layers import DEMO_DIR
from geo.crs import AREA_CRS, M2_PER_MU, STORAGE_CRS

NOTE = "示例数据"
SEED = 20191115


def _square(x: float, y: float, mu: float) -> shapely.Geometry:
    half = (mu * M2_PER_MU) ** 0.5 / 2
    return box(x - half, y - half, x + half, y + half)


def _write(layer: str, geoms: list, **cols) -> None:
    frame = gpd.GeoDataFrame({**cols, "note": [NOTE] * len(geoms)}, geometry=geoms, crs=AREA_CRS).to_crs(STORAGE_CRS)
    path = DEMO_DIR / f"{layer}.geojson"
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"WRITE_NAME": "NO"})
    print(f"{path.name}: {len(frame)} 个要素")


def _other_farmland(land: gpd.GeoDataFrame) -> list:
    """其他农用地 (林地、园地、草地…) under every 4th land case from the 4th: the whole case where it is 20 亩 or more
    (its referral stays), the western half of the smaller ones (measured less than the upper bound)."""
    out = []
    for g in land.geometry.iloc[3::4]:
        x0, y0, x1, y1 = g.envelope.buffer(80, join_style="mitre").bounds
        out.append(box(x0, y0, x1 if g.area / M2_PER_MU >= 20 else (x0 + x1) / 2, y1))
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    _, towns = load_shipped_boundaries()
    _, cases = demo_data(towns)
    towns = towns.to_crs(AREA_CRS)
    land = gpd.GeoDataFrame([c.to_record() for c in cases if c.kind == "land"], geometry="geometry",
                            crs=STORAGE_CRS).to_crs(AREA_CRS)
    env = [g.envelope.buffer(80, join_style="mitre") for g in land.geometry]
    # 永久基本农田 around every 4th land case, 耕地 around the next ones (criminal thresholds fire on some)
    _write("basic_farmland", env[0::4], name=[f"基本农田保护片块{i + 1:02d}" for i in range(len(env[0::4]))])
    crop = env[1::4] + [shapely.buffer(g, 600) for g in env[0::4]]
    _write("cropland", crop, name=[f"耕地图斑{i + 1:03d}" for i in range(len(crop))])
    other = _other_farmland(land)
    _write("other_farmland", other, name=[f"其他农用地图斑{i + 1:02d}" for i in range(len(other))])
    mountain = [t.buffer(-1500) for t in towns.geometry.iloc[[1, 9]]]
    _write("eco_redline", mountain, name=["生态保护红线（示例一）", "生态保护红线（示例二）"])
    seat = towns.geometry.iloc[0].representative_point()
    _write("urban_boundary", [seat.buffer(2500)], name=["城镇开发边界（示例）"])
    approved = env[2::4] + [shapely.buffer(seat, 400).envelope]
    # 卫片图斑: covered by an approval, by a facility record, half covered, not covered, over a demo case
    patches, kinds = [], []
    facility = []
    for i, t in enumerate(towns.geometry):
        inner = t.buffer(-1500)
        x0, y0, x1, y1 = inner.bounds
        pts = shapely.points(rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200))
        pts = pts[shapely.contains_xy(inner, shapely.get_x(pts), shapely.get_y(pts))][:4]
        for j, p in enumerate(pts):
            sq = _square(p.x, p.y, float(rng.uniform(3, 25)))
            role = (i + j) % 4
            if role == 0:
                approved.append(sq.buffer(10, join_style="mitre"))
            elif role == 1:
                facility.append(sq.buffer(10, join_style="mitre"))
            elif role == 2:
                minx, miny, maxx, maxy = sq.bounds
                approved.append(box(minx - 10, miny - 10, (minx + maxx) / 2, maxy + 10))
            patches.append(sq)
            kinds.append(("新增建设用地", "设施农用地", "新增建设用地", "新增建设用地")[role])
    for g in land.geometry.iloc[3::11]:  # already a case
        patches.append(g.buffer(5, join_style="mitre"))
        kinds.append("新增建设用地")
    _write("approved_land", approved, 批文号=[f"示例批〔2018〕{i + 1}号" for i in range(len(approved))])
    _write("facility_ag", facility, 备案号=[f"示例设施农业备案〔2019〕{i + 1}号" for i in range(len(facility))])
    area = [round(g.area / M2_PER_MU, 2) for g in patches]
    _write("patches_2019", patches, 图斑编号=[f"示例-2019-{i + 1:04d}" for i in range(len(patches))],
           图斑类型=kinds, 监测面积=area, 前时相=["2018-10"] * len(patches), 后时相=["2019-04"] * len(patches))


if __name__ == "__main__":
    main()
