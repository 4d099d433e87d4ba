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

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from cases.io.files import max_import_bytes
from cases.io.geodata import KML_SUFFIXES, read_geodata
from cases.io.kml import new_document, placemark, to_bytes, write_kmz
from cases.model import CATEGORY_SHORT, FIELD_LABELS, KINDS, LAND, MINING, township_option
from geo.crs import STORAGE_CRS
from geo.errors import LedgerFormatError

FORMATS = (".gpkg", ".shp.zip", ".geojson", ".kml", ".kmz")
#: Shapefile field names (≤ 10 characters) of the casemap attributes.
SHP_NAMES: dict[str, str] = {
    "violation_time": "viol_time", "area_mu_declared": "area_mu", "filing_authority": "filing_aut",
    "filing_date": "filing_dat", "criminal_persons": "criminal", "accountability_persons": "accountab",
    "court_referral": "court_ref", "accept_county": "acc_county", "accept_city": "acc_city",
    "accept_province": "acc_prov", "is_compliant": "compliant", "is_accepted": "accepted", "is_closed": "closed",
    "mining_method": "mining_met", "elev_bottom": "elev_bot",
}
SHP_BACK = {v: k for k, v in SHP_NAMES.items()}
PERMIT_LABELS = {"permit_no": "采矿许可证号", "holder": "采矿权人", "mineral": "矿种", "valid_from": "有效期起",
                 "valid_to": "有效期止", "mining_method": "开采方式", "elev_top": "开采标高上限（米）",
                 "elev_bottom": "开采标高下限（米）", "mine_name": "矿山名称"}
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
    """The store's cases and permits, limited to one township (permits: those touching it) if given."""
    cases, permits = store.cases(), store.permits()
    if township:
        township = township_option(township)
        cases = cases[cases["township"] == township]
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
    path.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    if fmt == ".gpkg":
        if path.exists():
            path.unlink()
        for name, frame in _layers(cases, permits):
            _plain(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    elif fmt == ".shp.zip":
        notes += _write_shp_zip(path, cases, permits)
    elif fmt == ".geojson":
        frame = pd.concat([_whole(_plain(cases)).assign(layer="case"), _whole(_plain(permits)).assign(layer="permit")],
                          ignore_index=True)
        gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)
        text = gdf.to_json(ensure_ascii=False, drop_id=True, na="drop")
        data = json.loads(text)
        data["name"] = "代县用地用矿执法案件"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        located = ~(cases.geometry.isna() | cases.geometry.is_empty)
        if not located.all():
            notes.append(f"{int((~located).sum())} 个未定位案件没有坐标，未写入 {fmt.upper().lstrip('.')}"
                         "（台账、GeoPackage、GeoJSON 导出中保留）")
            cases = cases[located]
        kml = _kml(cases, permits)
        if fmt == ".kml":
            path.write_bytes(kml)
        else:
            write_kmz(path, kml)
    return {"path": str(path), "cases": len(cases), "permits": len(permits), "notes": notes}


def _layers(cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    kinds = cases.geom_type
    out = [("cases_polygon", cases[kinds != "Point"]), ("cases_point", cases[kinds == "Point"]), ("permits", permits)]
    return [(n, f) for n, f in out if not f.empty]


def _cut(text: Any, limit: int = 254) -> tuple[Any, bool]:
    if not isinstance(text, str) or len(text.encode("utf-8")) <= limit:
        return text, False
    b = text.encode("utf-8")[:limit]
    return b.decode("utf-8", errors="ignore"), True


def _write_shp_zip(path: Path, cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame) -> list[str]:
    cut_count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame in _layers(cases, permits):
            flat = _plain(frame).rename(columns=SHP_NAMES)
            for col in flat.columns:
                if flat[col].dtype == object and col != "geometry":
                    cut = [_cut(v) for v in flat[col]]
                    cut_count += sum(c for _, c in cut)
                    flat[col] = [v for v, _ in cut]
            flat.to_file(Path(tmp) / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).iterdir()):
                z.write(f, f.name)
            for name, frame in (("cases.csv", cases), ("permits.csv", permits)):
                flat = _plain(frame).assign(wkt=frame.geometry.to_wkt()).drop(columns="geometry")
                z.writestr(name, "\ufeff" + flat.to_csv(index=False, lineterminator="\r\n"))
    return [f"Shapefile 文本字段最长 254 字节，{cut_count} 个值已截断；完整内容见压缩包中的 cases.csv/permits.csv"] if cut_count else []


def _kml(cases: gpd.GeoDataFrame, permits: gpd.GeoDataFrame) -> bytes:
    root, doc = new_document("代县用地用矿执法案件")
    names = {LAND: "违法违规用地", MINING: "非法违法采矿"}
    for kind in (LAND, MINING):
        sel = cases[cases["kind"] == kind]
        folder = ET_sub(doc, f"{names[kind]}（{len(sel)}）")
        for rec in sel.to_dict("records"):
            shown = [(FIELD_LABELS[k], KINDS.get(rec[k], rec[k]) if k == "kind" else rec.get(k)) for k in _SHOWN_CASE
                     if k in rec and (k != "mineral" or kind == MINING)]
            data = {k: (FIELD_LABELS.get(k, k), v) for k, v in rec.items() if k != "geometry"}
            placemark(folder, name=f"{rec['case_id']} {CATEGORY_SHORT.get(int(rec['category']), '')}", style=kind,
                      geom=rec["geometry"], shown=shown, data=data)
    folder = ET_sub(doc, f"采矿许可证（{len(permits)}）")
    for rec in permits.to_dict("records"):
        shown = [(PERMIT_LABELS[k], rec.get(k)) for k in PERMIT_LABELS]
        data = {k: (PERMIT_LABELS.get(k, k), v) for k, v in rec.items() if k != "geometry"}
        placemark(folder, name=f"{rec['permit_no']} {rec.get('mine_name') or rec.get('holder') or ''}".strip(),
                  style="permit", geom=rec["geometry"], shown=shown, data=data)
    return to_bytes(root)


def ET_sub(doc, name: str):
    """A KML Folder named ``name`` under ``doc``."""
    from xml.etree import ElementTree as ET

    folder = ET.SubElement(doc, "Folder")
    ET.SubElement(folder, "name").text = name
    return folder


# -- reading -------------------------------------------------------------------------------------
def read_geo_table(path: str | os.PathLike, *, max_bytes: int | None = None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Every feature of a GeoPackage (all layers), Shapefile (.shp or .zip, all inside), GeoJSON, KML or KMZ.

    Read by :func:`cases.io.geodata.read_geodata` under the import size limit; returns a CGCS2000
    lon/lat GeoDataFrame and notes.  Short Shapefile names (:data:`SHP_NAMES`) are mapped back and
    features of a layer named like ``permits`` get ``layer`` = permit, as :func:`export_geodata` wrote them.
    """
    read = read_geodata(path, max_bytes=max_import_bytes(max_bytes))
    frame = read.frame
    if Path(path).suffix.lower() in KML_SUFFIXES:  # KML keeps casemap names in ExtendedData
        return frame, read.notes
    frame = frame.rename(columns={k: v for k, v in SHP_BACK.items() if k in frame.columns})
    permit = pd.Series(read.layers, index=frame.index, dtype=object).str.lower().str.contains("permit")
    if permit.any():
        given = frame["layer"] if "layer" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
        frame["layer"] = given.mask(permit & given.isna(), "permit")
    return frame, read.notes
