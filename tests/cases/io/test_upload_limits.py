"""Inputs that would harm the machine or import silently wrong data are refused, with a Chinese message naming
the file, feature or row: zip bombs (zipped Shapefile, xlsx, KMZ), XML entities (KML, xlsx), coordinates
given as text, NaN or infinity."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Point, box

from cases.io.checkinput import read_case_file
from cases.io.exchange import read_geo_table
from cases.io.files import check_unpacked
from cases.ledger.importer import import_ledger, read_ledger
from cases.ledger.permits import import_permits
from cases.ledger.read import read_workbook
from geo.errors import LedgerFormatError, RowErrors
from tests.cases.ledger_fixtures import EKOU, empty_store

MB = 1024 * 1024


@pytest.fixture
def store(tmp_path):
    s = empty_store(tmp_path / "s.db")
    yield s
    s.close()


def _deflated(z: zipfile.ZipFile, name: str, head: bytes, filler: bytes, size: int, tail: bytes = b"") -> None:
    """Stream ``head`` + ``filler`` up to ``size`` bytes + ``tail`` into one deflated member (no big string in memory)."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with z.open(info, "w", force_zip64=True) as f:
        f.write(head)
        chunk = filler * (MB // len(filler))
        left = size - len(head) - len(tail)
        while left > 0:
            f.write(chunk[:min(left, len(chunk))])
            left -= len(chunk)
        f.write(tail)


def _shapefile_bomb(path, *, unpacked: int = 200 * MB):
    """A 'zipped Shapefile' of about 0.5 MB (0.3 MB of it incompressible) that unpacks to ``unpacked`` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        _deflated(z, "tuban.shp", b"", b"\0", unpacked)
        z.writestr("tuban.shx", b"\0" * 100)
        z.writestr("tuban.dbf", b"\0" * 100)
        z.writestr("tuban.prj", os.urandom(300 * 1024))
    return path


def _timed_refusal(call, match: str) -> float:
    start = time.perf_counter()
    with pytest.raises(LedgerFormatError, match=match):
        call()
    return time.perf_counter() - start


class TestZipBombs:
    def test_zipped_shapefile_unpacking_to_200_mb_is_refused_quickly(self, store, tmp_path):
        bomb = _shapefile_bomb(tmp_path / "图斑.zip")
        assert 0.3 * MB < bomb.stat().st_size < 0.6 * MB
        match = r"文件 图斑.zip 为压缩格式，0.5 MB 解压后达 200.\d MB（压缩比 4\d\d:1）.*压缩炸弹"
        for call in (lambda: import_ledger(store, bomb, kind="land"), lambda: read_case_file(bomb),
                     lambda: import_permits(store, bomb), lambda: read_geo_table(bomb)):
            assert _timed_refusal(call, match) < 1.0
        assert store.cases().empty and store.permits().empty
        assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("s.db")] == ["图斑.zip"]  # nothing extracted

    def test_xlsx_bomb_is_refused_before_openpyxl_parses_it(self, store, tmp_path):
        buf = io.BytesIO()
        wb = openpyxl.Workbook()
        wb.active["A1"] = "序号"
        wb.save(buf)
        bomb = tmp_path / "台账.xlsx"
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    head, tail = data.split(b"<sheetData>")
                    _deflated(z, item.filename, head + b"<sheetData>", b" ", 200 * MB, tail)
                else:
                    z.writestr(item, data)
        assert bomb.stat().st_size < 0.5 * MB
        took = _timed_refusal(lambda: import_ledger(store, bomb, kind="land"), "文件 台账.xlsx 为压缩格式.*压缩炸弹")
        assert took < 1.0
        assert store.cases().empty

    def test_kmz_bomb_is_refused(self, tmp_path):
        bomb = tmp_path / "奥维.kmz"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            _deflated(z, "doc.kml", b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
                      b" ", 200 * MB, b"</Document></kml>")
        assert _timed_refusal(lambda: read_geo_table(bomb), "文件 奥维.kmz 为压缩格式.*压缩炸弹") < 1.0

    def test_an_ordinary_export_is_far_below_the_limits(self, demo, tmp_path):
        from cases.io.exchange import export_geodata

        path = tmp_path / "all.shp.zip"
        export_geodata(demo, path)
        with zipfile.ZipFile(path) as z:
            check_unpacked(z, name=path.name, packed_bytes=path.stat().st_size, max_bytes=1 * MB)
        frame, _ = read_geo_table(path)
        assert len(frame) == 130

    @pytest.mark.parametrize(("unpacked", "packed", "refused"), [
        (50 * MB, 100 * 1024, False),   # 500:1 but no larger than the import limit itself
        (51 * MB, 100 * 1024, True),    # over the limit at over 100:1
        (400 * MB, 40 * MB, False),     # 10:1, under 10 x the limit
        (501 * MB, 40 * MB, True),      # over 10 x the limit at any ratio
    ])
    def test_rule(self, unpacked, packed, refused):
        info = zipfile.ZipInfo("a")
        info.file_size = unpacked
        archive = type("Declared", (), {"infolist": lambda self: [info]})()  # only the declared sizes count
        if refused:
            with pytest.raises(LedgerFormatError, match="x.zip"):
                check_unpacked(archive, name="x.zip", packed_bytes=packed, max_bytes=50 * MB)
        else:
            check_unpacked(archive, name="x.zip", packed_bytes=packed, max_bytes=50 * MB)


# -- XML entities ---------------------------------------------------------------------------------------
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE kml [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol3;</name>
<Point><coordinates>113.2,39.09,0</coordinates></Point></Placemark></Document></kml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&xxe;</name>
<Point><coordinates>113.2,39.09,0</coordinates></Point></Placemark></Document></kml>"""


class TestXmlEntities:
    @pytest.mark.parametrize("content", [LAUGHS, XXE], ids=["billion_laughs", "external_entity"])
    def test_kml_with_entities_is_refused(self, tmp_path, content):
        path = tmp_path / "范围.kml"
        path.write_bytes(content)
        match = "^范围.kml 含有 XML 实体声明或外部引用（DOCTYPE/ENTITY），出于安全原因拒绝读取"
        with pytest.raises(LedgerFormatError, match=match):
            read_geo_table(path)
        with pytest.raises(LedgerFormatError, match="范围.kml 含有 XML 实体声明"):
            read_case_file(path)

    def test_kmz_with_entities_is_refused(self, tmp_path):
        path = tmp_path / "范围.kmz"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("doc.kml", LAUGHS)
        with pytest.raises(LedgerFormatError, match="^范围.kmz 含有 XML 实体声明"):
            read_geo_table(path)

    def test_openpyxl_uses_defusedxml(self):
        import openpyxl as opx

        assert opx.DEFUSEDXML is True

    def test_xlsx_with_entities_is_refused(self, tmp_path):
        buf = io.BytesIO()
        wb = openpyxl.Workbook()
        wb.active["A1"] = "序号"
        wb.save(buf)
        path = tmp_path / "实体.xlsx"
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(path, "w") as z:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = b'<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' + data
                z.writestr(item, data)
        with pytest.raises(LedgerFormatError, match="^实体.xlsx 含有 XML 实体声明或外部引用（DOCTYPE/ENTITY），出于安全原因拒绝读取"):
            read_workbook(path)


# -- coordinates that are no numbers --------------------------------------------------------------------
def _geojson(path, coords, *, raw: str | None = None):
    feats = [{"type": "Feature", "properties": {"case_id": f"YD-{i}", "kind": "land", "category": 1, "township": "峨口镇"},
              "geometry": {"type": "Point", "coordinates": c}} for i, c in enumerate(coords, start=1)]
    text = json.dumps({"type": "FeatureCollection", "features": feats})
    path.write_text(raw(text) if raw else text, encoding="utf-8")
    return path


OK = [EKOU[0], EKOU[1]]


class TestCoordinates:
    @pytest.mark.parametrize(("coords", "message"), [
        (["113.2", "39.085"], '第 2 个要素（case_id YD-2）：geometry 坐标「"113.2"」是文本，不是数字'),
        ([float("nan"), 39.085], "第 2 个要素（case_id YD-2）：geometry 坐标「NaN」不是有效数字（NaN 或无穷大）"),
        ([113.2, float("inf")], "第 2 个要素（case_id YD-2）：geometry 坐标「Infinity」不是有效数字（NaN 或无穷大）"),
    ], ids=["text", "nan", "inf"])
    def test_geojson_import_and_check_refuse_by_feature_and_field(self, store, tmp_path, coords, message):
        path = _geojson(tmp_path / "案件.geojson", [OK, coords])
        with pytest.raises(RowErrors) as exc:
            import_ledger(store, path, kind="land")
        assert exc.value.errors == [message]
        assert store.cases().empty  # not imported as 未定位
        with pytest.raises(RowErrors) as exc:
            read_case_file(path)
        assert exc.value.errors == [message] and "案件文件 案件.geojson" in str(exc.value)

    def test_geopackage_with_nan_coordinates_is_refused_by_feature(self, store, tmp_path):
        path = tmp_path / "案件.gpkg"
        gpd.GeoDataFrame({"case_id": ["YD-1", "YD-2"], "kind": ["land"] * 2, "category": [1, 1]},
                         geometry=[Point(*OK), Point(float("nan"), 39.085)], crs=4490).to_file(path, engine="pyogrio")
        with pytest.raises(RowErrors) as exc:
            read_case_file(path)
        assert exc.value.errors == ["第 2 个要素（case_id YD-2）：geometry 坐标含 NaN 或无穷大，不是有效数字"]
        with pytest.raises(RowErrors):
            import_ledger(store, path, kind="land")
        assert store.cases().empty

    @pytest.mark.parametrize(("coords", "message"), [
        ("113.2,北纬39", "案件.kml 第 1 个地标「YD-1」：坐标「113.2,北纬39」不是数字（应为 经度,纬度[,高程]）"),
        ("nan,39.085,0", "案件.kml 第 1 个地标「YD-1」：坐标「nan,39.085,0」不是有效数字（NaN 或无穷大）"),
    ], ids=["text", "nan"])
    def test_kml_coordinates_that_are_no_numbers_are_named(self, tmp_path, coords, message):
        path = tmp_path / "案件.kml"
        path.write_text(f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>YD-1</name>'
                        f"<Point><coordinates>{coords}</coordinates></Point></Placemark></Document></kml>",
                        encoding="utf-8")
        with pytest.raises(RowErrors) as exc:
            read_geo_table(path)
        assert exc.value.errors == [message]

    @pytest.mark.parametrize(("lon", "lat"), [("nan", "39.085"), ("113.2", "inf")])
    def test_flat_table_nan_longitude_is_refused_by_row_and_column(self, tmp_path, lon, lat):
        path = tmp_path / "flat.csv"
        path.write_text(f"序号,责任乡镇,基本情况（摘要）,经度,纬度\n1,峨口镇,张某在峨口镇占地2亩,{lon},{lat}\n", encoding="utf-8")
        parsed = read_ledger(path, kind="land")
        assert [e.split("：")[0] for e in parsed.all_errors] == ["第 2 行 D 列（经度）"]
        assert parsed.cases == [] or all(c.geometry is not None for c in parsed.cases)

    def test_a_polygon_parcel_far_inside_the_county_still_imports(self, store, tmp_path):
        path = tmp_path / "ok.geojson"
        feats = [{"type": "Feature", "properties": {"case_id": "YD-1", "kind": "land", "category": 1, "township": "峨口镇"},
                  "geometry": json.loads(gpd.GeoSeries([box(EKOU[0], EKOU[1], EKOU[0] + 0.001, EKOU[1] + 0.001)]).to_json())
                  ["features"][0]["geometry"]}]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
        rep = import_ledger(store, path, kind="land")
        assert rep.added == ["YD-1"]
