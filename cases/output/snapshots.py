"""Briefing outputs written to files: map snapshots (PNG/PDF), case check sheets and atlases.

The figures are built by ``geo.printmap.snapshot`` (maps) and ``cases.output.sheets`` (check sheets); this
module selects the data from the store, applies the ``--filter`` options and saves the files.

Filters (``key=value``, repeatable; several values of one key are alternatives, separated by
commas or given as repeated options; different keys must all hold):

======== ===================================================== ==========================
key      values                                                example
======== ===================================================== ==========================
kind     land / mining (or 用地 / 采矿)                          ``kind=mining``
status   a lifecycle status (排查发现 … 已销号)                   ``status=已立案``
flag     a check flag code or its Chinese label                ``flag=OUT_OF_BOUNDS``
category 1–10 or the short name (越界开采 …)                    ``category=7``
township one of the eleven townships                           ``township=峨口镇``
======== ===================================================== ==========================
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cases.output.figures import check_suffix, producing_unit, save_figure
from cases.output.fonts import font_family
from cases.text import date_text
from cases.model import CATEGORIES, CATEGORY_SHORT, KINDS, STATUSES, TOWNSHIPS
from geo.checks import FLAGS
from geo.errors import ValidationError
from geo.printmap.snapshot import MapContent, outside_parts, snapshot_figure

COUNTY_TITLE = "代县非法违法用地用矿案件分布图"
FILTER_KEYS: dict[str, str] = {"kind": "类型", "status": "办理状态", "flag": "核查标记", "category": "违法类别",
                               "township": "乡镇"}
OUTPUT_SUFFIXES = (".png", ".pdf")


# -- filters ------------------------------------------------------------------------------------
def parse_filters(items: list[str] | None) -> dict[str, list[str]]:
    """``["kind=mining", "status=已立案,查处整改中"]`` → ``{"kind": ["mining"], "status": [...]}``, normalised.

    Raises ValidationError (Chinese, naming the bad item and the allowed values) on a bad filter.
    """
    out: dict[str, list[str]] = {}
    for item in items or []:
        key, sep, value = str(item).partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise ValidationError(f"筛选条件「{item}」格式不对，应为 键=值，如 kind=mining、status=已立案")
        if key not in FILTER_KEYS:
            raise ValidationError(f"筛选条件「{item}」的键「{key}」无效，应为：{'、'.join(FILTER_KEYS)}")
        for v in value.replace("，", ",").split(","):
            if v.strip():
                out.setdefault(key, []).append(_normalise(key, v.strip(), item))
    return out


def _normalise(key: str, value: str, item: str) -> str:
    if key == "kind":
        rev = {v: k for k, v in KINDS.items()}
        if value in KINDS or value in rev:
            return rev.get(value, value)
        allowed = "land（用地）、mining（采矿）"
    elif key == "status":
        if value in STATUSES:
            return value
        allowed = "、".join(STATUSES)
    elif key == "flag":
        rev = {v: k for k, v in FLAGS.items()}
        if value.upper() in FLAGS or value in rev:
            return rev.get(value, value.upper())
        allowed = "、".join(f"{k}（{v}）" for k, v in FLAGS.items())
    elif key == "category":
        rev = {v: str(k) for k, v in CATEGORY_SHORT.items()}
        if value in rev:
            return rev[value]
        if value.isdigit() and int(value) in CATEGORIES:
            return str(int(value))
        allowed = "1–10 或 " + "、".join(CATEGORY_SHORT.values())
    else:
        if value in TOWNSHIPS:
            return value
        allowed = "、".join(TOWNSHIPS)
    raise ValidationError(f"筛选条件「{item}」中的「{value}」无效，{FILTER_KEYS[key]}应为：{allowed}")


def describe_filters(filters: dict[str, list[str]]) -> str:
    """Chinese description, e.g. ``类型=采矿；办理状态=已立案``."""
    parts = []
    for key, values in filters.items():
        shown = [KINDS.get(v, v) if key == "kind" else FLAGS.get(v, v) if key == "flag"
                 else f"{v}（{CATEGORY_SHORT[int(v)]}）" if key == "category" else v for v in values]
        parts.append(f"{FILTER_KEYS[key]}={'或'.join(shown)}")
    return "；".join(parts)


def apply_filters(cases: gpd.GeoDataFrame, filters: dict[str, list[str]], *,
                  checks: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The cases that pass every filter.  A ``flag`` filter needs ``checks`` (check_cases results)."""
    mask = np.ones(len(cases), bool)
    for key, values in filters.items():
        if key == "kind":
            mask &= cases["kind"].isin(values).to_numpy()
        elif key == "status":
            mask &= cases["status"].isin(values).to_numpy()
        elif key == "category":
            mask &= cases["category"].astype(int).isin([int(v) for v in values]).to_numpy()
        elif key == "township":
            mask &= cases["township"].isin(values).to_numpy()
        elif key == "flag":
            if checks is None:
                raise ValueError("a flag filter needs the check results")
            flagged = {cid for cid, fl in zip(checks["case_id"], checks["flags"]) if set(fl) & set(values)}
            mask &= cases["case_id"].isin(flagged).to_numpy()
    return cases[mask]


