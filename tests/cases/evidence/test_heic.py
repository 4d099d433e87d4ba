"""HEIC photos (the iPhone camera's default): read by content, EXIF time and GPS, a JPEG thumbnail, and the
核查单 and map thumbnail made from them.  ``pillow-heif`` is a requirement, so these always run."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest
from PIL import Image

from cases.evidence import attach_photos, photo_bytes, photo_records
from cases.evidence.images import detect_kind, heif_opener, read_photo
from cases.evidence.sheet import sheet_photos
from cases.io.exchange import export_geodata
from geo.errors import ValidationError
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"  # 峨口镇, a polygon, found 2019-06-28


def heic(**kw) -> bytes:
    """A HEIC photo with the EXIF of ``photo_fixtures.photo`` (time, GPS), 640 × 480, red."""
    heif_opener()  # pillow-heif's encoder, to make the test photo
    return photo(fmt="HEIF", color=(200, 30, 30), size=(640, 480), **kw)


def test_read_by_content_with_time_and_position():
    info, img = read_photo(heic(lon=112.955, lat=39.05, taken="2026:11:20 10:15:00"), name="IMG_0001.HEIC")
    assert (info.kind, info.media_type, info.extension) == ("heic", "image/heic", ".heic")
    assert (info.width, info.height) == (640, 480)
    assert (round(info.lon, 6), round(info.lat, 6)) == (112.955, 39.05)
    assert info.taken_at == "2026-11-20T10:15:00"
    assert img.getpixel((320, 240))[0] > 150  # decoded: the red image, not a blank one


def test_named_jpg_but_heic_inside_is_told_by_content():
    assert detect_kind(heic()) == "heic"
    assert detect_kind(b"\x00\x00\x00\x18ftypisom" + bytes(32)) is None  # an MP4 video is not a photo


def test_damaged_heic_is_refused_by_name():
    data = heic()
    with pytest.raises(ValidationError, match="IMG_0002.HEIC.*已损坏或无法读取"):
        read_photo(data[: len(data) // 2], name="IMG_0002.HEIC")


def test_attached_kept_unchanged_measured_and_thumbnailed(demo_copy):
    (lon, lat), _ = inside_and_far(demo_copy, CASE)
    data = heic(lon=lon, lat=lat)
    (rec,) = attach_photos(demo_copy, CASE, [("IMG_0003.HEIC", data)]).added
    assert rec["file"].endswith(".heic") and rec["media_type"] == "image/heic"
    assert rec["distance_m"] == 0.0 and rec["flags"] == []
    assert photo_bytes(demo_copy, CASE, rec["sha256"]) == data  # the bytes as taken
    with Image.open(io.BytesIO(photo_bytes(demo_copy, CASE, rec["sha256"], thumb=True))) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320 and thumb.getpixel((160, 120))[0] > 150
    assert [r["sha256"] for r in photo_records(demo_copy, CASE)] == [rec["sha256"]]


def test_check_sheet_prints_the_heic_photo(demo_copy):
    attach_photos(demo_copy, CASE, [("IMG_0004.HEIC", heic())])
    photos = sheet_photos(demo_copy, CASE)
    (pixels,) = photos.images
    assert pixels is not None and pixels.shape[1] > pixels.shape[0]  # landscape, decoded from the HEIC itself
    assert tuple(pixels[pixels.shape[0] // 2, pixels.shape[1] // 2])[0] > 150


def test_kmz_shows_a_heic_photo_by_its_jpeg_thumbnail(demo_copy, tmp_path):
    """Google Earth and 奥维 cannot show HEIC: the KMZ carries the photo and shows its JPEG thumbnail."""
    (rec,) = attach_photos(demo_copy, CASE, [("IMG_0005.HEIC", heic())]).added
    out = tmp_path / "案件.kmz"
    export_geodata(demo_copy, out)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        kml = z.read("doc.kml").decode("utf-8")
        assert z.read(f"files/{rec['sha256']}.heic") == photo_bytes(demo_copy, CASE, rec["sha256"])
        assert z.read(f"files/{rec['sha256']}.thumb.jpg")[:3] == b"\xff\xd8\xff"
    assert f"files/{rec['sha256']}.heic" in names
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    (mark,) = [m for m in ET.fromstring(kml.encode("utf-8")).iterfind(".//k:Placemark", ns)
               if m.findtext("k:name", namespaces=ns) == f"{CASE} 照片1"]
    assert mark.findtext("k:description", namespaces=ns).startswith(f'<img src="files/{rec["sha256"]}.thumb.jpg"')
