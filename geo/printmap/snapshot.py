"""Printed map snapshots: a matplotlib Figure of cases, permits and townships with map furniture.

Pure: GeoDataFrames in, a ``matplotlib.figure.Figure`` out (no pyplot state, no file I/O, no UI).
The map is drawn in the area CRS (EPSG:4526, metres) so the scale bar is true; inputs in any
declared CRS are reprojected.  The caller saves the figure (PNG or PDF) at the page size given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pyproj import CRS, Transformer

from geo.crs import AREA_CRS, STORAGE_CRS, to_area_crs
from geo.printmap.furniture import (
    CRS_NOTE,
    MM_PER_INCH,
    STYLE,
    add_lines,
    add_polygons,
    box_of_points,
    draw_frame,
    draw_north_arrow,
    draw_scale_bar,
    fit_extent,
    halo_text,
    map_scale,
    page_size_mm,
    place_labels,
    wrap_cjk,
)

#: Paper size (mm) under which a parcel also gets a point symbol so it stays visible.
MIN_PARCEL_MM = 1.6
LABEL_PT = 5.5
TOWN_PT = 9.0
#: Label positions tried around a permit's inner point (in label widths/heights).
PERMIT_OFFSETS = ((0, -1.6), (0, 1.6), (0, 0), (0, -4), (0, 4), (1, -1.6), (-1, -1.6), (1, 1.6), (-1, 1.6), (0, -7), (0, 7))


@dataclass
class MapContent:
    """What goes on a map: the layers (any CRS) and the texts of the page."""

    cases: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    permits: gpd.GeoDataFrame
    county: gpd.GeoDataFrame
    title: str
    area_name: str
    date_text: str
    unit: str = "代县自然资源局"
    notes: list[str] = field(default_factory=list)
    outside: gpd.GeoSeries | None = None
    #: The area the map is about (a township, or the county when None): shown unshaded.
    focus: gpd.GeoSeries | None = None
    #: A case id drawn with a heavy outline and labelled first.
    highlight: str | None = None
    #: Reference layers drawn under everything else: (legend label, polygons in any CRS, matplotlib style).
    backdrop: list[tuple[str, gpd.GeoDataFrame, dict]] = field(default_factory=list)


def lonlat_extent_to_area(extent: tuple[float, float, float, float], *,
                          crs: CRS = AREA_CRS) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1) in CGCS2000 → bounds in ``crs`` (default the area CRS; densified edges)."""
    tr = Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)
    return tr.transform_bounds(*extent, densify_pts=21)


def _visible(frame: gpd.GeoDataFrame, view: shapely.Geometry) -> gpd.GeoDataFrame:
    if len(frame) == 0:
        return frame
    idx = frame.sindex.query(view, predicate="intersects")
    return frame.iloc[np.sort(idx)]


def _layout(w: float, h: float, landscape: bool) -> dict[str, tuple[float, float, float, float]]:
    """Boxes (left, top, width, height in mm) of the map and the side/bottom panel."""
    m, top = 12.0, 30.0
    if landscape:
        panel_w = 68.0 if w < 400 else 90.0
        return {"map": (m, top, w - 2 * m - panel_w - 4, h - top - m),
                "panel": (w - m - panel_w, top, panel_w, h - top - m)}
    panel_h = 58.0 if h < 400 else 80.0
    return {"map": (m, top, w - 2 * m, h - top - m - panel_h - 4),
            "panel": (m, h - m - panel_h, w - 2 * m, panel_h)}


def _axes(fig: Figure, box: tuple[float, float, float, float], w: float, h: float, **kw):
    left, top, bw, bh = box
    return fig.add_axes((left / w, 1 - (top + bh) / h, bw / w, bh / h), **kw)


