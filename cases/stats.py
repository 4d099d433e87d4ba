"""Per-township statistics of the campaign (the table of ``python -m cases stats``)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from cases.model import CATEGORIES, CLOSED_STATUS, RECTIFIED_STATUSES
from cases.store import AREA_CHECK, AREA_COLUMN, AREA_CRS_ATTR
from geo.crs import M2_PER_MU, STORAGE_CRS, require_crs, zone_crs
from geo.projection import projected_area

TOTAL = "合计"
#: Row of the cases that belong to no township of the division shown (未定位 cases the change table
#: cannot place, or cases outside every township); present only when there are any.
UNASSIGNED = "未归入乡镇"
#: Statistics columns: JSON key → Chinese header.
STAT_COLUMNS: dict[str, str] = {
    "township": "乡镇",
    "land_cases": "用地案件",
    "mining_cases": "采矿案件",
    **{f"cat_{k}": f"类别{k}" for k in CATEGORIES},
    "area_mu": "面积（亩）",
    "fine_wan": "罚款（万元）",
    "criminal_persons": "追刑（人）",
    "accountability_persons": "追责（人）",
    "rectified": "整改到位",
    "closed": "已销号",
}


def case_area_mu(cases: gpd.GeoDataFrame, *, area_crs: CRS | None = None) -> np.ndarray:
    """Area of each case in 亩: from the polygon, or the declared 亩数 for a point or a case not yet located.

    Polygons are measured in ``area_crs`` (the store's county's, ``county_of(store).area_crs``; default
    代县's zone 38).  A frame read from a store carries each polygon's area as measured when it was saved
    (:mod:`cases.store._areas`); it is taken where it is of ``area_crs`` and the geometry is still the one it
    was measured from (same lon/lat planar area, to the bit), and every other polygon is measured here: the
    numbers are those of ``GeoSeries.to_crs(area_crs).area`` either way.
    """
    if len(cases) == 0:
        return np.zeros(0)
    require_crs(cases)
    target = zone_crs() if area_crs is None else area_crs
    geoms = np.asarray(cases.geometry.values)
    poly = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon; points and 未定位 use 亩数
    area = _stored_m2(cases, geoms, poly, target)
    todo = poly & np.isnan(area)
    # only the polygons without a usable stored area are projected (in threads)
    area[todo] = projected_area(geoms[todo], cases.crs, target)
    declared = pd.to_numeric(cases.get("area_mu_declared"), errors="coerce")
    declared = declared.fillna(0.0).to_numpy() if declared is not None else np.zeros(len(cases))
    return np.where(poly, area / M2_PER_MU, declared)


def _stored_m2(cases: gpd.GeoDataFrame, geoms: np.ndarray, poly: np.ndarray, target: CRS) -> np.ndarray:
    """The stored area (m²) of each polygon of ``cases`` that may be used for ``target``, NaN elsewhere."""
    out = np.full(len(cases), np.nan)
    stored_crs = cases.attrs.get(AREA_CRS_ATTR)
    if (AREA_COLUMN not in cases.columns or AREA_CHECK not in cases.columns or not stored_crs
            or not CRS.from_user_input(cases.crs).equals(STORAGE_CRS) or not CRS.from_user_input(stored_crs).equals(target)):
        return out
    stored = pd.to_numeric(cases[AREA_COLUMN], errors="coerce").to_numpy(dtype=float)
    check = pd.to_numeric(cases[AREA_CHECK], errors="coerce").to_numpy(dtype=float)
    at = np.flatnonzero(poly & ~np.isnan(stored))
    same = shapely.area(geoms[at]) == check[at]  # a replaced geometry (a replayed past day) is measured again
    out[at[same]] = stored[at[same]]
    return out


def township_stats(cases: gpd.GeoDataFrame, *, townships: Sequence[str], area_crs: CRS | None = None) -> pd.DataFrame:
    """One row per township of ``townships`` (all of them, even with no case) plus a 合计 row.

    Cases count in their township (``township``: the declared one, or the one of the division shown,
    see :func:`cases.service.in_division`).  Cases in none of ``townships`` get a 未归入乡镇 row
    before 合计 (only when there are any).  整改到位 counts cases whose status is 乡镇已验收 or later;
    已销号 counts closed cases.  Areas are measured in ``area_crs`` (see :func:`case_area_mu`).
    """
    names = [str(t) for t in townships]
    town = cases["township"].fillna("").astype(str)
    outside = ~town.isin(names)
    if outside.any():
        names, town = [*names, UNASSIGNED], town.where(~outside, UNASSIGNED)
    df = pd.DataFrame({
        "township": pd.Categorical(town, categories=names),
        "land_cases": (cases["kind"] == "land").astype(int).to_numpy(),
        "mining_cases": (cases["kind"] == "mining").astype(int).to_numpy(),
        **{f"cat_{k}": (cases["category"].astype(int) == k).astype(int).to_numpy() for k in CATEGORIES},
        "area_mu": case_area_mu(cases, area_crs=area_crs),
        "fine_wan": pd.to_numeric(cases["fine_wan"], errors="coerce").fillna(0).to_numpy(),
        "criminal_persons": pd.to_numeric(cases["criminal_persons"], errors="coerce").fillna(0).astype(int).to_numpy(),
        "accountability_persons": pd.to_numeric(cases["accountability_persons"], errors="coerce").fillna(0).astype(int).to_numpy(),
        "rectified": cases["status"].isin(RECTIFIED_STATUSES).astype(int).to_numpy(),
        "closed": (cases["status"] == CLOSED_STATUS).astype(int).to_numpy(),
    })
    table = df.groupby("township", observed=False).sum(numeric_only=True).reset_index()
    table["township"] = table["township"].astype(str)
    total = table.drop(columns="township").sum().to_frame().T
    total.insert(0, "township", TOTAL)
    table = pd.concat([table, total], ignore_index=True)
    ints = [c for c in STAT_COLUMNS if c not in ("township", "area_mu", "fine_wan")]
    table[ints] = table[ints].astype(int)
    table["area_mu"] = table["area_mu"].astype(float).round(2)
    table["fine_wan"] = table["fine_wan"].astype(float).round(2)
    return table[list(STAT_COLUMNS)]


def with_chinese_headers(table: pd.DataFrame) -> pd.DataFrame:
    """The statistics table with Chinese column headers, for CSV/Excel/on-screen."""
    return table.rename(columns=STAT_COLUMNS)
