"""Glue between the store, the shipped data and the check engine, shared by the CLI and the UI."""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd

from cases.demo import init_demo
from cases.io.geodata import load_shipped_boundaries
from cases.store import CaseStore, default_db_path, open_store
from geo.checks import check_cases
from geo.errors import StoreError

APPROX_NOTE = "注意：乡镇界线为示意（按乡镇驻地泰森多边形生成，非官方界线），乡镇归属仅供参考。"
DEMO_NOTE = "示例数据：案件与采矿许可证均为演示用虚构数据。"


def app_store(path: str | os.PathLike | None = None) -> CaseStore:
    """The app's store at ``path`` (or $CASEMAP_DB, or data/casemap.db).

    On the app's first run (no file there yet) a new store is created and filled with the demo
    data; an existing file must be a casemap store (see ``open_store``).
    """
    if default_db_path(path).exists():
        return open_store(path)
    store = open_store(path, create=True)
    init_demo(store)
    return store


def new_empty_store(path: str | os.PathLike | None = None) -> CaseStore:
    """A new store at ``path`` holding the shipped county and township boundaries and no cases.

    Refuses (StoreError) a path where a file already exists.
    """
    target = default_db_path(path)
    if target.exists():
        raise StoreError(f"{target} 已存在，init 只新建案件库；请用 --db 指定新的文件")
    store = open_store(target, create=True)
    county, towns = load_shipped_boundaries()
    store.replace_boundaries("county", county, user="init")
    store.replace_boundaries("township", towns, user="init")
    return store


def store_notes(store: CaseStore) -> list[str]:
    """Notes that every output drawn from ``store`` must carry (approximate townships, demo data)."""
    notes = []
    if store.townships()["approximate"].any():
        notes.append(APPROX_NOTE)
    if store.get_meta("is_demo") == "1":
        notes.append(DEMO_NOTE)
    return notes


def check_store(store: CaseStore, *, tolerance_m: float = 1.0, cases: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Run the check engine on the store's cases (or ``cases``) against its own layers."""
    return check_cases(
        store.cases() if cases is None else cases, store.townships(), store.permits(), store.county(),
        tolerance_m=tolerance_m,
    )


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
