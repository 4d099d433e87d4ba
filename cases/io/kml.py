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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree as ET

import pandas as pd
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


_ICON = "http://maps.google.com/mapfiles/kml/pushpin/red-pushpin.png"


def _text(text: str) -> str:
    """Element text escaped as ElementTree escapes it (``&``, ``<``, ``>``)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    """An attribute value escaped as ElementTree escapes it."""
    for ch, ref in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"),
                    ("\t", "&#09;")):
        if ch in text:
            text = text.replace(ch, ref)
    return text


def _leaf(pad: str, tag: str, text: str) -> str:
    """One indented element holding text (``<tag />`` when the text is empty, as ElementTree writes it)."""
    return f"{pad}<{tag}>{_text(text)}</{tag}>" if text else f"{pad}<{tag} />"


def _pad(level: int) -> str:
    """The newline and indentation ``ElementTree.indent`` puts before an element at depth ``level``."""
    return "\n" + "  " * level


_PADS = tuple(_pad(level) for level in range(8))


def _coords(seq: Iterable) -> str:
    return " ".join(f"{x:.8f},{y:.8f},0" for x, y, *_ in seq)


def _boundary(tag: str, ring, level: int) -> str:
    p0, p1, p2 = _pad(level), _pad(level + 1), _pad(level + 2)
    return (f"{p0}<{tag}>{p1}<LinearRing>{_leaf(p2, 'coordinates', _coords(ring.coords))}{p1}</LinearRing>"
            f"{p0}</{tag}>")


def _geometry(out: list[str], g: shapely.Geometry, level: int) -> None:
    pad, inner = _pad(level), _pad(level + 1)
    if g.geom_type == "Point":
        out.append(f"{pad}<Point>{_leaf(inner, 'coordinates', _coords([g.coords[0]]))}{pad}</Point>")
    elif g.geom_type == "Polygon":
        out.append(f"{pad}<Polygon>{_boundary('outerBoundaryIs', g.exterior, level + 1)}")
        out.extend(_boundary("innerBoundaryIs", ring, level + 1) for ring in g.interiors)
        out.append(f"{pad}</Polygon>")
    else:
        out.append(f"{pad}<MultiGeometry>")
        for part in g.geoms:
            _geometry(out, part, level + 1)
        out.append(f"{pad}</MultiGeometry>")


def _value_text(value: Any) -> str:
    """:func:`cases.text.value_text`, answering its commonest cases (text, whole numbers, None) first."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    return "" if value is None else value_text(value)


class Folder:
    """A ``<Folder>`` of a :class:`KmlDocument`: its name and its placemarks, as KML text."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[str] = []
        self._heads: dict[tuple[str, str], str] = {}  # the same few fields in every placemark

    def data_head(self, key: str, label: str) -> str:
        """The text of an ExtendedData ``<Data>`` up to its value."""
        head = self._heads.get((key, label))
        if head is None:
            head = self._heads[(key, label)] = f'{_PADS[5]}<Data name="{_attr(key)}">{_leaf(_PADS[6], "displayName", label)}'
        return head


class KmlDocument:
    """A KML document with the land / mining / permit styles, written as text.

    Text rather than an ElementTree: 10,000 placemarks of about 100 elements each took 6 s to build and
    serialise as a tree.  The text is what ``ElementTree.indent`` + ``tostring`` wrote (same elements,
    escaping, two-space indentation and ``<tag />`` for empty text), so files are unchanged.
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.folders: list[Folder] = []

    def folder(self, name: str) -> Folder:
        """A new Folder named ``name`` at the end of the document."""
        self.folders.append(Folder(name))
        return self.folders[-1]

    def to_bytes(self) -> bytes:
        """The KML document as UTF-8 bytes with an XML declaration."""
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<kml xmlns="{KML_NS}">', _pad(1), "<Document>",
               _leaf(_pad(2), "name", self.title)]
        p2, p3, p4, p5 = _pad(2), _pad(3), _pad(4), _pad(5)
        for sid, (line, fill, icon) in _STYLES.items():
            out.append(f'{p2}<Style id="{_attr(sid)}">{p3}<IconStyle>{p4}<color>{icon}</color>{p4}<scale>1.0</scale>'
                       f"{p4}<Icon>{p5}<href>{_text(_ICON)}</href>{p4}</Icon>{p3}</IconStyle>{p3}<LineStyle>"
                       f"{p4}<color>{line}</color>{p4}<width>2</width>{p3}</LineStyle>{p3}<PolyStyle>"
                       f"{p4}<color>{fill}</color>{p3}</PolyStyle>{p2}</Style>")
        for folder in self.folders:
            out += [f"{p2}<Folder>", _leaf(p3, "name", folder.name), *folder.parts, f"{p2}</Folder>"]
        out.append(f"{_pad(1)}</Document>\n</kml>")
        return "".join(out).encode("utf-8", "xmlcharrefreplace")


