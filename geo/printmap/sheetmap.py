"""The map of one case for its check sheet: the case against its permit and township, outside part hatched.

Pure: geometries in (any declared CRS), artists added to a given axes; no file I/O.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from pyproj import CRS

from geo.crs import AREA_CRS, require_crs
from geo.printmap.furniture import (
    STYLE,
    add_lines,
    add_polygons,
    box_of_points,
    draw_north_arrow,
    draw_scale_bar,
    fit_extent,
    halo_text,
    place_labels,
    plain_text,
)

#: Smallest map width (m) around a case, so a tiny parcel keeps some surroundings.
MIN_VIEW_M = 300.0


def draw_case_map(ax: Axes, case: gpd.GeoSeries, *, kind: str, case_id: str, townships: gpd.GeoDataFrame,
                  permit: gpd.GeoSeries | None = None, permit_no: str | None = None,
                  outside: gpd.GeoSeries | None = None, font: str = "sans-serif", crs: CRS = AREA_CRS) -> None:
    """Draw ``case`` (one geometry) with ``permit``, the township lines and names, and ``outside`` hatched.

    The view covers the case and its permit, widened to the axes' shape; the outside part uses
    ``STYLE["outside"]`` (light red fill, red hatch) so it is distinct from every other fill.  The map is
    drawn in ``crs``, the county's Gauss-Krüger CRS in metres (default 代县's zone 38).
    """
    g = _in(case, crs).iloc[0]
    pg = _in(permit, crs).iloc[0] if permit is not None and len(permit) else None
    bounds = shapely.bounds(shapely.union_all([x for x in (g, pg) if x is not None]))
    pos = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    x0, y0, x1, y1 = fit_extent(tuple(bounds), (pos.width * fw) / (pos.height * fh), margin=0.18,
                                min_size=MIN_VIEW_M)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_linewidth(1.2)
    view = shapely.box(x0, y0, x1, y1)
    towns = _in(townships, crs)
    towns = towns.iloc[np.sort(towns.sindex.query(view, predicate="intersects"))] if len(towns) else towns
    handles = []
    if len(towns):
        add_lines(ax, shapely.union_all(shapely.boundary(np.asarray(towns.geometry.values))), zorder=4,
                  **STYLE["township"])
        handles.append(Line2D([], [], color=STYLE["township"]["edgecolor"], linestyle="--", linewidth=0.8,
                              label="乡镇界线"))
    if pg is not None:
        add_polygons(ax, [pg], zorder=5, **STYLE["permit"])
        handles.append(Patch(label=f"采矿许可范围 {permit_no or ''}".strip(), facecolor=STYLE["permit"]["facecolor"],
                             edgecolor=STYLE["permit"]["edgecolor"]))
    style = STYLE["mining" if kind == "mining" else "land"]
    label = "案件范围" if shapely.get_type_id(g) != 0 else "案件位置（点）"
    if shapely.get_type_id(g) == 0:
        ax.scatter([g.x], [g.y], s=60, marker="^" if kind == "mining" else "o", facecolor=style["facecolor"],
                   edgecolor="black", linewidth=0.9, zorder=9)
        handles.append(Line2D([], [], marker="^" if kind == "mining" else "o", linestyle="", markersize=7,
                              markerfacecolor=style["facecolor"], markeredgecolor="black", label=label))
    else:
        add_polygons(ax, [g], zorder=7, facecolor=style["facecolor"], edgecolor="black", linewidth=1.3)
        handles.append(Patch(label=label, facecolor=style["facecolor"], edgecolor="black"))
    out = _in(outside, crs).iloc[0] if outside is not None and len(outside) else None
    if out is not None and not out.is_empty:
        add_polygons(ax, [out], zorder=8, **STYLE["outside"])
        handles.append(Patch(label="越界部分", **{k: STYLE["outside"][k] for k in ("facecolor", "edgecolor", "hatch")}))
    _labels(ax, g, case_id, towns, view, font)
    draw_scale_bar(ax, font=font, fontsize=6.5)
    draw_north_arrow(ax, font=font, loc=(0.95, 0.80), size=0.12)
    leg = ax.legend(handles=handles, loc="upper left", prop={"family": font, "size": 6.5},
                    framealpha=0.9, edgecolor="#888888")
    plain_text(leg.get_texts())  # e.g. a permit number holding "$"
    leg.set_zorder(30)


def _in(frame: gpd.GeoDataFrame | gpd.GeoSeries, crs: CRS):
    """``frame`` in the drawing CRS ``crs``; refuse data without a CRS."""
    require_crs(frame)
    return frame.to_crs(crs)


def _labels(ax: Axes, g, case_id: str, towns: gpd.GeoDataFrame, view, font: str) -> None:
    p = shapely.point_on_surface(g)
    is_point = shapely.get_type_id(g) == 0
    offsets = ((1, 0), (0, 1), (0, -1), (-1, 0)) if is_point else ((0, 0), (1, 0), (0, 1), (0, -1))
    mark = [box_of_points(ax, p.x, p.y, 10.0, 10.0)] if is_point else []
    keep, lx, ly, _, taken = place_labels(ax, np.array([p.x]), np.array([p.y]), [case_id], fontsize=8,
                                          offsets=offsets, gap_pt=6, taken=mark)
    if keep[0]:
        halo_text(ax, lx[0], ly[0], case_id, font=font, size=8, color="#000000", weight="bold")
    if len(towns):
        tp = shapely.point_on_surface(shapely.intersection(np.asarray(towns.geometry.values), view))
        names = towns["name"].astype(str).tolist()
        keep, lx, ly, _, _ = place_labels(ax, shapely.get_x(tp), shapely.get_y(tp), names, fontsize=9, taken=taken,
                                          offsets=((0, 0), (0, 1.5), (0, -1.5), (1, 0), (-1, 0)))
        for i in np.flatnonzero(keep):
            halo_text(ax, lx[i], ly[i], names[i], font=font, size=9, color="#3c3c3c", weight="bold")
