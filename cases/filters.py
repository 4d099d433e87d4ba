"""Filtering cases for the map and lists: township, kind, category, status, flag, date, free text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Pseudo flag meaning "any flag at all".
ANY_FLAG = "ANY"


@dataclass(frozen=True)
class CaseFilter:
    """What to keep; an empty selection keeps everything."""

    townships: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    categories: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    text: str = ""


def filter_mask(cases: pd.DataFrame, checks: pd.DataFrame | None, f: CaseFilter) -> np.ndarray:
    """Boolean mask of the cases ``f`` keeps (vectorised; no loop over cases but the flag lists).

    ``flags`` keeps cases having any of the listed flag codes (``ANY_FLAG``: any flag).  The text
    search is case-insensitive on case id, 违法主体 (party) and 地点 (location).  Dates are inclusive;
    cases without a found date are dropped when a date bound is set.
    """
    keep = np.ones(len(cases), bool)
    if f.townships:
        keep &= cases["township"].isin(f.townships).to_numpy()
    if f.kinds:
        keep &= cases["kind"].isin(f.kinds).to_numpy()
    if f.categories:
        keep &= cases["category"].astype(int).isin([int(c) for c in f.categories]).to_numpy()
    if f.statuses:
        keep &= cases["status"].isin(f.statuses).to_numpy()
    if f.found_from or f.found_to:
        found = pd.to_datetime(cases["found_date"], errors="coerce")
        if f.found_from:
            keep &= (found >= pd.Timestamp(f.found_from)).fillna(False).to_numpy(bool)
        if f.found_to:
            keep &= (found <= pd.Timestamp(f.found_to)).fillna(False).to_numpy(bool)
    if f.text.strip():
        needle = f.text.strip().lower()
        hay = (cases["case_id"].astype(str) + "\n" + cases["party"].fillna("").astype(str) + "\n"
               + cases["location"].fillna("").astype(str)).str.lower()
        keep &= hay.str.contains(needle, regex=False).to_numpy()
    if f.flags:
        if checks is None:
            keep &= False
        else:
            flags = checks.set_index("case_id")["flags"].reindex(cases["case_id"])
            wanted = set(f.flags)
            keep &= np.array([
                isinstance(fl, (list, tuple)) and bool(fl) and (ANY_FLAG in wanted or bool(wanted.intersection(fl)))
                for fl in flags
            ], dtype=bool)
    return keep


def describe_filter(f: CaseFilter) -> str:
    """Chinese description of ``f`` for map texts, e.g. ``乡镇=峨口镇；类型=采矿`` ("" keeps everything).

    The wording matches the ``--filter`` description of ``python -m cases snapshot``: values of one
    key are joined by 或, keys by ；.
    """
    from cases.model import CATEGORY_SHORT, KINDS
    from geo.checks import FLAGS

    parts = []
    if f.townships:
        parts.append("乡镇=" + "或".join(f.townships))
    if f.kinds:
        parts.append("类型=" + "或".join(KINDS.get(k, k) for k in f.kinds))
    if f.categories:
        parts.append("违法类别=" + "或".join(f"{int(c)}（{CATEGORY_SHORT.get(int(c), '')}）" for c in f.categories))
    if f.statuses:
        parts.append("办理状态=" + "或".join(f.statuses))
    if f.flags:
        parts.append("核查标记=" + "或".join("任一问题" if c == ANY_FLAG else FLAGS.get(c, c) for c in f.flags))
    if f.found_from or f.found_to:
        a = f.found_from.isoformat() if f.found_from else "…"
        b = f.found_to.isoformat() if f.found_to else "…"
        parts.append(f"发现日期={a}至{b}")
    if f.text.strip():
        parts.append(f"搜索「{f.text.strip()}」")
    return "；".join(parts)