# -- map snapshots ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SnapshotRequest:
    """What a snapshot shows; every field is optional."""

    township: str | None = None
    case_id: str | None = None
    filters: tuple[str, ...] = ()
    title: str | None = None
    unit: str | None = None
    date: dt.date | None = None


def snapshot_content(store, request: SnapshotRequest) -> tuple[MapContent, tuple[float, float, float, float] | None]:
    """The map content and extent (lon/lat) of ``request`` from ``store``."""
    from cases.service import check_store, store_notes

    filters = parse_filters(list(request.filters))
    cases = store.cases()
    checks = check_store(store, cases=cases) if "flag" in filters else None
    cases = apply_filters(cases, filters, checks=checks)
    towns = store.townships()
    extent = None
    focus = None
    area = "代县全县"
    title = COUNTY_TITLE
    if request.township:
        if request.township not in set(towns["name"]):
            raise ValidationError(f"乡镇「{request.township}」不在乡镇界线图层中，应为：{'、'.join(towns['name'])}")
        cases = cases[cases["township"] == request.township]
        focus = towns[towns["name"] == request.township].geometry
        extent = tuple(focus.total_bounds)
        area = f"代县{request.township}"
        title = f"代县{request.township}非法违法用地用矿案件分布图"
    if request.case_id:
        case = store.get_case(request.case_id)
        permits = store.permits()
        geoms = [case.geometry] + list(permits.loc[permits["permit_no"] == case.permit_no, "geometry"])
        extent = tuple(gpd.GeoSeries(geoms, crs=permits.crs).total_bounds)
        others = cases[cases["case_id"] != case.case_id]
        target = store.cases()
        cases = pd.concat([target[target["case_id"] == case.case_id], others])
        area = f"代县{case.township} 案件 {case.case_id}"
        title = f"案件 {case.case_id} 位置图"
    if filters:
        area += f"（筛选：{describe_filters(filters)}）"
    content = MapContent(
        cases=cases, townships=towns, permits=store.permits(), county=store.county(),
        title=request.title or title, area_name=area, date_text=date_text(request.date or dt.date.today()),
        unit=producing_unit(store, request.unit), notes=store_notes(store),
        outside=outside_parts(cases, store.permits()), focus=focus, highlight=request.case_id,
    )
    return content, extent


def render_snapshot(store, request: SnapshotRequest, *, size: str = "A4", landscape: bool = False,
                    dpi: float = 150) -> Figure:
    """The snapshot Figure of ``request``."""
    content, extent = snapshot_content(store, request)
    return snapshot_figure(content, extent=extent, size=size, landscape=landscape, dpi=dpi, font=font_family())


def write_snapshot(store, out: str | os.PathLike, request: SnapshotRequest = SnapshotRequest(), *,
                   size: str = "A4", landscape: bool = False, dpi: float = 150) -> Path:
    """Write the map snapshot of ``request`` to ``out`` (.png or .pdf); return the path."""
    path = check_suffix(out, OUTPUT_SUFFIXES)
    if dpi < 30 or dpi > 1200:
        raise ValidationError(f"分辨率 --dpi {dpi:g} 超出范围，应在 30–1200 之间")
    fig = render_snapshot(store, request, size=size, landscape=landscape, dpi=dpi)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path


def snapshot_bytes(store, request: SnapshotRequest, *, fmt: str, size: str = "A4", landscape: bool = False,
                   dpi: float = 150) -> bytes:
    """The snapshot as PNG or PDF bytes (for download buttons)."""
    buf = io.BytesIO()
    save_figure(render_snapshot(store, request, size=size, landscape=landscape, dpi=dpi), buf, fmt=fmt)
    return buf.getvalue()