def snapshot_figure(content: MapContent, *, extent: tuple[float, float, float, float] | None = None,
                    size: str = "A4", landscape: bool = True, dpi: float = 150, font: str = "sans-serif",
                    label_cases: bool = True, label_permits: bool = True, crs: CRS = AREA_CRS) -> Figure:
    """A briefing map page of ``content``.

    Parameters
    ----------
    content
        Layers and texts.  ``content.outside`` (optional) are the parts to hatch as 越界.
    extent
        (lon0, lat0, lon1, lat1) in CGCS2000 of the area to show; default: the cases (or the
        county when there are none).  The extent is widened to the map's shape, never cut.
    size, landscape
        Page: A4 (210×297 mm) or A3, portrait or landscape.
    dpi
        Figure DPI (the raster size when saved as PNG with ``dpi="figure"``).
    font
        Family name of a CJK font registered with matplotlib (see ``cases.output.fonts``).
    crs
        The Gauss-Krüger CRS the map is drawn in, in metres: the county's (default 代县's zone 38).
    """
    w, h = page_size_mm(size, landscape=landscape)
    fig = Figure(figsize=(w / MM_PER_INCH, h / MM_PER_INCH), dpi=dpi)
    boxes = _layout(w, h, landscape)
    cases, county, towns, permits = (to_area_crs(f).to_crs(crs) for f in
                                     (content.cases, content.county, content.townships, content.permits))

    if extent is not None:
        bounds = lonlat_extent_to_area(extent, crs=crs)
    elif len(cases):
        bounds = tuple(cases.total_bounds)
    else:
        bounds = tuple(county.total_bounds)
    _, _, mw, mh = boxes["map"]
    x0, y0, x1, y1 = fit_extent(bounds, mw / mh, margin=0.04, min_size=600.0)
    ax = _axes(fig, boxes["map"], w, h, label="map")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("auto")
    ax.set_facecolor("white")
    view = shapely.box(x0, y0, x1, y1)

    drawn = _draw_layers(ax, content, cases, county, towns, permits, view, font, crs)
    unlabelled = _draw_labels(ax, drawn, font, highlight=content.highlight, label_cases=label_cases,
                              label_permits=label_permits)
    draw_frame(ax, font=font)
    draw_scale_bar(ax, font=font)
    draw_north_arrow(ax, font=font)

    fig.text(0.5, 1 - 12 / h, content.title, ha="center", va="center", fontsize=17 if w < 400 else 22,
             fontfamily=font, fontweight="bold", parse_math=False)
    fig.text(0.5, 1 - 22 / h, f"制图范围：{content.area_name}　　　数据截至：{content.date_text}", ha="center",
             va="center", fontsize=9, fontfamily=font, parse_math=False)
    fig.add_artist(Rectangle((6 / w, 6 / h), 1 - 12 / w, 1 - 12 / h, transform=fig.transFigure, fill=False,
                             edgecolor="black", linewidth=1.8))
    panel = _axes(fig, boxes["panel"], w, h, label="panel")
    _draw_panel(panel, boxes["panel"], content, drawn, unlabelled, font, landscape)
    return fig


@dataclass
class _Drawn:
    cases: gpd.GeoDataFrame
    permits: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    legend: list[tuple[str, dict]]
    view: shapely.Geometry
    marks: np.ndarray


def _draw_layers(ax, content, cases, county, towns, permits, view, font, crs=AREA_CRS) -> _Drawn:
    legend: list[tuple[str, dict]] = []
    focus = county.union_all() if len(county) else None
    if content.focus is not None:
        town = to_area_crs(content.focus).to_crs(crs).union_all()
        focus = town if focus is None else shapely.intersection(town, focus)
    if focus is not None and not focus.is_empty:
        add_polygons(ax, [shapely.difference(view, focus)], zorder=1, **STYLE["mask"])
    for label, frame, style in content.backdrop:
        shown = _visible(to_area_crs(frame).to_crs(crs), view)
        if len(shown):
            add_polygons(ax, shown.geometry.values, zorder=2, **style)
            legend.append((label, {"patch": style}))
    if len(county):
        add_polygons(ax, county.geometry.values, zorder=5, **STYLE["county"])
        legend.append(("县界", {"line": STYLE["county"]}))
    vt = _visible(towns, view)
    if len(vt):
        add_lines(ax, shapely.union_all(shapely.boundary(np.asarray(vt.geometry.values))), zorder=4,
                  **STYLE["township"])
        approx = "approximate" in vt and bool(vt["approximate"].any())
        legend.append(("乡镇界线（示意）" if approx else "乡镇界线", {"line": STYLE["township"]}))
    vp = _visible(permits, view)
    if len(vp):
        add_polygons(ax, vp.geometry.values, zorder=6, alpha=0.85, **STYLE["permit"])
        legend.append(("采矿许可范围", {"patch": STYLE["permit"]}))
    vc = _visible(cases, view)
    geoms = np.asarray(vc.geometry.values)
    is_point = shapely.get_type_id(geoms) == 0
    kind = vc["kind"].astype(str).to_numpy() if len(vc) else np.array([], dtype=object)
    mm_per_m = 1000.0 / map_scale(ax)
    b = shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4))
    small = ~is_point & (np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * mm_per_m < MIN_PARCEL_MM)
    for k, name in (("land", "用地案件"), ("mining", "采矿案件")):
        sel = (kind == k) & ~is_point
        if sel.any():
            add_polygons(ax, geoms[sel], zorder=8, **STYLE[k])
            legend.append((f"{name}（图斑）", {"patch": STYLE[k]}))
        marks = (kind == k) & (is_point | small)
        if marks.any():
            pts = shapely.point_on_surface(geoms[marks])
            ax.scatter(shapely.get_x(pts), shapely.get_y(pts), s=14, marker="o" if k == "land" else "^",
                       facecolor=STYLE[k]["facecolor"], edgecolor=STYLE[k]["edgecolor"], linewidth=0.6, zorder=9)
            legend.append((f"{name}（点位）", {"marker": "o" if k == "land" else "^", **STYLE[k]}))
    if content.highlight and len(vc):
        hi = vc["case_id"].astype(str).to_numpy() == content.highlight
        if hi.any() and not is_point[hi].all():
            add_polygons(ax, geoms[hi], zorder=11, edgecolor="#000000", linewidth=1.8)
    if content.outside is not None and len(content.outside):
        out = to_area_crs(content.outside).to_crs(crs)
        out = out[~(out.isna() | out.is_empty)]
        out = out.iloc[np.sort(out.sindex.query(view, predicate="intersects"))] if len(out) else out
        if len(out):
            add_polygons(ax, out.values, zorder=10, **STYLE["outside"])
            legend.append(("越界开采部分", {"patch": STYLE["outside"]}))
    marked = is_point | small
    return _Drawn(cases=vc, permits=vp, towns=vt, legend=legend, view=view,
                  marks=shapely.point_on_surface(geoms[marked]) if marked.any() else np.array([], dtype=object))


