"""Geodata in and out: GeoPackage, zipped Shapefile, GeoJSON, KML and KMZ of cases and permits.

Export (:func:`export_geodata`), by the output's suffix:

- ``.gpkg``: layers ``cases_polygon``, ``cases_point`` and ``permits`` (every attribute, casemap names).
- ``.shp.zip``: the same three layers as Shapefiles with ``.cpg`` = UTF-8, field names shortened to 10
  characters by :data:`SHP_NAMES`; text longer than a DBF field (254 bytes) is cut there and the zip
  also holds ``cases.csv``/``permits.csv`` (UTF-8 with BOM) with the full text.
- ``.geojson``: one FeatureCollection; each feature's ``layer`` is ``case`` or ``permit``.
- ``.kml``/``.kmz``: folders 违法违规用地 / 非法违法采矿 / 采矿许可证 (see :mod:`cases.io.kml`).

Import (:func:`read_geo_table`) reads any of these (and other GeoPackage/Shapefile/GeoJSON files with
a CRS) through the one geodata reader :func:`cases.io.geodata.read_geodata`, mapping short Shapefile
names back.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cases.assignment import current_townships, shown_name
from cases.county import DAIXIAN, County, county_of
from cases.io.files import atomic_output, guard_csv_frame, max_import_bytes, unguard_csv_cell
from cases.io.geodata import KML_SUFFIXES, read_geodata
from cases.io.kml import add_placemarks, new_document, to_bytes, write_kmz
from cases.io.photo_exchange import (
    PHOTO_LAYER,
    PHOTO_TABLE,
    add_kmz_files,
    export_photos,
    kml_photo_placemarks,
    photo_limit,
    photos_layer,
)
from cases.model import CATEGORY_SHORT, FIELD_LABELS, KINDS, LAND, MINING, township_option
from cases.store import AREA_CHECK, AREA_COLUMN
from geo.crs import STORAGE_CRS
from geo.errors import LedgerFormatError

FORMATS = (".gpkg", ".shp.zip", ".geojson", ".kml", ".kmz")
#: Shapefile field names (≤ 10 characters) of the casemap attributes.
SHP_NAMES: dict[str, str] = {
    "violation_time": "viol_time", "area_mu_declared": "area_mu", "filing_authority": "filing_aut",
    "filing_date": "filing_dat", "criminal_persons": "criminal", "accountability_persons": "accountab",
    "court_referral": "court_ref", "accept_county": "acc_county", "accept_city": "acc_city",
    "accept_province": "acc_prov", "is_compliant": "compliant", "is_accepted": "accepted", "is_closed": "closed",
    "mining_method": "mining_met", "elev_bottom": "elev_bot", "mined_value_wan": "mined_wan",
}
SHP_BACK = {v: k for k, v in SHP_NAMES.items()}
PERMIT_LABELS = {"permit_no": "采矿许可证号", "holder": "采矿权人", "mineral": "矿种", "valid_from": "有效期起",
                 "valid_to": "有效期止", "mining_method": "开采方式", "elev_top": "开采标高上限（米）",
                 "elev_bottom": "开采标高下限（米）", "mine_name": "矿山名称"}
#: The full-text tables in a .shp.zip export (the DBF cuts text at 254 bytes).
CASES_CSV, PERMITS_CSV = "cases.csv", "permits.csv"
_SHOWN_CASE = ("case_id", "kind", "category", "township", "status", "summary", "party", "violation_time", "location",
               "area_mu_declared", "mineral", "permit_no", "found_date", "handling", "filing_authority", "filing_date",
               "penalty", "fine_wan", "criminal_persons", "accountability_persons", "remarks")


def output_format(path: str | os.PathLike) -> str:
    """The export format named by ``path``'s suffix, or LedgerFormatError listing the allowed ones."""
    name = Path(path).name.lower()
    for fmt in FORMATS:
        if name.endswith(fmt):
            return fmt
    raise LedgerFormatError(f"不支持的输出格式：{Path(path).name}；应以 {'、'.join(FORMATS)} 结尾")


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Attributes ready for any driver: dates → ISO text, bools → 0/1, None text → ''."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        s = out[col]
        if s.dtype == bool:
            out[col] = s.astype(int)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif s.dtype == object:
            out[col] = [v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else v) for v in s]
    return out


