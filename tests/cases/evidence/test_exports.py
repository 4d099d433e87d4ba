"""Photos travel with exports: KMZ holds the pictures and shows them in placemark balloons; GeoPackage a photos layer;
reading an export back takes no photo for a case."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile

import pyogrio
import pytest

from cases.evidence import attach_photos
from cases.io.exchange import export_geodata, read_geo_table
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"
PNG = b"\x89PNG"


@pytest.fixture
def with_photos(demo_copy):
    (x0, y0), (x1, y1) = inside_and_far(demo_copy, CASE)
    attach_photos(demo_copy, CASE, [("近<坑口>.jpg", photo(lon=x0, lat=y0)), ("远.jpg", photo(lon=x1, lat=y1, color=(1, 2, 3))),
                                    ("无GPS.png", photo(fmt="PNG", color=(7, 7, 7)))], note="A & B")
    return demo_copy


def test_kmz_carries_the_pictures_and_shows_them(with_photos, tmp_path):
    out = tmp_path / "案件.kmz"
    rep = export_geodata(with_photos, out)
    assert rep["photos"] == 3
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        kml = z.read("doc.kml").decode("utf-8")
        pictures = {n: z.read(n) for n in names if n.startswith("files/")}
    assert len(pictures) == 3
    for name, data in pictures.items():
        suffix = ".png" if data.startswith(PNG) else ".jpg"
        assert name == f"files/{hashlib.sha256(data).hexdigest()}{suffix}"
    assert "现场照片（3）" in kml and f"{CASE} 照片2" in kml
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = [m for m in ET.fromstring(kml.encode("utf-8")).iterfind(".//k:Placemark", ns)
             if m.findtext("k:name", namespaces=ns).startswith(f"{CASE} 照片")]
    first = marks[0].findtext("k:description", namespaces=ns)
    assert first.startswith('<img src="files/') and first.split('"')[1] in pictures  # HTML balloon, picture inside
    assert "近&lt;坑口&gt;.jpg" in first and "<坑口>" not in first  # a file name stays text inside that HTML
    assert "（照片无可用位置，标在案件位置）" in kml and "距案件：0.0 米" in kml
    frame, _ = read_geo_table(out)
    assert "photo" not in set(frame.get("layer", []))
    assert len(frame) == len(with_photos.cases()[~with_photos.cases().geometry.isna()]) + len(with_photos.permits())


def test_gpkg_has_a_photos_layer_not_read_back_as_cases(with_photos, tmp_path):
    out = tmp_path / "案件.gpkg"
    export_geodata(with_photos, out)
    assert "photos" in set(pyogrio.list_layers(out)[:, 0])
    photos = pyogrio.read_dataframe(out, layer="photos")
    assert list(photos["original_name"]) == ["近<坑口>.jpg", "远.jpg", "无GPS.png"]
    assert photos["geometry"].isna().tolist() == [False, False, True]
    assert photos["flags"].iloc[1] == "FAR_FROM_CASE" and photos["note"].iloc[0] == "A & B"
    frame, _ = read_geo_table(out)
    assert "original_name" not in frame.columns


def test_kml_says_photos_need_kmz(with_photos, tmp_path):
    rep = export_geodata(with_photos, tmp_path / "a.kml")
    assert any("KML 单个文件无法携带照片" in n for n in rep["notes"])
