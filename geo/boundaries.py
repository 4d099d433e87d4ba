"""Boundary layers: the approximate township partition and checks of an official township layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import AREA_CRS, STORAGE_CRS, require_crs
from geo.errors import GeometryError, LedgerFormatError


def approximate_townships(county: shapely.Geometry, seats: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    """Partition the county outline (lon/lat) into Voronoi cells around township seats.

    ``seats`` maps each township name to its seat (镇/乡政府驻地, lon/lat CGCS2000), e.g. the seats of a
    division in ``data/divisions/``.  The cells are computed in the area CRS so that they are true
    nearest-seat regions, clipped to the county, and returned in CGCS2000 with ``approximate=True``
    on every row, in the order of ``seats``.
    """
    names = list(seats)
    pts = gpd.GeoSeries(gpd.points_from_xy(*zip(*seats.values())), crs=STORAGE_CRS).to_crs(AREA_CRS)
    outline = gpd.GeoSeries([county], crs=STORAGE_CRS).to_crs(AREA_CRS).iloc[0]
    cells = shapely.voronoi_polygons(shapely.multipoints(pts.values), extend_to=outline.buffer(5000))
    cells = np.asarray(shapely.get_parts(cells))
    # voronoi_polygons does not keep input order: match each cell to the seat it contains.
    tree = shapely.STRtree(cells)
    seat_idx, cell_idx = tree.query(pts.values, predicate="within")
    order = np.empty(len(names), dtype=int)
    order[seat_idx] = cell_idx
    clipped = shapely.intersection(cells[order], outline)
    gdf = gpd.GeoDataFrame(
        {"name": names, "approximate": True, "source": "乡镇驻地泰森多边形（示意，非官方界线）"},
        geometry=clipped, crs=AREA_CRS,
    )
    return gdf.to_crs(STORAGE_CRS)


def normalise_township_layer(layer: gpd.GeoDataFrame, *, name_field: str,
                             known: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """Check a township layer and return it as ``name, approximate, source, geometry`` in CGCS2000.

    Raises CRSError without a CRS; LedgerFormatError when the name field is missing, a name is empty
    or given to several features, or (with ``known``) names are unknown or missing; GeometryError when
    a polygon is missing or invalid beyond repair.  With ``known`` the rows follow its order, else the
    layer's.  Rows are official (``approximate`` False) unless the layer has a true ``approximate`` field;
    ``source`` is kept from a ``source`` field.
    """
    require_crs(layer, what="乡镇界线图层")
    if name_field not in layer.columns:
        raise LedgerFormatError(
            f"乡镇界线图层没有名称字段「{name_field}」；现有字段：{'、'.join(map(str, layer.columns.drop('geometry'))) or '（无）'}"
            "（用 --name-field 指定乡镇名称所在的字段）"
        )
    names = layer[name_field].astype(object).where(layer[name_field].notna(), "").astype(str).str.strip()
    if len(names) == 0:
        raise LedgerFormatError("乡镇界线图层中没有任何要素（乡镇）")
    empty = [str(i + 1) for i in np.flatnonzero(names.to_numpy() == "")]
    if empty:
        raise LedgerFormatError(f"乡镇界线图层中第 {'、'.join(empty[:20])} 个要素的名称字段「{name_field}」为空")
    counts = names.value_counts()
    dup = [f"{n}（{c} 个要素）" for n, c in counts[counts > 1].items()]
    if dup:
        raise LedgerFormatError(f"乡镇界线图层中乡镇名称重复：{'、'.join(dup)}；每个乡镇应为一个要素"
                                "（飞地请合并为一个多部分面 MultiPolygon）")
    if known is not None:
        unknown = sorted(set(names) - set(known))
        if unknown:
            raise LedgerFormatError(f"乡镇界线图层中有未知乡镇名称：{'、'.join(unknown)}；应为：{'、'.join(known)}")
        missing = sorted(set(known) - set(names))
        if missing:
            raise LedgerFormatError(f"乡镇界线图层缺少乡镇：{'、'.join(missing)}")
    geoms = layer.geometry.values
    if np.any(shapely.is_missing(geoms)) or not np.all(np.isin(shapely.get_type_id(geoms), [3, 6])):
        raise GeometryError("乡镇界线图层中有空几何或非面要素；每个乡镇应为一个面（Polygon/MultiPolygon）")
    fixed = shapely.make_valid(geoms)
    out = gpd.GeoDataFrame({"name": names.values}, geometry=fixed, crs=layer.crs).to_crs(STORAGE_CRS)
    # a layer that says it is approximate (an ``approximate`` field, as the shipped one has) stays approximate
    approx = layer["approximate"].fillna(False).astype(bool).to_numpy() if "approximate" in layer else False
    out["approximate"] = approx
    source = layer["source"].astype(object).where(layer["source"].notna(), "").astype(str).to_numpy() \
        if "source" in layer else np.full(len(out), "")
    out["source"] = np.where(source != "", source, np.where(approx, "示意乡镇界线", "官方乡镇界线"))
    order = list(known) if known is not None else list(names)
    out["name"] = pd.Categorical(out["name"], categories=order, ordered=True)
    return out.sort_values("name").assign(name=lambda d: d["name"].astype(str))[["name", "approximate", "source", "geometry"]].reset_index(drop=True)


#: A township with less than this share of its area inside the county outline lies outside it.
MIN_INSIDE_SHARE = 0.5


def townships_outside(layer: gpd.GeoDataFrame, county: gpd.GeoSeries | gpd.GeoDataFrame, *,
                      min_share: float = MIN_INSIDE_SHARE) -> list[tuple[str, float]]:
    """Townships of ``layer`` (column ``name``) lying mostly outside ``county``: ``(name, share inside)``.

    Areas are measured in the area CRS.  An official layer and the shipped outline differ by metres
    along the border, so a township of the county has a share near 1; another county's file near 0.
    """
    towns = layer.to_crs(AREA_CRS)
    outline = shapely.union_all(np.asarray(county.to_crs(AREA_CRS).geometry.values))
    geoms = np.asarray(towns.geometry.values)
    area = shapely.area(geoms)
    inside = shapely.area(shapely.intersection(geoms, outline))
    share = np.divide(inside, area, out=np.zeros(len(geoms)), where=area > 0)
    names = towns["name"].astype(str).to_numpy()
    return [(str(n), float(s)) for n, s in zip(names, share) if s < min_share]
