"""KML/KMZ for 奥维互动地图 and Google Earth: write cases and permits with names and descriptions; read placemarks.

Placemark ``name`` is what both programs print on the map (``案件编号 类别``); ``description`` is plain
text, one "字段：值" per line (Google Earth turns newlines into line breaks; 奥维 shows the text as is),
and ``ExtendedData`` keeps every attribute under its casemap name for a lossless read back.  Values
holding ``<`` or ``&`` are HTML-escaped in the description so that markup is shown as text.
Coordinates are CGCS2000 lon/lat written as KML's WGS84 (they differ by well under a metre).

Why the writer is hand-made (checked by writing through pyogrio with both GDAL drivers): they write
ExtendedData only as ``<SchemaData>/<SimpleData name=…>``, so the Chinese ``<displayName>`` that
奥维 and Google Earth show beside each casemap field is lost; pyogrio cannot hand them a style table,
so no shared ``<Style id="land|mining|permit">`` (用地 red, 采矿 orange, 许可证 blue) is written —
LIBKML turns an ``OGR_STYLE`` of ``@land`` into a ``styleUrl`` pointing at nothing and keeps
``OGR_STYLE`` as a data field; and LIBKML writes each layer as a nested ``<Document>``, not the
``<Folder>`` per kind that 奥维 lists.  (The plain-text, HTML-free "字段：值" description itself
could be passed to a driver as a column; it is built here with the rest of the placemark.)

Why the reader is hand-made too (checked against pyogrio 0.13 / GDAL 3.12 with LIBKML, which does
read ExtendedData, folders as layers, Chinese text and KMZ): on casemap's own KML/KMZ exports it
gives the same attributes and geometries, but on the inputs the reader must explain it does not —

- an unclosed ring makes the whole file fail (shapely: "Points of LinearRing do not form a closed
  linestring") or, with ``on_invalid="fix"``, is closed silently: no note naming the placemark;
- a ring of 2 distinct points comes back as a degenerate polygon, not as an error naming it;
- placemarks are split into one layer per folder with loose placemarks first, so document order
  (``第 n 个地标`` in messages) is lost for files mixing both or nesting folders;
- it adds its own fields (``id``, ``Name`` for ``name``, ``timestamp``, ``begin``, ``end``,
  ``altitudeMode``, ``tessellate``, ``extrude``, ``visibility``, ``drawOrder``, ``icon``) that
  clash with user fields of those names and would be listed as the file's fields;
- a KMZ without a .kml inside is "not recognized as being in a supported file format" instead of
  naming what the KMZ holds; coordinates come back with z.

The reader is used by the one geodata reader, :func:`cases.io.geodata.read_geodata`, for every
.kml/.kmz path (import, ``check``, uploads).
"""

from __future__ import annotations

import html
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree as ET

import shapely
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from shapely.geometry import MultiPolygon, Point, Polygon

from cases.io.files import check_unpacked
from cases.text import value_text
from geo.errors import LedgerFormatError, RowErrors

KML_NS = "http://www.opengis.net/kml/2.2"
_STYLES = {  # id: (line colour aabbggrr, fill colour, icon colour)
    "land": ("ff0000ff", "550000ff", "ff0000ff"),
    "mining": ("ff0080ff", "550080ff", "ff0080ff"),
    "permit": ("ffff8000", "22ff8000", "ffff8000"),
}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def _coords(seq: Iterable) -> str:
    return " ".join(f"{x:.8f},{y:.8f},0" for x, y, *_ in seq)


def _geometry(parent: ET.Element, g: shapely.Geometry) -> None:
    if g.geom_type == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coords([g.coords[0]]))
    elif g.geom_type == "Polygon":
        poly = _sub(parent, "Polygon")
        _sub(_sub(_sub(poly, "outerBoundaryIs"), "LinearRing"), "coordinates", _coords(g.exterior.coords))
        for ring in g.interiors:
            _sub(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(ring.coords))
    else:
        multi = _sub(parent, "MultiGeometry")
        for part in g.geoms:
            _geometry(multi, part)


