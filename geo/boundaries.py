"""Boundary layers: the approximate township partition and checks of an official township layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import AREA_CRS, STORAGE_CRS, require_crs
from geo.errors import GeometryError, LedgerFormatError

#: Approximate seats (镇/乡政府驻地) of the eleven townships, lon/lat CGCS2000.  These are read off
#: public small-scale maps to about 1 km and only drive the approximate Voronoi layer.
TOWNSHIP_SEATS: dict[str, tuple[float, float]] = {
    "上馆镇": (112.958, 39.066),
    "峨口镇": (113.200, 39.085),
    "阳明堡镇": (112.880, 39.010),
    "枣林镇": (112.990, 39.010),
    "聂营镇": (113.100, 39.105),
    "滩上镇": (113.060, 39.035),
    "新高乡": (112.820, 39.075),
    "上磨坊乡": (112.960, 38.950),
    "峪口乡": (113.070, 38.905),
    "胡峪乡": (113.210, 38.960),
    "雁门关乡": (112.990, 39.220),
}


def approximate_townships(county: shapely.Geometry, seats: dict[str, tuple[float, float]] | None = None) -> gpd.GeoDataFrame:
    """Partition the county outline (lon/lat) into Voronoi cells around township seats.

    The cells are computed in the area CRS so that they are true nearest-seat regions, clipped to
    the county, and returned in CGCS2000 with ``approximate=True`` on every row.
    """
    seats = seats or TOWNSHIP_SEATS
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


def normalise_township_layer(layer: gpd.GeoDataFrame, *, name_field: str, known: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Check an official township layer and return it as ``name, approximate, source, geometry`` in CGCS2000.

    Raises LedgerFormatError when the name field is missing or names are unknown, and GeometryError
    when a polygon is missing or invalid beyond repair.
    """
    require_crs(layer, what="乡镇界线图层")
    if name_field not in layer.columns:
        raise LedgerFormatError(
            f"乡镇界线图层没有名称字段「{name_field}」；现有字段：{'、'.join(map(str, layer.columns.drop('geometry')))}"
        )
    names = layer[name_field].astype(str).str.strip()
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
    out = out.dissolve(by="name", as_index=False)
    out["approximate"] = False
    out["source"] = "官方乡镇界线"
    out["name"] = pd.Categorical(out["name"], categories=list(known), ordered=True)
    return out.sort_values("name").assign(name=lambda d: d["name"].astype(str))[["name", "approximate", "source", "geometry"]].reset_index(drop=True)
