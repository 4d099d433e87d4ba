"""Map building: folium base maps and the layers every map shares (county, townships, permits).

The case map itself (colours by status or category, tooltips, flagged cases) is domain styling and
lives in ``cases.output.casemap``; it is assembled from :func:`base_map`, :func:`outline_layer`,
:func:`township_layer`, :func:`permit_layer` and :func:`finish`.

Every builder takes GeoDataFrames in CGCS2000 (lon/lat; ≈ WGS84 at map scale, so no shift is
applied) and returns a ``folium.Map`` whose scripts and stylesheets come from ``assets`` (local
copies, see ``geo.webmap.assets``) — never from a CDN.  Vector layers are visible without any basemap;
basemaps are optional (``geo.webmap.layers.basemaps``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.elements import ElementAddToElement
from folium.plugins import Draw

from geo.crs import STORAGE_CRS, require_crs
from geo.webmap.assets import AssetUrls, localize, served_assets
from geo.webmap.controls import DrawLocalZh, MapControls
from geo.webmap.layers import MAP_CSS, Basemap, Legend, VectorLayer, encode_features, label_points

#: Switchable layers: key → Chinese name in the layer control.
LAYER_NAMES: dict[str, str] = {"county": "县界", "townships": "乡镇界线", "permits": "采矿许可范围"}
#: Above this many cases a layer is drawn on a canvas instead of SVG (much faster in the browser).
CANVAS_THRESHOLD = 1500
#: Separator of the parts of a tooltip.
TOOLTIP_SEP = "｜"
#: Red of flagged features and of the part outside a permit.
FLAG_RED = "#c0003c"
#: Choropleth classes, light to dark.
CHORO_COLORS = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
#: Room the legend (bottom right, at most this wide: see MAP_CSS) takes; views keep data left of it.
LEGEND_WIDTH_PX = 190
#: Permit numbers are long: label them only from this zoom level on.
PERMIT_LABEL_ZOOM = 13

COUNTY_STYLE = {"color": "#222222", "weight": 2.5, "fill": False}
TOWN_STYLE = {"color": "#555555", "weight": 1.2, "dashArray": "5 4", "fillColor": "#ffffff", "fillOpacity": 0.05}
PERMIT_STYLE = {"color": "#6a3d9a", "weight": 2, "fillColor": "#cab2d6", "fillOpacity": 0.35, "radius": 6}


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
        frames.append(lonlat(permit).geometry)
    if frames:
        extent = gpd.GeoDataFrame(geometry=pd.concat(frames, ignore_index=True), crs=STORAGE_CRS)
    else:
        extent = lonlat(county) if county is not None else gpd.GeoDataFrame(geometry=[], crs=STORAGE_CRS)
    m = base_map(extent, basemap=basemap, height=height, pad_m=150)
    if county is not None:
        outline_layer(county, "county", COUNTY_STYLE).add_to(m)
    if townships is not None and len(townships):
        township_layer(townships).add_to(m)
    if permit is not None and len(permit):
        permit_layer(lonlat(permit)).add_to(m)
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
    return finish(m, assets)


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
    towns = lonlat(townships)
    v = pd.to_numeric(values.reindex(towns["name"]), errors="coerce").fillna(0).to_numpy(float)
    edges = np.linspace(v.min(), v.max(), len(CHORO_COLORS) + 1) if v.max() > v.min() else np.array([v.min()] * 2)
    cls = np.clip(np.searchsorted(edges[1:-1], v, side="right"), 0, len(CHORO_COLORS) - 1) if len(edges) > 2 \
        else np.zeros(len(v), int)
    styles = [{"color": "#444444", "weight": 1.2, "fillColor": c, "fillOpacity": 0.8} for c in CHORO_COLORS]
    fmt = (lambda x: f"{x:,.0f}") if np.allclose(v, np.round(v)) else (lambda x: f"{x:,.2f}")
    texts = [f"{n} {fmt(x)}" for n, x in zip(towns["name"], v)]
    m = base_map(lonlat(county) if county is not None else towns, basemap=basemap, height=height)
    VectorLayer(encode_features(towns.geometry.values, [{"s": int(c), "t": t} for c, t in zip(cls, texts)]),
                styles, name=title, labels=label_points(towns.geometry.values, texts)).add_to(m)
    if county is not None:
        outline_layer(county, "county", COUNTY_STYLE).add_to(m)
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
    merc = lambda y: math.log(math.tan(math.pi / 4 + math.radians(y) / 2))
    dy = max(merc(y1) - merc(y0), 1e-8)
    zx = math.log2(width_px * 360 / (256 * dx))
    zy = math.log2(height_px * 2 * math.pi / (256 * dy))
    zoom = int(max(5, min(max_zoom, math.floor(min(zx, zy)))))
    deg_per_px = 360 / (256 * 2 ** zoom)
    room = (width_px - dx / deg_per_px) / 2 - 24
    shift_px = max(0.0, min(pad_right_px / 2, room))
    return [lat, (x0 + x1) / 2 + shift_px * deg_per_px], zoom


# -- shared steps ---------------------------------------------------------------------------

def lonlat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in CGCS2000 lon/lat (the display CRS); refuses a frame without a CRS."""
    require_crs(frame, what="地图图层")
    return frame if frame.crs.equals(STORAGE_CRS) else frame.to_crs(STORAGE_CRS)