def placemark(folder: ET.Element, *, name: str, style: str, geom: shapely.Geometry,
              shown: list[tuple[str, Any]], data: dict[str, tuple[str, Any]]) -> None:
    """Add one placemark: ``shown`` (label, value) lines in the description, ``data`` in ExtendedData.

    Hand-made, not GDAL's KML drivers, because they cannot write ExtendedData ``<Data>`` with a
    Chinese ``displayName`` beside the casemap field name, nor a ``styleUrl`` to a shared style of the
    kind; the description is plain text (HTML-free, ``<``/``&`` escaped) so that 奥维 shows it as is.
    """
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    lines = []
    for label, value in shown:
        t = value_text(value)  # a missing date (NaT) or number is shown as nothing, not as "NaT"
        if t:
            lines.append(f"{label}：{html.escape(t, quote=False) if ('<' in t or '&' in t) else t}")
    _sub(pm, "description", "\n".join(lines))
    _sub(pm, "styleUrl", f"#{style}")
    ext = _sub(pm, "ExtendedData")
    for key, (label, value) in data.items():
        d = _sub(ext, "Data", name=key)
        _sub(d, "displayName", label)
        _sub(d, "value", value_text(value))
    _geometry(pm, geom)


def new_document(title: str) -> tuple[ET.Element, ET.Element]:
    """A KML root and its Document, with the land / mining / permit styles.

    Hand-made because through pyogrio GDAL's KML drivers cannot declare the shared ``<Style id=…>``
    elements that :func:`placemark` points at (no style table can be passed; see the module docstring).
    """
    ET.register_namespace("", KML_NS)
    root = ET.Element("kml", xmlns=KML_NS)
    doc = _sub(root, "Document")
    _sub(doc, "name", title)
    for sid, (line, fill, icon) in _STYLES.items():
        st = _sub(doc, "Style", id=sid)
        ic = _sub(st, "IconStyle")
        _sub(ic, "color", icon)
        _sub(ic, "scale", "1.0")
        _sub(_sub(ic, "Icon"), "href", "http://maps.google.com/mapfiles/kml/pushpin/red-pushpin.png")
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", line)
        _sub(ls, "width", "2")
        _sub(_sub(st, "PolyStyle"), "color", fill)
    return root, doc


