"""The triage map: judged patches coloured by suggestion (or confirmed judgement) over switchable reference
layers.  Returns a ``folium.Map`` (no Streamlit), built from :mod:`geo.webmap.maps` parts; every script
comes from local copies, tooltips are plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd

from cases.triage.layers import KINDS
from geo.webmap.assets import AssetUrls
from geo.webmap.layers import Legend, VectorLayer, encode_features
from geo.webmap.maps import COUNTY_STYLE, base_map, finish, lonlat, outline_layer, township_layer

#: Fill colour of each suggestion / confirmed judgement.
COLOURS = {"合法": "#1a9850", "疑似违法": "#d73027", "违法": "#a50026", "需核实": "#fdae61", "伪变化": "#999999"}
#: Style of each reference layer (outline colour, fill).
LAYER_STYLES = {
    "basic_farmland": ("#e6ab02", 0.25), "cropland": ("#b5cf6b", 0.2), "other_farmland": ("#35978f", 0.15),
    "eco_redline": ("#1b7837", 0.15),
    "urban_boundary": ("#6a51a3", 0.05), "approved_land": ("#2171b5", 0.25), "facility_ag": ("#8c6d31", 0.25),
}


def reference_layer(kind: str, frame: gpd.GeoDataFrame, *, show: bool = True, interactive: bool = True) -> VectorLayer:
    """One reference layer as a switchable map layer (tooltip: kind and 批文号/备案号/name); for any folium map.

    On the case map: ``show=False`` (listed in the layer control, switched off) and ``interactive=False`` (it
    lies over the cases and must not take their clicks)."""
    colour, fill = LAYER_STYLES[kind]
    f = lonlat(frame)
    tips = [f"{KINDS[kind]} {r}".strip() for r in f["ref"].astype(str)]
    return VectorLayer(encode_features(f.geometry.values, [{"s": 0, "t": t} for t in tips]),
                       [{"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": fill}],
                       name=f"{KINDS[kind]}（参考图层）", canvas=len(f) > 1500, show=show, interactive=interactive)


def build_triage_map(patches: gpd.GeoDataFrame, labels: Sequence[str], tips: Sequence[str], *,
                     layers: dict[str, gpd.GeoDataFrame], county: gpd.GeoDataFrame, townships: gpd.GeoDataFrame,
                     assets: AssetUrls | None = None, height: int = 560) -> folium.Map:
    """Patches (lon/lat or any CRS) coloured by ``labels`` (合法/疑似违法/需核实/违法/伪变化), with ``tips``."""
    shown = lonlat(patches)
    m = base_map(shown if len(shown) else lonlat(county), basemap=None, height=height, pad_m=200)
    outline_layer(county, "county", COUNTY_STYLE).add_to(m)
    if len(townships):
        township_layer(townships).add_to(m)
    for kind, frame in layers.items():
        if kind in LAYER_STYLES and len(frame):
            reference_layer(kind, frame).add_to(m)
    names = list(COLOURS)
    styles = [{"color": "#333333", "weight": 1.5, "fillColor": c, "fillOpacity": 0.7} for c in COLOURS.values()]
    props = [{"s": names.index(lab) if lab in names else 0, "t": t} for lab, t in zip(labels, tips)]
    VectorLayer(encode_features(shown.geometry.values, props), styles, name="卫片图斑", centroid_markers=True,
                canvas=len(shown) > 1500).add_to(m)
    Legend([("卫片图斑", [(c, n, "#333333") for n, c in COLOURS.items()]),
            ("参考图层", [(LAYER_STYLES[k][0], KINDS[k], LAYER_STYLES[k][0]) for k in layers if k in LAYER_STYLES])]).add_to(m)
    return finish(m, assets)