def _whole(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Integer columns as nullable integers, so that GeoJSON keeps 7 (not 7.0) next to permits lacking them."""
    ints = {c: "Int64" for c in frame.columns if c != "geometry" and pd.api.types.is_integer_dtype(frame[c])}
    return frame.astype(ints) if ints else frame


def select(store, *, township: str | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The store's cases and permits, limited to one township (permits: those touching it) if given.

    The township is one of the current division (a name of an older one is carried into it:
    滩上镇 → 峪口镇, :func:`cases.assignment.shown_name`), and a case belongs to it when its township in
    the current division is that one (:func:`cases.assignment.current_townships`), whatever it was declared.
    """
    cases, permits = store.cases(), store.permits()
    if township:
        township, _ = shown_name(store, township_option(township))
        cases = cases[current_townships(store, cases) == township]
        towns = store.townships()
        area = towns[towns["name"] == township]
        if not area.empty:
            permits = permits[permits.intersects(shapely.union_all(area.geometry.values))]
    return cases.reset_index(drop=True), permits.reset_index(drop=True)


def export_geodata(store, path: str | os.PathLike, *, township: str | None = None) -> dict[str, Any]:
    """Write cases and permits to ``path`` (format by suffix); return counts and notes."""
    path = Path(path)
    fmt = output_format(path)
    cases, permits = select(store, township=township)
    cases = cases.drop(columns=[AREA_COLUMN, AREA_CHECK], errors="ignore")  # the store's own bookkeeping
    notes: list[str] = []
    if township:
        translated = shown_name(store, township_option(township))[1]
        notes += [translated] if translated else []
    if fmt in (".kml", ".kmz"):
        located = ~(cases.geometry.isna() | cases.geometry.is_empty)
        if not located.all():
            notes.append(f"{int((~located).sum())} 个未定位案件没有坐标，未写入 {fmt.upper().lstrip('.')}"
                         "（台账、GeoPackage、GeoJSON 导出中保留）")
            cases = cases[located]
    photos = export_photos(store, cases) if fmt in (".gpkg", ".kml", ".kmz") else pd.DataFrame()
    if fmt == ".kml" and len(photos):
        notes.append(f"KML 单个文件无法携带照片：{len(photos)} 张现场照片未写入；请导出 KMZ 或 GeoPackage")
        photos = pd.DataFrame()
    with atomic_output(path) as tmp:  # a failed or killed export never leaves a half-written file
        notes += _write(fmt, tmp, cases, permits, title=f"{county_of(store).name}用地用矿执法案件", photos=photos,
                        store=store)
    return {"path": str(path), "cases": len(cases), "permits": len(permits), "photos": len(photos), "notes": notes}



def _write(fmt: str, path: Path, cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame, *, title: str,
           photos: pd.DataFrame | None = None, store=None) -> list[str]:
    """Write ``cases`` and ``permits`` to the new file ``path`` in ``fmt`` (``title`` names the collection); return notes.

    ``photos`` (GeoPackage, KMZ; their bytes read from ``store``): a ``photos`` layer, or a 现场照片 folder with the
    pictures inside the KMZ (:mod:`cases.io.photo_exchange`).
    """
    if fmt == ".gpkg":
        for name, frame in _layers(cases, permits) or [("permits", permits)]:  # nothing to export: an empty layer
            _plain(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        if photos is not None and len(photos):
            photos_layer(photos).to_file(path, layer=PHOTO_TABLE, driver="GPKG", engine="pyogrio")
    elif fmt == ".shp.zip":
        return _write_shp_zip(path, cases, permits)
    elif fmt == ".geojson":
        frame = pd.concat([_whole(_plain(cases)).assign(layer="case"), _whole(_plain(permits)).assign(layer="permit")],
                          ignore_index=True)
        gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)
        data = json.loads(gdf.to_json(ensure_ascii=False, drop_id=True, na="drop"))
        data["name"] = title
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    elif fmt == ".kml":
        path.write_bytes(_kml(cases, permits, title=title))
    else:
        write_kmz(path, _kml(cases, permits, title=title, photos=photos, store=store))
        return add_kmz_files(path, store, photos) if photos is not None and len(photos) else []
    return []


def _layers(cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    kinds = cases.geom_type
    out = [("cases_polygon", cases[kinds != "Point"]), ("cases_point", cases[kinds == "Point"]), ("permits", permits)]
    return [(n, f) for n, f in out if not f.empty]


def _cut(text: Any, limit: int = 254) -> tuple[Any, bool]:
    if not isinstance(text, str) or len(text.encode("utf-8")) <= limit:
        return text, False
    b = text.encode("utf-8")[:limit]
    return b.decode("utf-8", errors="ignore"), True


def _is_text(s: pd.Series) -> bool:
    """True for a text column, object or pandas' string dtype (the default from pandas 3 on)."""
    return s.dtype == object or pd.api.types.is_string_dtype(s)


def _write_shp_zip(path: Path, cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame) -> list[str]:
    cut_count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in _layers(cases, permits):
            flat = _plain(frame).rename(columns=SHP_NAMES)
            for col in flat.columns:
                if col != "geometry" and _is_text(flat[col]):
                    cut = [_cut(v) for v in flat[col]]
                    cut_count += sum(c for _, c in cut)
                    flat[col] = pd.Series([v for v, _ in cut], index=flat.index, dtype=object)
            flat.to_file(Path(tmp) / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).iterdir()):
                z.write(f, f.name)
            for name, frame in ((CASES_CSV, cases), (PERMITS_CSV, permits)):
                flat = _plain(frame).assign(wkt=frame.geometry.to_wkt()).drop(columns="geometry")
                z.writestr(name, "\ufeff" + guard_csv_frame(flat).to_csv(index=False, lineterminator="\r\n"))
    return [f"Shapefile 文本字段最长 254 字节，{cut_count} 个值已截断；完整内容见压缩包中的 cases.csv/permits.csv"] if cut_count else []


def _kml(cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame, *, title: str, photos: pd.DataFrame | None = None,
         store=None) -> bytes:
    doc = new_document(title)
    names = {LAND: "违法违规用地", MINING: "非法违法采矿"}
    for kind in (LAND, MINING):
        sel = cases[cases["kind"] == kind]
        folder = doc.folder(f"{names[kind]}（{len(sel)}）")
        shown = [(FIELD_LABELS[k], [KINDS.get(v, v) for v in sel[k]] if k == "kind" else sel[k].tolist())
                 for k in _SHOWN_CASE if k in sel.columns and (k != "mineral" or kind == MINING)]
        add_placemarks(folder, sel, style=kind, shown=shown, labels=FIELD_LABELS,
                       names=[f"{cid} {CATEGORY_SHORT.get(int(cat), '')}" for cid, cat in zip(sel["case_id"], sel["category"])])
    folder = doc.folder(f"采矿许可证（{len(permits)}）")
    column = {k: permits[k].tolist() if k in permits.columns else [None] * len(permits) for k in PERMIT_LABELS}
    add_placemarks(folder, permits, style="permit", shown=[(label, column[k]) for k, label in PERMIT_LABELS.items()],
                   labels=PERMIT_LABELS, names=[f"{no} {mine or holder or ''}".strip() for no, mine, holder in
                                                zip(column["permit_no"], column["mine_name"], column["holder"])])
    if photos is not None and len(photos):
        doc.folder(f"现场照片（{len(photos)}）").parts.extend(
            kml_photo_placemarks(photos, cases, limit_m=photo_limit(store)))
    return to_bytes(doc)


# -- reading -------------------------------------------------------------------------------------
def read_geo_table(path: str | os.PathLike, *, max_bytes: int | None = None,
                   division: County = DAIXIAN) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Every feature of a GeoPackage (all layers), Shapefile (.shp or .zip, all inside), GeoJSON, KML or KMZ.

    Read by :func:`cases.io.geodata.read_geodata` under the import size limit; returns a CGCS2000
    lon/lat GeoDataFrame and notes (projected numbers must fit the zone and box of ``division``).  Short Shapefile names (:data:`SHP_NAMES`) are mapped back and
    features of a layer named like ``permits`` get ``layer`` = permit, as :func:`export_geodata` wrote them.
    """
    read = read_geodata(path, max_bytes=max_import_bytes(max_bytes), division=division)
    frame = read.frame
    photo = np.asarray(read.layers, dtype=object) == PHOTO_TABLE
    if "layer" in frame.columns:  # the 现场照片 of a casemap export are no cases
        photo = photo | (frame["layer"] == PHOTO_LAYER).to_numpy(dtype=bool)
    if photo.any():
        kept = frame[~photo]
        only_photos = [c for c in frame.columns if c != "geometry" and kept[c].isna().all() and frame[c].notna().any()]
        frame, read = kept.drop(columns=only_photos), dataclasses.replace(read, layers=read.layers[~photo])
    if Path(path).suffix.lower() in KML_SUFFIXES:  # KML keeps casemap names in ExtendedData
        return frame, read.notes
    frame = frame.rename(columns={k: v for k, v in SHP_BACK.items() if k in frame.columns})
    permit = pd.Series(read.layers, index=frame.index, dtype=object).str.lower().str.contains("permit")
    if permit.any():
        given = frame["layer"] if "layer" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        frame["layer"] = given.mask(permit & given.isna(), "permit")
    notes = list(read.notes)
    if Path(path).name.lower().endswith(".zip"):
        frame = _whole_text(frame, Path(path), permit.to_numpy(), notes)
    return frame, notes


def _whole_text(frame: gpd.GeoDataFrame, path: Path, is_permit, notes: list[str]) -> gpd.GeoDataFrame:
    """Text the DBF cut at 254 bytes, taken whole from the zip's ``cases.csv``/``permits.csv`` (as
    :func:`export_geodata` writes them), matched on case_id / permit_no.

    A value is replaced only where the Shapefile holds exactly the cut of the CSV's text, so a field
    edited in GIS software after the export is kept as edited.
    """
    tables = {}
    with zipfile.ZipFile(path) as z:
        for csv in set(z.namelist()) & {CASES_CSV, PERMITS_CSV}:
            try:
                tables[csv] = pd.read_csv(io.BytesIO(z.read(csv)), dtype=str, keep_default_na=False,
                                          encoding="utf-8-sig")
            except ValueError:  # not casemap's table (pandas' parser and decoding errors are ValueErrors)
                notes.append(f"{path.name} 中的 {csv} 无法读取，超长文本按 Shapefile 中截断后的内容导入")
    out = frame.copy()
    restored = 0
    for csv, key, rows in ((CASES_CSV, "case_id", ~is_permit), (PERMITS_CSV, "permit_no", is_permit)):
        table = tables.get(csv)
        if table is None or key not in table.columns or key not in out.columns:
            continue
        table = table.drop_duplicates(key).set_index(key).map(unguard_csv_cell)
        for col in table.columns.intersection(out.columns).drop(key, errors="ignore"):
            if not _is_text(out[col]):
                continue
            full = table[col].reindex(out[key].astype(str)).to_numpy()
            have = out[col].to_numpy(dtype=object)
            hits = [i for i in np.flatnonzero(rows) if isinstance(full[i], str) and isinstance(have[i], str)
                    and _cut(full[i])[1] and _cut(full[i])[0].rstrip() == have[i].rstrip()]
            if hits:
                have[hits] = full[hits]
                out[col] = pd.Series(have, index=out.index, dtype=object)
                restored += len(hits)
    if restored:
        notes.append(f"{path.name}：{restored} 个超过 Shapefile 字段长度（254 字节）的文本已按压缩包中的 "
                     f"{CASES_CSV}/{PERMITS_CSV} 恢复为全文")
    return out
