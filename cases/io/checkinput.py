"""Case, permit and township files for ``python -m cases check``: read, validate, repair, or refuse."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from cases.county import DAIXIAN, County
from cases.io.geodata import (
    CASE_REQUIRED,
    PERMIT_REQUIRED,
    geodata_layers,
    labels_for,
    parse_date_column,
    prepare_geometries,
    read_geodata,
    read_layer,
    require_columns,
)
from cases.model import CATEGORIES, COUNTY, KINDS, category_kind
from geo.boundaries import normalise_township_layer, townships_outside
from geo.errors import LedgerFormatError, RowErrors, ValidationError

CASE_OPTIONAL = ("township", "permit_no", "mineral", "found_date")
#: Layers of a casemap export (``python -m cases export``): GeoPackage / zipped Shapefile layers, GeoJSON ``layer``.
EXPORT_CASE_LAYERS = ("cases_polygon", "cases_point")
EXPORT_PERMIT_LAYER = "permits"


def _holds(fields: tuple[str, ...], tag: str) -> bool:
    """True when a layer with ``fields`` holds cases (case_id, kind, category) or, for ``tag`` permit, permits."""
    if tag == "case":
        return {"case_id", "kind", "category"} <= set(fields)
    return "permit_no" in fields and "case_id" not in fields


def _read_export_aware(path: str | Path, *, what: str, layers: tuple[str, ...], tag: str,
                       division: County = DAIXIAN) -> gpd.GeoDataFrame:
    """Read a case or permit file; from a casemap export only its case (or permit) layers/features.

    A GeoPackage or .shp.zip written by ``python -m cases export`` holds ``cases_polygon``,
    ``cases_point`` and ``permits``; its KML/KMZ one folder per kind; its GeoJSON marks each feature
    with ``layer`` = case/permit.  Other files: their first layer.
    """
    have = geodata_layers(path)
    wanted = [n for n in layers if n in have]
    if not wanted and len(have) > 1:  # e.g. a KML with one folder per kind: every layer of the right sort
        wanted = [n for n, fields in have.items() if _holds(fields, tag)]
    frame = read_geodata(path, what=what, layers=wanted or list(have)[:1] or None, division=division).frame
    if "layer" in frame and frame["layer"].isin(["case", "permit"]).all() and len(frame):
        frame = frame[frame["layer"] == tag].drop(columns="layer").reset_index(drop=True)
    return frame


def _text_col(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[name].astype(object).where(frame[name].notna(), "").astype(str).str.strip()


def _geometries(frame: gpd.GeoDataFrame, errors: list[str], *, path, key: str, noun: str,
                division: County = DAIXIAN):
    """Check and repair geometries; raise RowErrors with ``errors`` plus any geometry errors."""
    try:
        frame, notes = prepare_geometries(frame, key=key, noun=noun, division=division)
    except RowErrors as exc:
        errors = errors + exc.errors
        notes = []
    if errors:
        raise RowErrors(errors, source=Path(path).name)
    return frame, notes


def read_case_file(path: str | Path, *, division: County = DAIXIAN) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read cases to check; return them in CGCS2000 with the notes of any repairs.

    Projected files are read in the zone, and positions checked against the box, of ``division`` (the
    store's county, default 代县).

    Raises RowErrors listing every bad case (kind, category, date, geometry, position).
    """
    frame = _read_export_aware(path, what="案件文件", layers=EXPORT_CASE_LAYERS, tag="case", division=division)
    if frame.empty:
        raise LedgerFormatError(f"案件文件 {Path(path).name} 中没有任何要素（案件），没有可核查的内容")
    require_columns(frame, CASE_REQUIRED, what="案件文件")
    labels = labels_for(frame, "case_id", "案件")
    errors: list[str] = []
    ids = _text_col(frame, "case_id")
    errors += [f"{labels[i]}：case_id 为空" for i in np.flatnonzero(ids.to_numpy() == "")]
    dup = ids[ids.duplicated(keep=False) & (ids != "")]
    errors += [f"案件编号 {v} 重复出现 {n} 次" for v, n in dup.value_counts().items()]
    kind = _text_col(frame, "kind").str.lower()
    errors += [f"{labels[i]}：kind「{kind.iloc[i]}」无效，应为 land（用地）或 mining（采矿）"
               for i in np.flatnonzero(~kind.isin(list(KINDS)).to_numpy())]
    cat = pd.to_numeric(frame["category"], errors="coerce")
    for i in np.flatnonzero(~cat.isin(list(CATEGORIES)).to_numpy()):
        errors.append(f"{labels[i]}：category「{frame['category'].iloc[i]}」无效，应为 1–10 的整数")
    ok = cat.isin(list(CATEGORIES)).to_numpy() & kind.isin(list(KINDS)).to_numpy()
    for i in np.flatnonzero(ok):
        if category_kind(int(cat.iloc[i])) != kind.iloc[i]:
            errors.append(f"{labels[i]}：category {int(cat.iloc[i])} 属于{KINDS[category_kind(int(cat.iloc[i]))]}类，与 kind「{kind.iloc[i]}」不符")
    found = frame["found_date"] if "found_date" in frame else pd.Series([None] * len(frame))
    dates, date_errs = parse_date_column(found.tolist(), labels=labels, field="found_date")
    errors += date_errs
    frame, notes = _geometries(frame, errors, path=path, key="case_id", noun="案件", division=division)
    out = gpd.GeoDataFrame({
        "case_id": ids.to_numpy(), "kind": kind.to_numpy(), "category": cat.astype(int).to_numpy(),
        **{c: _text_col(frame, c).to_numpy() for c in ("township", "permit_no", "mineral")},
        "found_date": dates,
    }, geometry=frame.geometry.values, crs=frame.crs)
    return out, notes