def to_bytes(root: ET.Element) -> bytes:
    """The KML document as UTF-8 bytes with an XML declaration."""
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def write_kmz(path: Path, kml: bytes) -> None:
    """A KMZ: a zip holding doc.kml."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", kml)


# -- reading -------------------------------------------------------------------------------------
def kml_bytes(path: Path, data: bytes, *, max_bytes: int | None = None) -> bytes:
    """The KML of a .kml file or of a .kmz (the doc.kml, else the first .kml inside).

    A KMZ that would unpack to too much is refused before anything is unpacked
    (:func:`cases.io.files.check_unpacked` with the import limit ``max_bytes``, default the configured one).
    """
    if path.suffix.lower() != ".kmz":
        return data
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LedgerFormatError(f"{path.name} 已损坏，不是有效的 KMZ（zip）文件") from exc
    check_unpacked(z, name=path.name, packed_bytes=len(data), max_bytes=max_bytes)
    names = [n for n in z.namelist() if n.lower().endswith(".kml")]
    if not names:
        raise LedgerFormatError(f"{path.name} 中没有 KML 文件（KMZ 应包含 doc.kml）；文件内容：{'、'.join(z.namelist()[:10]) or '（空）'}")
    return z.read("doc.kml" if "doc.kml" in names else names[0])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find_all(el: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in el.iter() if _local(e.tag) == name]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in el if _local(e.tag) == name), None)


def _parse_coords(text: str, label: str) -> list[tuple[float, float]]:
    """``lon,lat[,alt]`` tuples of a <coordinates> text; ValueError naming a value that is no finite number."""
    out = []
    for tok in (text or "").split():
        parts = tok.split(",")
        if len(parts) >= 2:
            try:
                x, y = float(parts[0]), float(parts[1])
            except ValueError:
                raise ValueError(f"{label}：坐标「{tok[:40]}」不是数字（应为 经度,纬度[,高程]）") from None
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError(f"{label}：坐标「{tok[:40]}」不是有效数字（NaN 或无穷大）")
            out.append((x, y))
    return out


def _ring(el: ET.Element, label: str, notes: list[str]) -> list[tuple[float, float]]:
    coords_el = next(iter(_find_all(el, "coordinates")), None)
    pts = _parse_coords(coords_el.text if coords_el is not None else "", label)
    if len(set(pts)) < 3:
        raise ValueError(f"{label}：面的一个环只有 {len(set(pts))} 个不同的点，至少需要 3 个点")
    if pts[0] != pts[-1]:
        pts.append(pts[0])
        notes.append(f"{label}：面的环未闭合，已自动闭合")
    return pts


def _shape(el: ET.Element, label: str, notes: list[str]) -> list[shapely.Geometry]:
    name = _local(el.tag)
    if name == "Point":
        c = _parse_coords(next(iter(_find_all(el, "coordinates"))).text, label)
        return [Point(c[0])] if c else []
    if name == "Polygon":
        outer = _child(el, "outerBoundaryIs")
        inners = [i for i in el if _local(i.tag) == "innerBoundaryIs"]
        if outer is None:
            raise ValueError(f"{label}：面缺少外环")
        return [Polygon(_ring(outer, label, notes), [_ring(i, label, notes) for i in inners])]
    if name == "MultiGeometry":
        return [g for child in el for g in _shape(child, label, notes)]
    if name in ("LineString", "LinearRing"):
        raise ValueError(f"{label}：是线（{name}），不是点或面；请在奥维/Google Earth 中画成多边形")
    return []


class Placemarks(NamedTuple):
    """What :func:`read_kml` read: one dict per placemark, the folder (layer) of each, and notes."""

    rows: list[dict[str, Any]]
    layers: list[str]
    notes: list[str]


def _placemarks(el: ET.Element, folder: str) -> Iterator[tuple[str, ET.Element]]:
    """(folder name, Placemark) in document order; a placemark outside any named Folder gets ``folder``."""
    for child in el:
        tag = _local(child.tag)
        if tag == "Placemark":
            yield folder, child
        elif tag == "Folder":
            name = _child(child, "name")
            named = (name.text or "").strip() if name is not None else ""
            yield from _placemarks(child, named or folder)
        else:
            yield from _placemarks(child, folder)


def read_kml(path: Path, data: bytes, *, max_bytes: int | None = None) -> Placemarks:
    """Placemarks as dicts (name, description, ExtendedData fields, geometry), their folders, and notes.

    Hand-made rather than pyogrio/LIBKML so that every unusable placemark is named in document order
    (unclosed ring → closed with a note, ring of < 3 points, line, no geometry) and the fields are the
    file's own (``name``, ``description``, Data/SimpleData); see the module docstring for the evidence.

    Each placemark's layer is the name of the nearest Folder holding it (the file's stem outside any
    folder), as GDAL names layers; rows are in document order, numbered so in messages.
    Raises RowErrors naming every placemark whose geometry is unusable.
    """
    try:  # defusedxml: no entity expansion ("billion laughs") and no external entities (XXE)
        root = safe_fromstring(kml_bytes(path, data, max_bytes=max_bytes))
    except DefusedXmlException as exc:
        raise LedgerFormatError(f"{path.name} 含有 XML 实体声明或外部引用（DOCTYPE/ENTITY），出于安全原因拒绝读取；"
                                "请在奥维互动地图或 Google Earth 中重新导出 KML/KMZ 后再导入") from exc
    except ET.ParseError as exc:
        raise LedgerFormatError(f"{path.name} 不是有效的 KML（XML 解析失败：{exc}）") from exc
    rows, layers, notes, errors = [], [], [], []
    for n, (folder, pm) in enumerate(_placemarks(root, path.stem), start=1):
        rec: dict[str, Any] = {}
        for key in ("name", "description"):
            c = _child(pm, key)
            rec[key] = (c.text or "").strip() if c is not None else ""
        for d in _find_all(pm, "Data"):
            v = _child(d, "value")
            rec[d.get("name", "")] = (v.text or "") if v is not None else ""
        for d in _find_all(pm, "SimpleData"):
            rec[d.get("name", "")] = d.text or ""
        label = f"{path.name} 第 {n} 个地标「{rec.get('name') or '无名称'}」"
        try:
            geoms = [g for child in pm for g in _shape(child, label, notes)]
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if not geoms:
            errors.append(f"{label}：没有点或面几何")
            continue
        polys = [g for g in geoms if g.geom_type == "Polygon"]
        rec["geometry"] = geoms[0] if len(geoms) == 1 else (MultiPolygon(polys) if len(polys) == len(geoms) else geoms[0])
        rows.append(rec)
        layers.append(folder)
    if errors:
        raise RowErrors(errors, source=path.name)
    if not rows:
        raise LedgerFormatError(f"{path.name} 中没有地标（Placemark）")
    notes.append(f"{path.name}：KML 坐标按 WGS84 经纬度读取，视同 CGCS2000（差异小于 1 米）")
    return Placemarks(rows, layers, [re.sub(r"\s+", " ", n) for n in notes])
