"""Reference layers on printed maps: which stored layers a snapshot draws, in which colours (``--layer``)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd

from cases.store import CaseStore
from cases.triage.layers import KINDS, kind_of, layer_label, stored_layer
from geo.errors import ValidationError

#: Print style of each reference layer (light fills under the cases, outlines in the layer's colour).
PRINT_STYLES: dict[str, dict] = {
    "basic_farmland": {"facecolor": "#fff2b3", "edgecolor": "#d4a600", "linewidth": 0.4},
    "cropland": {"facecolor": "#e5f5d0", "edgecolor": "#8cb35a", "linewidth": 0.3},
    "other_farmland": {"facecolor": "#dcefe9", "edgecolor": "#35978f", "linewidth": 0.3},
    "eco_redline": {"facecolor": "#d7eedc", "edgecolor": "#1b7837", "linewidth": 0.6, "hatch": "...."},
    "urban_boundary": {"facecolor": "none", "edgecolor": "#6a51a3", "linewidth": 1.0, "linestyle": (0, (6, 3))},
    "approved_land": {"facecolor": "#dbe9f6", "edgecolor": "#2171b5", "linewidth": 0.4},
    "facility_ag": {"facecolor": "#eadccb", "edgecolor": "#8c6d31", "linewidth": 0.4},
}


def print_layers(store: CaseStore, kinds: Sequence[str]) -> list[tuple[str, gpd.GeoDataFrame, dict]]:
    """(legend label, layer, style) of each chosen kind (code or Chinese name), for ``MapContent.backdrop``.

    ValidationError naming a kind that is not loaded in the store.
    """
    out = []
    for kind in dict.fromkeys(kind_of(k) for k in kinds):
        frame = stored_layer(store, kind)
        if not len(frame):
            raise ValidationError(f"案件库中没有参考图层「{KINDS[kind]}」；请先用 python -m cases load-layer {kind} 文件 载入")
        out.append((layer_label(kind, bool(frame["demo"].any())), frame, PRINT_STYLES[kind]))
    return out