def base_map(extent: gpd.GeoDataFrame, *, basemap: Basemap | None, height: int, pad_m: float = 0) -> folium.Map:
    """A folium map fitted to ``extent`` (lon/lat, padded by ``pad_m``), with casemap's CSS and an optional basemap."""
    x0, y0, x1, y1 = extent.total_bounds if len(extent) else (112.7, 38.9, 113.3, 39.3)
    pad = pad_m / 111_000
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=10, tiles=None, height=height, max_zoom=19,
                   attribution_control=False)
    m.get_root().header.add_child(Element(MAP_CSS), name="casemap_css")
    MapControls().add_to(m)
    if basemap is not None:
        folium.TileLayer(basemap.url, attr=basemap.attribution, name=basemap.name, max_zoom=basemap.max_zoom,
                         subdomains=basemap.subdomains or "abc", overlay=False, control=True).add_to(m)
        if basemap.overlay_url:
            folium.TileLayer(basemap.overlay_url, attr=basemap.attribution, name=basemap.name + "注记",
                             subdomains=basemap.subdomains, overlay=True, control=True).add_to(m)
    m.fit_bounds([[y0 - pad, x0 - pad], [y1 + pad, x1 + pad]])
    return m


def outline_layer(frame: gpd.GeoDataFrame, key: str, style: dict) -> VectorLayer:
    """A non-interactive outline layer named by ``LAYER_NAMES[key]``."""
    f = lonlat(frame)
    return VectorLayer(encode_features(f.geometry.values, [{"s": 0}] * len(f)), [style],
                       name=LAYER_NAMES[key], interactive=False)


def township_layer(townships: gpd.GeoDataFrame) -> VectorLayer:
    """The township boundaries, dashed, each labelled with its name.

    Not interactive: a township polygon lies under every case, and must never take a click (or a
    press or release of one) away from the case marker above it; its label names it.
    """
    towns = lonlat(townships)
    return VectorLayer(encode_features(towns.geometry.values, [{"s": 0} for _ in towns["name"]]),
                       [TOWN_STYLE], name=LAYER_NAMES["townships"], interactive=False,
                       labels=label_points(towns.geometry.values, towns["name"]))


def permit_layer(permits: gpd.GeoDataFrame) -> VectorLayer:
    """Mining-permit areas with a tooltip (number｜holder｜mineral), labelled from ``PERMIT_LABEL_ZOOM`` on.

    The number is written just above the permit's top edge, never across the parcels inside it.
    """
    nos = permits["permit_no"].astype(str)
    holder = permits.get("holder", pd.Series([""] * len(permits), index=permits.index)).fillna("").astype(str)
    tips = ("采矿许可证 " + nos + TOOLTIP_SEP + holder + TOOLTIP_SEP
            + permits.get("mineral", pd.Series([""] * len(permits), index=permits.index)).fillna("").astype(str))
    return VectorLayer(encode_features(permits.geometry.values, [{"s": 0, "t": t} for t in tips]),
                       [PERMIT_STYLE], name=LAYER_NAMES["permits"],
                       labels=label_points(permits.geometry.values, nos, where="above"),
                       label_class="casemap-label permit above",
                       label_min_zoom=PERMIT_LABEL_ZOOM)


def finish(m: folium.Map, assets: AssetUrls | None) -> folium.Map:
    """Add the layer control and point every script and stylesheet at local copies (never a CDN)."""
    folium.LayerControl(collapsed=True).add_to(m)
    return localize(m, assets or served_assets())


def rerenderable(m: folium.Map) -> folium.Map:
    """Take off ``m`` what rendering it added, so that a map kept between reruns renders the same again.

    A folium layer adds its ``addTo`` step as a child each time it is rendered, named after its id, which
    streamlit-folium then renames: a second render would keep the first step too, naming a variable that
    no longer exists.  streamlit-folium also leaves the group given as ``feature_group_to_add`` on the map.
    Returns ``m``.
    """
    stack = [m]
    while stack:
        el = stack.pop()
        for key in [k for k, c in el._children.items() if isinstance(c, ElementAddToElement)
                    or (el is m and k.startswith("feature_group_feature_group_"))]:
            del el._children[key]
        stack.extend(el._children.values())
    return m
