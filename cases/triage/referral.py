"""Criminal-referral thresholds (涉嫌犯罪，应移送公安): which cases reach a threshold of the rule file, and by how much.

Land cases are measured against the store's reference layers in the county's zone (vectorized overlays,
:mod:`cases.triage.overlay`): 永久基本农田 inside the case ≥ ``basic_farmland_mu``; 耕地 outside 基本农田 ≥
``cropland_mu``; other farmland ≥ ``other_farmland_mu``: with a 其他农用地 layer (林地、园地、草地等) the part of the
case inside it less the part inside 基本农田 or 耕地 (nothing counted twice); without one an upper bound — the rest
of the case outside 基本农田, 耕地, 城镇开发边界 and 批准用地, counted only when a farmland layer is loaded — and the
rule's label says so (:data:`BOUND_NOTE`).  Mining cases: the value of the minerals
mined (万元) ≥ ``mining_value_wan``: the case field 开采矿产品价值（万元） (``mined_value_wan``) when it is set (also
when the text says otherwise); when it is empty, the figure the case's 基本情况/处罚决定/备注 text states
(``矿产品价值 12 万元``, ``非法采矿价值约15.5万元``; the largest), and the fired rule says so (``source`` 案件文字,
"取自案件文字" in its text).  A case with neither is not flagged.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from cases.model import LAND, MINING
from cases.triage.overlay import covered_area
from cases.triage.rules import Rules
from geo.crs import M2_PER_MU

#: The flag code and its Chinese label.
FLAG = "CRIMINAL_THRESHOLD"
FLAG_LABEL = "涉嫌犯罪，应移送公安"
#: Rule id → (what it measures, rule field, unit).
RULES: dict[str, tuple[str, str, str]] = {
    "basic_farmland": ("非法占用永久基本农田", "basic_farmland_mu", "亩"),
    "cropland": ("非法占用永久基本农田以外的耕地", "cropland_mu", "亩"),
    "other_farmland": ("非法占用其他农用地", "other_farmland_mu", "亩"),
    "mining_value": ("非法采矿矿产品价值", "mining_value_wan", "万元"),
}
#: Added to the other-farmland rule's label when no 其他农用地 layer is loaded (the measure is then an upper bound).
BOUND_NOTE = "（未载入其他农用地图层，按上限估计）"
_VALUE = re.compile(r"价值\s*(?:约|共计|合计|为|达|计)?\s*([0-9]+(?:\.[0-9]+)?)\s*万元")
_TEXT_FIELDS = ("summary", "penalty", "remarks")
#: Where a mining case's value came from (``source`` of its fired rule): the case field, or its text.
SOURCE_FIELD, SOURCE_TEXT = "案件字段", "案件文字"


def mined_value_wan(cases: pd.DataFrame) -> np.ndarray:
    """The value of minerals mined (万元) each case's text states (the largest figure), NaN where none."""
    text = pd.Series([""] * len(cases), index=cases.index, dtype=object)
    for f in _TEXT_FIELDS:
        if f in cases:
            text = text + "；" + cases[f].fillna("").astype(str)
    found = text.str.extractall(_VALUE)[0].astype(float) if len(text) else pd.Series(dtype=float)
    best = found.groupby(level=0).max() if len(found) else pd.Series(dtype=float)
    return best.reindex(cases.index).to_numpy(dtype=float)