def placemark(folder: Folder, *, name: str, style: str, geom: shapely.Geometry,
              shown: list[tuple[str, Any]], data: dict[str, tuple[str, Any]]) -> None:
    """Add one placemark: ``shown`` (label, value) lines in the description, ``data`` in ExtendedData.

    Hand-made, not GDAL's KML drivers, because they cannot write ExtendedData ``<Data>`` with a
    Chinese ``displayName`` beside the casemap field name, nor a ``styleUrl`` to a shared style of the
    kind; the description is plain text (HTML-free, ``<``/``&`` escaped) so that 奥维 shows it as is.
    """
    # a missing date (NaT) or number is shown as nothing, not as "NaT"
    lines = [_shown_line(label, _value_text(value)) for label, value in shown]
    p3, p4 = _PADS[3:5]
    out = [f"{p3}<Placemark>", _leaf(p4, "name", name), _leaf(p4, "description", "\n".join(x for x in lines if x)),
           _leaf(p4, "styleUrl", f"#{style}"), f"{p4}<ExtendedData>"]
    out += [_data(folder.data_head(key, label), _value_text(value)) for key, (label, value) in data.items()]
    out.append(f"{p4}</ExtendedData>")
    _geometry(out, geom, 4)
    out.append(f"{p3}</Placemark>")
    folder.parts.append("".join(out))


def add_placemarks(folder: Folder, frame: pd.DataFrame, *, names: Sequence[str], style: str,
                   shown: Sequence[tuple[str, Sequence[Any]]], labels: Mapping[str, str]) -> None:
    """One placemark per row of ``frame``, as :func:`placemark` writes it, built column by column: ExtendedData
    holds every column but ``geometry`` (``displayName`` from ``labels``, else the column's name), the
    description the ``shown`` (label, one value per row) lines; ``names`` are the placemarks' names.

    A column's text is made once per distinct value (townships, statuses and dates repeat), so 10,000
    placemarks take a fraction of a second instead of the seconds a per-record build takes.
    """
    p3, p4 = _PADS[3:5]
    data = [_column(frame[key].tolist(), lambda t, head=folder.data_head(key, labels.get(key, key)): _data(head, t))
            for key in frame.columns if key != "geometry"]
    lines = [_column(list(values), lambda t, label=label: _shown_line(label, t)) for label, values in shown]
    extended = ["".join(row) for row in zip(*data, strict=True)] if data else [""] * len(frame)
    described = ["\n".join(x for x in row if x) for row in zip(*lines, strict=True)] if lines else [""] * len(frame)
    style_leaf = _leaf(p4, "styleUrl", f"#{style}")
    for name, desc, ext, geom in zip(names, described, extended, frame.geometry.values, strict=True):
        out = [f"{p3}<Placemark>{_leaf(p4, 'name', name)}{_leaf(p4, 'description', desc)}{style_leaf}"
               f"{p4}<ExtendedData>{ext}{p4}</ExtendedData>"]
        _geometry(out, geom, 4)
        out.append(f"{p3}</Placemark>")
        folder.parts.append("".join(out))


def _shown_line(label: str, text: str) -> str:
    """A description line ``label：text`` (markup HTML-escaped so that it shows as text); "" for no text."""
    if not text:
        return ""
    return f"{label}：{html.escape(text, quote=False) if ('<' in text or '&' in text) else text}"


def _data(head: str, text: str) -> str:
    """An ExtendedData ``<Data>`` (``head``: :meth:`Folder.data_head`) holding ``text``."""
    value = f"{_PADS[6]}<value>{_text(text)}</value>" if text else f"{_PADS[6]}<value />"
    return f"{head}{value}{_PADS[5]}</Data>"


def _column(values: list[Any], piece) -> list[str]:
    """``piece(text)`` of each value's text (:func:`_value_text`), made once per distinct value."""
    made: dict[tuple[type, Any], str] = {}
    out = []
    for v in values:
        try:
            key = (type(v), v)
            got = made.get(key)
        except TypeError:  # an unhashable value: no reuse
            key, got = None, None
        if got is None:
            got = piece(_value_text(v))
            if key is not None:
                made[key] = got
        out.append(got)
    return out


def new_document(title: str) -> KmlDocument:
    """A KML document titled ``title`` with the land / mining / permit styles; add folders with
    :meth:`KmlDocument.folder` and placemarks with :func:`placemark`.

    Hand-made because through pyogrio GDAL's KML drivers cannot declare the shared ``<Style id=…>``
    elements that :func:`placemark` points at (no style table can be passed; see the module docstring).
    """
    return KmlDocument(title)


def to_bytes(doc: KmlDocument) -> bytes:
    """The KML document as UTF-8 bytes with an XML declaration."""
    return doc.to_bytes()


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
