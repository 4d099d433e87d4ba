"""Map building: folium maps of cases, permits and townships, without any UI framework.

Every builder takes GeoDataFrames in CGCS2000 (lon/lat; ≈ WGS84 at map scale, so no shift is
applied) and returns a ``folium.Map`` whose scripts and stylesheets come from ``assets`` (local
copies, see ``geo.webmap.assets``) — never from a CDN.  Vector layers are visible without any basemap;
basemaps are optional (``geo.webmap.layers.basemaps``).
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.plugins import Draw

from cases.model import CATEGORIES, CATEGORY_SHORT, KINDS, STATUSES
from geo.checks import FLAGS
from geo.crs import AREA_CRS, STORAGE_CRS, require_crs
from geo.webmap.layers import MAP_CSS, Basemap, DrawLocalZh, Legend, VectorLayer, encode_features, label_points
from geo.webmap.assets import AssetUrls, localize, served_assets

STATUS_COLORS: dict[str, str] = {
    "排查发现": "#e31a1c", "已立案": "#ff7f00", "查处整改中": "#f1c40f",
    "乡镇已验收": "#8fd16a", "县级已验收": "#1a9641", "已销号": "#7f8c8d",
}
CATEGORY_COLORS: dict[int, str] = {
    1: "#1f77b4", 2: "#17becf", 3: "#2ca02c", 4: "#bcbd22", 5: "#8c564b",
    6: "#d62728", 7: "#ff7f0e", 8: "#9467bd", 9: "#e377c2", 10: "#7f7f7f",
}
#: Flags that make a case stand out on the map.
HIGHLIGHT_FLAGS = ("OUT_OF_BOUNDS", "NO_PERMIT", "WRONG_MINERAL", "CROSSES_TOWNSHIPS")
FLAG_RED = "#c0003c"
#: Switchable layers: key → Chinese name in the layer control.
LAYER_NAMES: dict[str, str] = {
    "county": "县界", "townships": "乡镇界线", "permits": "采矿许可范围",
    "land": "用地案件", "mining": "采矿案件", "flagged": "问题案件（越界/无证/矿种不符/跨乡镇）",
}
ALL_LAYERS = tuple(LAYER_NAMES)
#: Above this many cases a layer is drawn on a canvas instead of SVG (much faster in the browser).
CANVAS_THRESHOLD = 1500
TOOLTIP_SEP = "｜"
#: Choropleth classes, light to dark.
CHORO_COLORS = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
#: Room the legend (bottom right, at most this wide: see MAP_CSS) takes; views keep data left of it.
LEGEND_WIDTH_PX = 190
#: Permit numbers are long: label them only from this zoom level on.
PERMIT_LABEL_ZOOM = 13

_COUNTY_STYLE = {"color": "#222222", "weight": 2.5, "fill": False}
_TOWN_STYLE = {"color": "#555555", "weight": 1.2, "dashArray": "5 4", "fillColor": "#ffffff", "fillOpacity": 0.05}
_PERMIT_STYLE = {"color": "#6a3d9a", "weight": 2, "fillColor": "#cab2d6", "fillOpacity": 0.35, "radius": 6}


def build_case_map(
    cases: gpd.GeoDataFrame,
    *,
    checks: pd.DataFrame | None = None,
    townships: gpd.GeoDataFrame | None = None,
    permits: gpd.GeoDataFrame | None = None,
    county: gpd.GeoDataFrame | None = None,
    color_by: str = "status",
    layers: Iterable[str] = ALL_LAYERS,
    basemap: Basemap | None = None,
    assets: AssetUrls | None = None,
    height: int = 650,
) -> folium.Map:
    """The case map: county, labelled townships and permits, cases coloured by status or category.

    Parameters
    ----------
    cases
        Columns ``case_id``, ``kind``, ``category``, ``status``, ``township``; points or polygons.
    checks
        Check results (``case_id``, ``flags``); flagged cases get a red outline and a halo layer.
    color_by
        ``"status"`` (办理状态) or ``"category"`` (违法类别 1–10).
    layers
        Keys of ``LAYER_NAMES`` to draw.
    """
    if color_by not in ("status", "category"):
        raise ValueError(f"color_by must be 'status' or 'category', got {color_by!r}")
    unknown = set(layers) - set(LAYER_NAMES)
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}; allowed: {list(LAYER_NAMES)}")
    layers = set(layers)
    cases = _lonlat(cases)
    extent = _lonlat(county) if county is not None and len(county) else cases
    m = _base_map(extent, basemap=basemap, height=height)
    if county is not None and "county" in layers:
        _outline_layer(county, "county", _COUNTY_STYLE).add_to(m)
    if townships is not None and "townships" in layers:
        towns = _lonlat(townships)
        VectorLayer(encode_features(towns.geometry.values, [{"s": 0, "t": n} for n in towns["name"]]),
                    [_TOWN_STYLE], name=LAYER_NAMES["townships"],
                    labels=label_points(towns.geometry.values, towns["name"])).add_to(m)
    if permits is not None and len(permits) and "permits" in layers:
        _permit_layer(_lonlat(permits)).add_to(m)
    flagged = _flagged(cases, checks)
    tips = case_tooltips(cases, checks)
    for kind in ("land", "mining"):
        sel = (cases["kind"] == kind).to_numpy()
        if kind in layers and sel.any():
            _case_layer(cases[sel], flagged[sel], tips[sel], color_by, LAYER_NAMES[kind]).add_to(m)
    if "flagged" in layers and flagged.any():
        # a ring around each flagged case's centre (the case itself already has a red outline)
        halo = [{"color": FLAG_RED, "weight": 3, "dashArray": "4 3", "fill": False, "radius": 10}]
        centres = shapely.point_on_surface(np.asarray(cases.geometry.values)[flagged])
        VectorLayer(encode_features(centres, [{}] * int(flagged.sum())), halo, name=LAYER_NAMES["flagged"],
                    interactive=False, canvas=int(flagged.sum()) > CANVAS_THRESHOLD).add_to(m)
    Legend(_legend(color_by, layers)).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m, assets or served_assets())


def build_check_map(
    subject: shapely.Geometry | None,
    *,
    outside: shapely.Geometry | None = None,
    permit: gpd.GeoDataFrame | None = None,
    townships: gpd.GeoDataFrame | None = None,
    county: gpd.GeoDataFrame | None = None,
    label: str = "核查对象",
    draw: bool = False,
    basemap: Basemap | None = None,
    assets: AssetUrls | None = None,
    height: int = 520,
) -> folium.Map:
    """The parcel-check map: the parcel (lon/lat), its permit and township, the part outside in red.

    ``townships`` are drawn labelled (pass only the relevant ones); ``draw`` adds the polygon
    drawing tool (folium's Draw plugin, local copy) for a new parcel.
    """
    has_subject = subject is not None and not subject.is_empty
    frames = [gpd.GeoSeries([subject], crs=STORAGE_CRS)] if has_subject else []
    if permit is not None and len(permit) and (has_subject or county is None):
        frames.append(_lonlat(permit).geometry)
    if frames:
        extent = gpd.GeoDataFrame(geometry=pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
    else:
        extent = _lonlat(county) if county is not None else gpd.GeoDataFrame(geometry=[], crs=STORAGE_CRS)
    m = _base_map(extent, basemap=basemap, height=height, pad_m=150)
    if county is not None:
        _outline_layer(county, "county", _COUNTY_STYLE).add_to(m)
    if townships is not None and len(townships):
        towns = _lonlat(townships)
        VectorLayer(encode_features(towns.geometry.values, [{"s": 0, "t": n} for n in towns["name"]]),
                    [_TOWN_STYLE], name=LAYER_NAMES["townships"],
                    labels=label_points(towns.geometry.values, towns["name"])).add_to(m)
    if permit is not None and len(permit):
        _permit_layer(_lonlat(permit)).add_to(m)
    if has_subject:
        style = [{"color": "#08519c", "weight": 2.5, "fillColor": "#6baed6", "fillOpacity": 0.45, "radius": 7}]
        VectorLayer(encode_features([subject], [{"s": 0, "t": label}]), style, name=label).add_to(m)
    if outside is not None and not outside.is_empty:
        style = [{"color": FLAG_RED, "weight": 2, "fillColor": "#ff0033", "fillOpacity": 0.6}]
        VectorLayer(encode_features([outside], [{"s": 0, "t": "许可范围外部分"}]), style,
                    name="许可范围外部分").add_to(m)
    if draw:
        DrawLocalZh().add_to(m)
        Draw(export=False, show_geometry_on_click=False, position="topleft",
             draw_options={"polyline": False, "circle": False, "circlemarker": False, "marker": True,
                           "polygon": {"allowIntersection": False}, "rectangle": True}).add_to(m)
    Legend([("图例", [("#6baed6", label, "#08519c"), ("#cab2d6", "采矿许可范围", "#6a3d9a"),
                      ("#ff0033", "许可范围外部分", FLAG_RED), ("#ffffff", "乡镇界线", "#555555")])]).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m, assets or served_assets())


def build_choropleth(
    townships: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    title: str,
    county: gpd.GeoDataFrame | None = None,
    basemap: Basemap | None = None,
    assets: AssetUrls | None = None,
    height: int = 520,
) -> folium.Map:
    """Townships shaded by ``values`` (a Series indexed by township name), five equal classes.

    Each township is labelled with its name and value; a township missing from ``values`` counts 0.
    """
    towns = _lonlat(townships)
    v = pd.to_numeric(values.reindex(towns["name"]), errors="coerce").fillna(0).to_numpy(float)
    edges = np.linspace(v.min(), v.max(), len(CHORO_COLORS) + 1) if v.max() > v.min() else np.array([v.min()] * 2)
    cls = np.clip(np.searchsorted(edges[1:-1], v, side="right"), 0, len(CHORO_COLORS) - 1) if len(edges) > 2 \
        else np.zeros(len(v), int)
    styles = [{"color": "#444444", "weight": 1.2, "fillColor": c, "fillOpacity": 0.8} for c in CHORO_COLORS]
    fmt = (lambda x: f"{x:,.0f}") if np.allclose(v, np.round(v)) else (lambda x: f"{x:,.2f}")  # noqa: E731
    texts = [f"{n} {fmt(x)}" for n, x in zip(towns["name"], v)]
    m = _base_map(_lonlat(county) if county is not None else towns, basemap=basemap, height=height)
    VectorLayer(encode_features(towns.geometry.values, [{"s": int(c), "t": t} for c, t in zip(cls, texts)]),
                styles, name=title, labels=label_points(towns.geometry.values, texts)).add_to(m)
    if county is not None:
        _outline_layer(county, "county", _COUNTY_STYLE).add_to(m)
    Legend([(title, _class_rows(edges, integer=bool(np.allclose(v, np.round(v))), fmt=fmt))]).add_to(m)
    return localize(m, assets or served_assets())


def _class_rows(edges: np.ndarray, *, integer: bool, fmt) -> list[tuple[str, str, str]]:
    """Legend rows of equal-interval classes; for counts, the whole numbers each class holds (``5``,
    ``9 – 17``), leaving out classes no whole number falls in (never ``6 – 6`` for 5.6–6.4)."""
    n = len(edges) - 1
    if not integer:
        return [(CHORO_COLORS[i], f"{fmt(edges[i])} – {fmt(edges[i + 1])}", "#444") for i in range(n)]
    rows = []
    for i in range(n):
        lo = math.ceil(edges[i] - 1e-9)
        hi = math.floor(edges[i + 1] + 1e-9) if i == n - 1 else math.ceil(edges[i + 1] - 1e-9) - 1
        if lo <= hi:
            rows.append((CHORO_COLORS[i], fmt(lo) if lo == hi else f"{fmt(lo)} – {fmt(hi)}", "#444"))
    return rows


def outside_part(subject: shapely.Geometry, permit: shapely.Geometry | None) -> shapely.Geometry | None:
    """The part of ``subject`` (lon/lat) outside ``permit`` (lon/lat), computed in the area CRS."""
    if subject is None or permit is None or subject.geom_type == "Point":
        return None
    pair = gpd.GeoSeries([subject, permit], crs=STORAGE_CRS).to_crs(AREA_CRS)
    out = gpd.GeoSeries([pair.iloc[0].difference(pair.iloc[1])], crs=AREA_CRS).to_crs(STORAGE_CRS).iloc[0]
    return None if out.is_empty else out


def case_tooltips(cases: gpd.GeoDataFrame, checks: pd.DataFrame | None = None) -> np.ndarray:
    """Hover text of each case: ``编号｜类型｜乡镇｜状态[｜问题]`` (the id first, see ``case_id_from_tooltip``)."""
    kinds = cases["kind"].map(KINDS).fillna("")
    text = (cases["case_id"].astype(str) + TOOLTIP_SEP + kinds + TOOLTIP_SEP + cases["township"].astype(str)
            + TOOLTIP_SEP + cases["status"].astype(str))
    if checks is not None and len(checks):
        flags = checks.set_index("case_id")["flags"].reindex(cases["case_id"])
        labels = ["、".join(FLAGS[f] for f in fl) if isinstance(fl, (list, tuple)) else "" for fl in flags]
        text = text + pd.Series([TOOLTIP_SEP + s if s else "" for s in labels], index=cases.index)
    return text.to_numpy()


def case_id_from_tooltip(text: str | None, known: Iterable[str] | None = None) -> str | None:
    """The case id a clicked tooltip names, or None (e.g. a township label was clicked)."""
    if not text:
        return None
    head = str(text).strip().split(TOOLTIP_SEP)[0].strip()
    if known is not None and head not in set(known):
        return None
    return head or None


def view_for_bounds(bounds: Sequence[float], *, width_px: int = 900, height_px: int = 600,
                    max_zoom: int = 17, pad_right_px: int = 0) -> tuple[list[float], int]:
    """Centre ``[lat, lon]`` and the largest zoom at which lon/lat ``bounds`` fit the given size.

    ``pad_right_px`` asks to keep that many pixels on the right clear (for the legend): the centre
    moves east so the bounds sit further left, as far as the room beside them allows (keeping a
    24 px margin on the left); the zoom is never lowered for it.
    """
    x0, y0, x1, y1 = (float(v) for v in bounds)
    lat = (y0 + y1) / 2
    dx = max(x1 - x0, 1e-6)
    merc = lambda y: math.log(math.tan(math.pi / 4 + math.radians(y) / 2))  # noqa: E731
    dy = max(merc(y1) - merc(y0), 1e-8)
    zx = math.log2(width_px * 360 / (256 * dx))
    zy = math.log2(height_px * 2 * math.pi / (256 * dy))
    zoom = int(max(5, min(max_zoom, math.floor(min(zx, zy)))))
    deg_per_px = 360 / (256 * 2 ** zoom)
    room = (width_px - dx / deg_per_px) / 2 - 24
    shift_px = max(0.0, min(pad_right_px / 2, room))
    return [lat, (x0 + x1) / 2 + shift_px * deg_per_px], zoom


# -- private steps --------------------------------------------------------------------------

def _lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    require_crs(frame, what="地图图层")
    return frame if frame.crs.equals(STORAGE_CRS) else frame.to_crs(STORAGE_CRS)


def _base_map(extent: gpd.GeoDataFrame, *, basemap: Basemap | None, height: int, pad_m: float = 0) -> folium.Map:
    x0, y0, x1, y1 = extent.total_bounds if len(extent) else (112.7, 38.9, 113.3, 39.3)
    pad = pad_m / 111_000
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=10, tiles=None, control_scale=True,
                   height=height, max_zoom=19)
    m.get_root().header.add_child(Element(MAP_CSS), name="casemap_css")
    if basemap is not None:
        folium.TileLayer(basemap.url, attr=basemap.attribution, name=basemap.name, max_zoom=basemap.max_zoom,
                         subdomains=basemap.subdomains or "abc", overlay=False, control=True).add_to(m)
        if basemap.overlay_url:
            folium.TileLayer(basemap.overlay_url, attr=basemap.attribution, name=basemap.name + "注记",
                             subdomains=basemap.subdomains, overlay=True, control=True).add_to(m)
    m.fit_bounds([[y0 - pad, x0 - pad], [y1 + pad, x1 + pad]])
    return m


def _outline_layer(frame: gpd.GeoDataFrame, key: str, style: dict) -> VectorLayer:
    f = _lonlat(frame)
    return VectorLayer(encode_features(f.geometry.values, [{"s": 0}] * len(f)), [style],
                       name=LAYER_NAMES[key], interactive=False)


def _permit_layer(permits: gpd.GeoDataFrame) -> VectorLayer:
    nos = permits["permit_no"].astype(str)
    holder = permits.get("holder", pd.Series([""] * len(permits), index=permits.index)).fillna("").astype(str)
    tips = ("采矿许可证 " + nos + TOOLTIP_SEP + holder + TOOLTIP_SEP
            + permits.get("mineral", pd.Series([""] * len(permits), index=permits.index)).fillna("").astype(str))
    return VectorLayer(encode_features(permits.geometry.values, [{"s": 0, "t": t} for t in tips]),
                       [_PERMIT_STYLE], name=LAYER_NAMES["permits"],
                       labels=label_points(permits.geometry.values, nos), label_class="casemap-label permit",
                       label_min_zoom=PERMIT_LABEL_ZOOM)


def _flagged(cases: gpd.GeoDataFrame, checks: pd.DataFrame | None) -> np.ndarray:
    if checks is None or not len(checks) or not len(cases):
        return np.zeros(len(cases), bool)
    flags = checks.set_index("case_id")["flags"].reindex(cases["case_id"])
    return np.array([isinstance(fl, (list, tuple)) and any(f in HIGHLIGHT_FLAGS for f in fl) for fl in flags])


def _case_layer(cases: gpd.GeoDataFrame, flagged: np.ndarray, tips: np.ndarray, color_by: str, name: str) -> VectorLayer:
    if color_by == "status":
        keys, colors = list(STATUSES), [STATUS_COLORS[s] for s in STATUSES]
        idx = pd.Categorical(cases["status"], categories=keys).codes
    else:
        keys, colors = list(CATEGORIES), [CATEGORY_COLORS[k] for k in CATEGORIES]
        idx = pd.Categorical(cases["category"].astype(int), categories=keys).codes
    idx = np.where(idx < 0, len(keys), idx)  # unknown values get the grey extra style
    colors = colors + ["#999999"]
    canvas = len(cases) > CANVAS_THRESHOLD
    styles = [{"color": "#333333", "weight": 1, "fillColor": c, "fillOpacity": 0.75, "radius": 6} for c in colors]
    styles += [{"color": FLAG_RED, "weight": 3, "fillColor": c, "fillOpacity": 0.8, "radius": 7} for c in colors]
    style_idx = idx + np.where(flagged, len(colors), 0)
    props = [{"s": int(s), "t": t} for s, t in zip(style_idx, tips)]
    return VectorLayer(encode_features(cases.geometry.values, props), styles, name=name, canvas=canvas,
                       centroid_markers=True)


def _legend(color_by: str, layers: set[str]) -> list:
    if color_by == "status":
        first = ("办理状态", [(STATUS_COLORS[s], s, "#333") for s in STATUSES])
    else:
        first = ("违法类别", [(CATEGORY_COLORS[k], f"{k}. {CATEGORY_SHORT[k]}", "#333") for k in CATEGORIES])
    other = [("#ffffff", "问题案件（越界/无证/矿种不符/跨乡镇）", FLAG_RED)]
    if "permits" in layers:
        other.append(("#cab2d6", "采矿许可范围", "#6a3d9a"))
    if "townships" in layers:
        other.append(("#ffffff", "乡镇界线", "#555555"))
    return [first, ("其他", other)]
