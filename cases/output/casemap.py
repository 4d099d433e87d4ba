"""The case map: cases coloured by 办理状态 or 违法类别, flagged cases ringed in red, tooltips that name the case.

This is the domain's styling (colours, legend rows, tooltip text) on top of the generic layers of
``geo.webmap.maps``; it returns a ``folium.Map`` and needs no UI framework.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cases.model import CATEGORIES, CATEGORY_SHORT, KINDS, STATUSES
from geo.checks import FLAGS
from geo.webmap.assets import AssetUrls
from geo.webmap.filtering import Filterable, ShowOnly, filterable
from geo.webmap.layers import Basemap, FitView, Highlight, Legend, VectorLayer, encode_features
from geo.webmap.maps import (
    CANVAS_THRESHOLD,
    COUNTY_STYLE,
    FLAG_RED,
    LEGEND_WIDTH_PX,
    TOOLTIP_SEP,
    base_map,
    finish,
    lonlat,
    outline_layer,
    permit_layer,
    township_layer,
)
from geo.webmap.maps import LAYER_NAMES as BASE_LAYER_NAMES
from geo.webmap.photos import PhotoLayer

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

#: Switchable layers: key → Chinese name in the layer control.
LAYER_NAMES: dict[str, str] = {
    **BASE_LAYER_NAMES,
    "land": "用地案件", "mining": "采矿案件", "flagged": "问题案件（越界/无证/矿种不符/跨乡镇）",
}
ALL_LAYERS = tuple(LAYER_NAMES)


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

    Each case's features carry its position in ``cases`` (``n``): the group of :func:`selection_group`
    given ``shown`` shows only some of the cases on the shown map, without redrawing it.
    """
    if color_by not in ("status", "category"):
        raise ValueError(f"color_by must be 'status' or 'category', got {color_by!r}")
    unknown = set(layers) - set(LAYER_NAMES)
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}; allowed: {list(LAYER_NAMES)}")
    layers = set(layers)
    cases = lonlat(cases)
    extent = lonlat(county) if county is not None and len(county) else cases
    m = base_map(extent, basemap=basemap, height=height)
    if county is not None and "county" in layers:
        outline_layer(county, "county", COUNTY_STYLE).add_to(m)
    if townships is not None and "townships" in layers:
        township_layer(townships).add_to(m)
    if permits is not None and len(permits) and "permits" in layers:
        permit_layer(lonlat(permits)).add_to(m)
    flagged = _flagged(cases, checks)
    tips = case_tooltips(cases, checks)
    numbers = np.arange(len(cases))
    filterable = []
    for kind in ("land", "mining"):
        sel = (cases["kind"] == kind).to_numpy()
        if kind in layers and sel.any():
            filterable.append(_case_layer(cases[sel], flagged[sel], tips[sel], numbers[sel], color_by,
                                          LAYER_NAMES[kind]).add_to(m))
    if "flagged" in layers and flagged.any():
        # a ring around each flagged case's centre (the case itself already has a red outline)
        halo = [{"color": FLAG_RED, "weight": 3, "dashArray": "4 3", "fill": False, "radius": 10}]
        centres = shapely.point_on_surface(np.asarray(cases.geometry.values)[flagged])
        filterable.append(VectorLayer(encode_features(centres, [{"n": int(n)} for n in numbers[flagged]]), halo,
                                      name=LAYER_NAMES["flagged"], interactive=False,
                                      canvas=int(flagged.sum()) > CANVAS_THRESHOLD).add_to(m))
    Filterable(filterable).add_to(m)
    Legend(_legend(color_by, layers)).add_to(m)
    return finish(m, assets)


def selection_group(cases: gpd.GeoDataFrame, *, view: tuple[float, float, float, float] | None = None,
                    max_zoom: int = 17, shown: str | None = None) -> folium.FeatureGroup:
    """The picked case(s) outlined, each labelled with its id below it, the view to show (lon/lat
    bounds, fitted in the browser with the legend kept clear) and which cases of the case map to show
    (``shown``: ``geo.webmap.filtering.shown_mask`` of the cases it was built from; None: all): a group
    that a shown map can take without being redrawn (streamlit-folium's ``feature_group_to_add``)."""
    group = folium.FeatureGroup(name="选中案件", control=False)
    ShowOnly(shown).add_to(group)
    if view is not None:
        FitView(view, max_zoom=max_zoom, pad_right_px=LEGEND_WIDTH_PX).add_to(group)
    located = lonlat(cases)
    located = located[~(located.geometry.isna() | located.geometry.is_empty)]
    if len(located):
        Highlight(located.geometry.values, located["case_id"].astype(str).tolist()).add_to(group)
    return group


def filter_photos_with_cases(m: folium.Map, case_ids: Sequence[str]) -> None:
    """Let the 现场照片 of case map ``m`` (added with ``geo.webmap.photos.add_layer``) be shown and hidden with their
    cases (``selection_group``'s ``shown``): each photo gets the number of its case in ``case_ids`` (the cases
    ``m`` was built from), named by the first line of its popup (``编号｜文件名``)."""
    target = filterable(m)
    place = {str(c): i for i, c in enumerate(case_ids)}
    for child in list(m._children.values()):
        if target is not None and isinstance(child, PhotoLayer):
            child.number([place.get(case_id_from_tooltip(r["text"][0] if r["text"] else None)) for r in child.rows])
            target.add(child)


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


# -- private steps --------------------------------------------------------------------------

def _flagged(cases: gpd.GeoDataFrame, checks: pd.DataFrame | None) -> np.ndarray:
    if checks is None or not len(checks) or not len(cases):
        return np.zeros(len(cases), bool)
    flags = checks.set_index("case_id")["flags"].reindex(cases["case_id"])
    return np.array([isinstance(fl, (list, tuple)) and any(f in HIGHLIGHT_FLAGS for f in fl) for fl in flags])


def _case_layer(cases: gpd.GeoDataFrame, flagged: np.ndarray, tips: np.ndarray, numbers: np.ndarray, color_by: str,
                name: str) -> VectorLayer:
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
    props = [{"s": int(s), "t": t, "n": int(n)} for s, t, n in zip(style_idx, tips, numbers)]
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