def mined_values(cases: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each case's value of minerals mined (万元): the stored ``mined_value_wan`` where set, else the figure its
    text states (:func:`mined_value_wan`), NaN where neither; and a mask of the values taken from the text."""
    stored = (pd.to_numeric(cases["mined_value_wan"], errors="coerce").to_numpy(dtype=float)
              if "mined_value_wan" in cases else np.full(len(cases), np.nan))
    text = mined_value_wan(cases)
    from_text = np.isnan(stored) & ~np.isnan(text)
    return np.where(np.isnan(stored), text, stored), from_text


def referrals(cases: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], *, rules: Rules,
              area_crs: CRS) -> pd.DataFrame:
    """Per case: ``case_id``, the measures (``basic_farmland_mu``, ``cropland_mu``, ``other_farmland_mu``,
    ``mining_value_wan``), ``fired`` (list of ``{rule, label, value, threshold, unit}``; the mining rule adds ``source``:
    案件字段 or 案件文字) and ``text`` (Chinese)."""
    n = len(cases)
    located = ~(cases.geometry.isna() | cases.geometry.is_empty).to_numpy()
    g = np.asarray(cases.to_crs(area_crs).geometry.values) if n else np.array([], dtype=object)
    is_land = (cases["kind"].astype(str).to_numpy() == LAND) & located if n else np.zeros(0, bool)
    area = np.zeros(n)
    measures = {k: np.zeros(n) for k in ("basic_farmland_mu", "cropland_mu", "other_farmland_mu")}
    sel = np.flatnonzero(is_land)
    if len(sel):
        sub = g[sel]
        area[sel] = shapely.area(sub)

        def cover(kinds: tuple[str, ...]) -> np.ndarray:
            feats = [np.asarray(layers[k].to_crs(area_crs).geometry.values) for k in kinds if k in layers]
            return covered_area(sub, np.concatenate(feats)) if feats else np.zeros(len(sub))

        bf = cover(("basic_farmland",))
        farm = cover(("basic_farmland", "cropland"))
        measures["basic_farmland_mu"][sel] = bf / M2_PER_MU
        measures["cropland_mu"][sel] = (farm - bf) / M2_PER_MU
        if "other_farmland" in layers:  # measured: inside 其他农用地, less what 基本农田/耕地 already count
            measures["other_farmland_mu"][sel] = (cover(("other_farmland", "basic_farmland", "cropland")) - farm) / M2_PER_MU
        elif "basic_farmland" in layers or "cropland" in layers:  # an upper bound, said so in the text
            rest = cover(("basic_farmland", "cropland", "urban_boundary", "approved_land"))
            measures["other_farmland_mu"][sel] = (area[sel] - rest) / M2_PER_MU
    mined, from_text = mined_values(cases) if n else (np.zeros(0), np.zeros(0, bool))
    measures["mining_value_wan"] = np.where(cases["kind"].astype(str).to_numpy() == MINING, mined, np.nan) if n else mined
    fired: list[list[dict]] = [[] for _ in range(n)]
    for rule, (label, field, unit) in RULES.items():
        threshold = float(getattr(rules, field))
        label += BOUND_NOTE if rule == "other_farmland" and "other_farmland" not in layers else ""
        vals = np.round(np.nan_to_num(measures[field], nan=-1.0), 2)
        for i in np.flatnonzero(vals >= threshold):  # the few cases over a threshold
            fired[i].append({"rule": rule, "label": label, "value": float(vals[i]), "threshold": threshold, "unit": unit})
    for i, rules_fired in enumerate(fired):
        for f in rules_fired:
            if f["rule"] == "mining_value":
                f["source"] = SOURCE_TEXT if from_text[i] else SOURCE_FIELD
    out = pd.DataFrame({"case_id": cases["case_id"].astype(str).to_numpy(),
                        **{k: np.round(v, 2) for k, v in measures.items()}, "fired": fired})
    out["text"] = [referral_text(f) for f in fired]
    return out


def referral_text(fired: list[dict]) -> str:
    """``涉嫌犯罪，应移送公安：非法占用永久基本农田 6.20 亩（标准 ≥ 5 亩）`` — "" when no rule fired."""
    if not fired:
        return ""
    return f"{FLAG_LABEL}：" + "；".join(f"{f['label']} {f['value']:.2f} {f['unit']}（标准 ≥ {f['threshold']:g} {f['unit']}）"
                                     + ("（取自案件文字）" if f.get("source") == SOURCE_TEXT else "") for f in fired)