def _draw_labels(ax, drawn: _Drawn, font: str, *, highlight: str | None, label_cases: bool,
                 label_permits: bool) -> int:
    """The highlighted case, township names, case ids, permit numbers, without overlaps.

    Returns how many visible cases got no label.
    """
    bb = ax.get_window_extent()
    to_pt = 72.0 / ax.figure.dpi
    x0, y0, w, h = bb.x0 * to_pt, bb.y0 * to_pt, bb.width * to_pt, bb.height * to_pt
    # room kept free for the scale bar (lower left) and the north arrow (upper right)
    taken: list = [(x0, y0, x0 + 0.27 * w, y0 + 42.0), (x0 + w - 45.0, y0 + h - 75.0, x0 + w, y0 + h)]
    n = len(drawn.cases)
    ids = drawn.cases["case_id"].astype(str).to_numpy() if n else np.array([], dtype=object)
    pts = shapely.point_on_surface(np.asarray(drawn.cases.geometry.values)) if n else np.array([], dtype=object)
    px, py = shapely.get_x(pts), shapely.get_y(pts)
    done = np.zeros(n, bool)
    inside = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
    hi = np.flatnonzero(ids == highlight) if highlight and label_cases else np.array([], int)
    if len(hi):
        keep, lx, ly, _, taken = place_labels(ax, px[hi], py[hi], list(ids[hi]), fontsize=LABEL_PT + 2,
                                              offsets=inside, gap_pt=4.0)
        for j, i in enumerate(hi):
            if keep[j]:
                halo_text(ax, lx[j], ly[j], ids[i], font=font, size=LABEL_PT + 2, color="#000000", weight="bold")
                done[i] = True
    if len(drawn.towns):
        tp = shapely.point_on_surface(shapely.intersection(np.asarray(drawn.towns.geometry.values), drawn.view))
        names = drawn.towns["name"].astype(str).tolist()
        keep, lx, ly, _, taken = place_labels(ax, shapely.get_x(tp), shapely.get_y(tp), names, fontsize=TOWN_PT,
                                              taken=taken, offsets=((0, 0), (0, 1.5), (0, -1.5), (1, 0), (-1, 0)))
        for i in np.flatnonzero(keep):
            halo_text(ax, lx[i], ly[i], names[i], font=font, size=TOWN_PT, color="#3c3c3c", weight="bold")
    taken += [box_of_points(ax, x, y, 4.5, 4.5) for x, y in zip(shapely.get_x(drawn.marks), shapely.get_y(drawn.marks))]
    if label_cases and n:
        # parcels wide enough on paper carry their label inside; the rest beside their symbol
        b = shapely.bounds(np.asarray(drawn.cases.geometry.values))
        width_pt = (b[:, 2] - b[:, 0]) * 1000.0 / map_scale(ax) / MM_PER_INCH * 72
        wide = width_pt > LABEL_PT * 6.5
        for group, offsets in ((wide & ~done, inside), (~wide & ~done, inside[1:])):
            idx = np.flatnonzero(group)
            if not len(idx):
                continue
            keep, lx, ly, _, taken = place_labels(ax, px[idx], py[idx], list(ids[idx]), fontsize=LABEL_PT,
                                                  taken=taken, offsets=offsets, gap_pt=3.0)
            for j in np.flatnonzero(keep):
                halo_text(ax, lx[j], ly[j], ids[idx[j]], font=font, size=LABEL_PT, color="#202020")
            done[idx[keep]] = True
    if label_permits and len(drawn.permits):
        pp = shapely.point_on_surface(shapely.intersection(np.asarray(drawn.permits.geometry.values), drawn.view))
        nos = drawn.permits["permit_no"].astype(str).tolist()
        keep, lx, ly, _, taken = place_labels(ax, shapely.get_x(pp), shapely.get_y(pp), nos, fontsize=LABEL_PT - 0.5,
                                              taken=taken, offsets=PERMIT_OFFSETS)
        for i in np.flatnonzero(keep):
            halo_text(ax, lx[i], ly[i], nos[i], font=font, size=LABEL_PT - 0.5, color=STYLE["permit"]["edgecolor"])
    return int((~done).sum()) if label_cases else 0


