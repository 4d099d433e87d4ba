"""Glue between the store, the shipped data and the check engine, shared by the CLI and the UI.

Cases in a township division (which township a case counts in, seen in the current or a past
division) live in :mod:`cases.assignment`; its names are re-exported here for the callers that
import them from this module.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import geopandas as gpd
import pandas as pd

from cases.assignment import (  # noqa: F401  (re-exported: cases in a township division)
    DECLARED,
    assign_townships,
    declared_in,
    in_division,
    row_names,
    store_cases,
    store_divisions,
)
from cases.county import DAIXIAN, DEFAULT_ADCODE, county_from_outline, county_meta, county_of, county_outline
from cases.demo import init_demo
from cases.divisions import CountyDivisions, county_divisions
from cases.io.geodata import load_shipped_boundaries
from cases.model import COUNTY
from cases.sql.postgis import redact
from cases.store import CaseStore, open_store, store_exists, store_location
from geo.checks import check_cases
from geo.errors import StoreError, ValidationError

APPROX_NOTE = "注意：乡镇界线为示意（按乡镇驻地泰森多边形生成，非官方界线），乡镇归属仅供参考。"
DEMO_NOTE = "示例数据：案件与采矿许可证均为演示用虚构数据。"
NO_TOWNSHIPS_NOTE = ("注意：未加载乡镇界线，乡镇核查已跳过（核查结果不判定所在乡镇，不标记乡镇不符、跨乡镇），"
                     "统计按案件填报的乡镇；可用 load-townships 载入官方乡镇界线。")


def app_store(path: str | os.PathLike | None = None, *,
              fill: Callable[[CaseStore], object] = init_demo) -> CaseStore:
    """The app's store at ``path`` (or $CASEMAP_DB, or data/casemap.db).

    On the app's first run (no file there yet) a new store is created and filled with the demo
    data by ``fill`` (in one transaction); an existing file must be a casemap store (see ``open_store``).
    A PostgreSQL store (``postgresql://…``) is set up by ``init`` or ``migrate``, never filled with demo data here.
    """
    location = store_location(path)
    if isinstance(location, str) or location.exists():
        return open_store(location)
    store = open_store(path, create=True)
    with store.transaction():
        fill(store)
    return store


def new_empty_store(path: str | os.PathLike | None = None, *, adcode: str | None = None,
                    name: str | None = None) -> CaseStore:
    """A new store at ``path`` for one county-level division, holding its boundaries and no cases.

    Without ``adcode`` (or with 代县's, 140923) the store holds the shipped 代县 outline and township
    layer.  Any other ``adcode`` gets its outline from data/boundaries/counties/, its 3-degree zone
    (:mod:`cases.county`) and no township layer: township checks are skipped (:func:`store_notes` says
    so).  ``name`` overrides the county's name shown (the outline keeps its official name).  The
    county is recorded in the store's meta (:func:`cases.county.county_of` reads it back).

    Refuses a path where a file already exists (StoreError) and an unknown adcode (ValidationError);
    nothing is written then.
    """
    target = store_location(path)
    if store_exists(target):
        raise StoreError(f"{redact(str(target))} 已存在，init 只新建案件库；请用 --db 指定新的文件（或另一个数据库）")
    outline, division = None, DAIXIAN
    if adcode is not None and str(adcode).strip() != DEFAULT_ADCODE:
        outline = county_outline(adcode)
        division = county_from_outline(outline["adcode"].iloc[0], outline["name"].iloc[0], outline.geometry.iloc[0])
    if name and name.strip():
        division = dataclasses.replace(division, name=name.strip())
    store = open_store(target, create=True)
    if outline is None:
        county, towns = load_shipped_boundaries()
        store.replace_boundaries("county", county, user="init")
        store.replace_boundaries("township", towns, user="init",
                                 year=division_year(towns, county_divisions(str(county["name"].iloc[0]))))
    else:
        store.replace_boundaries("county", outline[["name", "approximate", "source", "geometry"]], user="init")
    store.set_meta(county_meta(division))
    return store


def store_notes(store: CaseStore) -> list[str]:
    """Notes that every output drawn from ``store`` must carry (approximate or no townships, demo data)."""
    notes = []
    towns = store.townships()
    if towns["approximate"].any():
        notes.append(APPROX_NOTE)
    if towns.empty:
        notes.append(NO_TOWNSHIPS_NOTE)
    if store.get_meta("is_demo") == "1":
        notes.append(DEMO_NOTE)
    return notes


def check_store(store: CaseStore, *, tolerance_m: float = 1.0, cases: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Run the check engine on the store's cases (or ``cases``) against its own layers (the current division).

    TOWNSHIP_MISMATCH compares like with like: the declared township is first carried into the current
    division by the change table (a case declared 滩上镇 lying in 峪口镇 matches after the merge).
    """
    frame = store.cases() if cases is None else cases
    towns = store.townships()
    frame = frame.assign(township=declared_in(frame, towns, store_divisions(store)))
    return check_cases(frame, towns, store.permits(), store.county(), tolerance_m=tolerance_m,
                       area_crs=county_of(store).area_crs)


def results_to_records(results: pd.DataFrame) -> list[dict]:
    """Check results as plain JSON-ready dicts (NaN → None, numpy numbers → Python numbers)."""
    out = []
    for rec in results.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, float) and v != v:
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            clean[k] = v
        out.append(clean)
    return out


# -- township divisions of a layer ------------------------------------------------------------
def division_year(layer: gpd.GeoDataFrame, divisions: CountyDivisions | None) -> int | None:
    """The year of the division whose townships are exactly ``layer``'s names (the newest such), else None."""
    found = divisions.matching(str(n) for n in layer["name"]) if divisions is not None else None
    return found.valid_from if found is not None else None


def layer_division(names: list[str], divisions: CountyDivisions | None, *, year: int | None = None,
                   county: str = COUNTY) -> tuple[int, tuple[str, ...]]:
    """The year a township layer with ``names`` is valid from, and its names in the division's order.

    Without ``year`` the names must be exactly one division's of the county's data (that division's
    year); with ``year`` they must be the townships of the division in force in that year.  A county
    without division data takes any names, but only with ``year``.  ValidationError (Chinese, naming
    the unknown and the missing townships) otherwise.
    """
    if divisions is None:
        if year is None:
            raise ValidationError(f"没有{county}的区划数据（data/divisions/），请用 --year 指定该乡镇界线的生效年份")
        return year, tuple(names)
    if year is None:
        found = divisions.matching(names)
        if found is None:
            near = min(reversed(divisions.divisions), key=lambda d: len(set(d.names) ^ set(names)))
            raise ValidationError(
                f"乡镇界线中的乡镇与{divisions.county}任何时期的区划都不一致（最接近 {near.valid_from} 年起的区划："
                f"{_difference(names, near.names)}）；各时期的乡镇见 data/divisions/{divisions.code}.json。"
                "如是新的区划调整，请先在该文件中登记新区划及其撤并表，再用 --year 载入")
        return found.valid_from, found.names
    expected = divisions.at(year)
    if set(names) != set(expected.names):
        raise ValidationError(
            f"乡镇界线中的乡镇与{divisions.county} {year} 年的区划（{expected.valid_from} 年起）不一致："
            f"{_difference(names, expected.names)}；应为：{'、'.join(expected.names)}")
    return year, expected.names


def _difference(names: list[str], expected: tuple[str, ...]) -> str:
    unknown = [n for n in names if n not in expected]
    missing = [n for n in expected if n not in names]
    parts = ([f"图层中多出 {'、'.join(unknown)}"] if unknown else []) + ([f"缺少 {'、'.join(missing)}"] if missing else [])
    return "；".join(parts)