def read_permit_file(path: str | Path, *, division: County = DAIXIAN) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read permit areas (``permit_no``, ``holder``, ``mineral``, ``valid_from``, ``valid_to``) in the zone and box
    of ``division`` (default 代县)."""
    frame = _read_export_aware(path, what="采矿许可证文件", layers=(EXPORT_PERMIT_LAYER,), tag="permit",
                               division=division)
    require_columns(frame, PERMIT_REQUIRED, what="采矿许可证文件")
    labels = labels_for(frame, "permit_no", "许可证")
    errors: list[str] = []
    cols = {}
    for name in ("valid_from", "valid_to"):
        vals = frame[name].tolist() if name in frame else [None] * len(frame)
        cols[name], errs = parse_date_column(vals, labels=labels, field=name)
        errors += errs
    frame, notes = _geometries(frame, errors, path=path, key="permit_no", noun="许可证", division=division)
    out = gpd.GeoDataFrame({
        **{c: _text_col(frame, c).to_numpy() for c in ("permit_no", "holder", "mineral")}, **cols,
    }, geometry=frame.geometry.values, crs=frame.crs)
    return out, notes


def read_township_file(path: str | Path, *, name_field: str = "name",
                       county: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                       division: County = DAIXIAN) -> gpd.GeoDataFrame:
    """Read a township layer: any townships with a name in ``name_field`` (a subset of the county's too).

    Refuses, with a Chinese message naming the problem: an unreadable file, a layer without a CRS, a
    missing or empty name field, a name given to several features, a feature that is not a polygon and,
    given the ``county`` outline, townships lying mostly outside it (another county's file).
    """
    towns = normalise_township_layer(read_layer(path, what="乡镇界线文件", division=division), name_field=name_field)
    if county is not None and len(county):
        refuse_outside(towns, county, what=f"乡镇界线文件 {Path(path).name}")
    return towns


def refuse_outside(towns: gpd.GeoDataFrame, county: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str) -> None:
    """ValidationError naming every township of ``towns`` that lies mostly outside the ``county`` outline."""
    outside = townships_outside(towns, county)
    if outside:
        name = str(county["name"].iloc[0]) if "name" in county and len(county) else COUNTY
        shown = "、".join(f"{n}（县界内 {share:.0%}）" for n, share in outside[:20])
        raise ValidationError(f"{what} 中有 {len(outside)} 个乡镇不在{name}县界内：{shown}；"
                              f"请检查是否为其他县的文件，或坐标系是否正确")