def _legend_symbol(ax, x, y, spec, *, height: float = 4.0):
    if "line" in spec:
        s = spec["line"]
        ax.add_line(Line2D([x, x + 8], [y, y], color=s["edgecolor"], linewidth=s["linewidth"],
                           linestyle=s.get("linestyle", "-")))
    elif "marker" in spec:
        ax.scatter([x + 4], [y], s=22, marker=spec["marker"], facecolor=spec["facecolor"],
                   edgecolor=spec["edgecolor"], linewidth=0.6)
    else:
        s = spec["patch"]
        ax.add_patch(Rectangle((x, y - height / 2), 8, height, facecolor=s["facecolor"], edgecolor=s["edgecolor"],
                               linewidth=s["linewidth"], hatch=s.get("hatch")))


def _draw_panel(panel, box, content: MapContent, drawn: _Drawn, unlabelled: int, font: str,
                landscape: bool) -> None:
    """Legend, counts, notes, coordinate system, unit and date, flowing down one or two columns (mm)."""
    _, _, pw, ph = box
    panel.set_xlim(0, pw)
    panel.set_ylim(ph, 0)
    panel.axis("off")
    cols = [(0.0, pw)] if landscape else [(0.0, pw * 0.40), (pw * 0.43, pw)]
    col, y = 0, 2.0
    x, xr = cols[col]
    panel.add_patch(Rectangle((x, 0), xr - x, ph, fill=False, edgecolor="black", linewidth=0.8))
    panel.text((x + xr) / 2, y + 2.5, "图　　例", ha="center", va="center", fontsize=10, fontfamily=font,
               fontweight="bold", parse_math=False)
    y += 8
    step = min(5.6, (ph - y) / max(len(drawn.legend), 1))  # reference layers may add rows: keep them in the box
    for label, spec in drawn.legend:
        _legend_symbol(panel, x + 3, y, spec, height=min(4.0, step - 0.8))
        panel.text(x + 14, y, label, va="center", fontsize=7.5 if step > 4.2 else 6.5, fontfamily=font,
                   parse_math=False)
        y += step
    if len(cols) > 1:
        col = 1
        x, xr = cols[col]
        y = 2.0
    else:
        y += 3
        panel.add_line(Line2D([x, xr], [y, y], color="black", linewidth=0.5))
        y += 3
    n = len(drawn.cases)
    n_land = int((drawn.cases["kind"] == "land").sum()) if n else 0
    lines = [(f"图中案件 {n} 起（用地 {n_land} 起，采矿 {n - n_land} 起）", 7.5, "#000000")]
    if unlabelled:
        lines.append((f"注：图面空间有限，{unlabelled} 个案件编号未标注。", 6.5, "#000000"))
    lines += [(note, 6.5, "#b00000") for note in content.notes]
    lines += [(CRS_NOTE, 6.0, "#000000"), ("比例尺：见图内（按本页尺寸打印时有效）", 6.0, "#000000"),
              (f"制图单位：{content.unit}", 7.5, "#000000"), (f"制图日期：{content.date_text}", 7.5, "#000000")]
    for text, size, color in lines:
        max_em = (xr - x - 4) / (size * MM_PER_INCH / 72)
        wrapped = wrap_cjk(text, max_em)
        step = size * MM_PER_INCH / 72 * 1.45
        if y + step * len(wrapped) > ph - 1 and len(cols) == 1:
            break
        panel.text(x + 2, y, "\n".join(wrapped), va="top", fontsize=size, fontfamily=font, color=color,
                   linespacing=1.3, parse_math=False)
        y += step * len(wrapped) + 1.5
