"""Geodata export (GeoPackage, .shp.zip, GeoJSON, KML, KMZ) and GEOFILE import / join."""

from __future__ import annotations

import json
import zipfile
from xml.etree import ElementTree as ET

import pyogrio
import pytest
import shapely

from cases.io.exchange import SHP_NAMES, export_geodata, read_geo_table
from cases.ledger.importer import import_ledger
from geo.errors import CRSError, LedgerFormatError, RowErrors
from tests.cases.ledger_fixtures import EKOU, empty_store, write_township_ledger

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.mark.parametrize("suffix", ["gpkg", "shp.zip", "geojson", "kml", "kmz"])
def test_export_and_reimport_unchanged(demo, tmp_path, suffix):
    path = tmp_path / f"out.{suffix}"
    rep = export_geodata(demo, path)
    assert (rep["cases"], rep["permits"]) == (110, 20)
    frame, _ = read_geo_table(path)
    assert len(frame) == 130
    back = import_ledger(demo, path, dry_run=True)
    assert (len(back.unchanged), back.changed, back.added) == (110, {}, [])


def test_gpkg_layers_and_township_filter(demo, tmp_path):
    path = tmp_path / "e.gpkg"
    rep = export_geodata(demo, path, township="峨口镇")
    cases = demo.cases()
    assert rep["cases"] == int((cases["township"] == "峨口镇").sum())
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) <= {"cases_polygon", "cases_point", "permits"} and "cases_polygon" in layers


def test_shapefile_names_fit_and_chinese_survives(demo, tmp_path):
    path = tmp_path / "out.shp.zip"
    export_geodata(demo, path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert {"cases_polygon.cpg", "cases_point.cpg", "permits.cpg", "cases.csv", "permits.csv"} <= set(names)
        assert z.read("cases_polygon.cpg").decode() == "UTF-8"
    assert all(len(v) <= 10 for v in SHP_NAMES.values())
    fields = pyogrio.read_info(path, layer="cases_polygon")["fields"]
    assert all(len(f) <= 10 for f in fields) and "accountab" in fields
    frame = pyogrio.read_dataframe(path, layer="cases_polygon")
    first = demo.get_case(frame["case_id"].iloc[0])
    assert frame["summary"].iloc[0] == first.summary and frame["township"].iloc[0] == first.township


def test_geojson_layers(demo, tmp_path):
    path = tmp_path / "out.geojson"
    export_geodata(demo, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    layers = [f["properties"]["layer"] for f in data["features"]]
    assert layers.count("case") == 110 and layers.count("permit") == 20
    assert "代县" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_kml_names_descriptions_and_kmz(demo, tmp_path):
    export_geodata(demo, tmp_path / "out.kml")
    root = ET.parse(tmp_path / "out.kml").getroot()
    folders = [f.find(f"{KML}name").text for f in root.iter(f"{KML}Folder")]
    assert folders == ["违法违规用地（66）", "非法违法采矿（44）", "采矿许可证（20）"]
    pm = next(root.iter(f"{KML}Placemark"))
    case = demo.get_case("YD-2019-001")
    assert pm.find(f"{KML}name").text == "YD-2019-001 设施农业"
    desc = pm.find(f"{KML}description").text.split("\n")
    assert desc[:3] == ["案件编号：YD-2019-001", "类型：用地", "违法类别：1"] and f"基本情况（摘要）：{case.summary}" in desc
    data = {d.get("name"): d.find(f"{KML}value").text for d in pm.iter(f"{KML}Data")}
    assert data["township"] == case.township
    export_geodata(demo, tmp_path / "out.kmz")
    with zipfile.ZipFile(tmp_path / "out.kmz") as z:
        assert z.namelist() == ["doc.kml"]


def test_kml_escapes_markup_in_description(tmp_path):
    from cases.model import Case

    store = empty_store(tmp_path / "t.db")
    store.upsert_cases([Case(case_id="YD-1", kind="land", category=1, township="峨口镇", geometry=shapely.Point(*EKOU),
                             summary="<script>alert(1)</script> & 占地")], user="t")
    export_geodata(store, tmp_path / "x.kml")
    pm = next(ET.parse(tmp_path / "x.kml").getroot().iter(f"{KML}Placemark"))
    assert "基本情况（摘要）：&lt;script&gt;alert(1)&lt;/script&gt; &amp; 占地" in pm.find(f"{KML}description").text
    data = {d.get("name"): d.find(f"{KML}value").text for d in pm.iter(f"{KML}Data")}
    assert data["summary"] == "<script>alert(1)</script> & 占地"


def _kml(placemarks: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{placemarks}</Document></kml>'.encode()


def _poly(name: str, coords: str) -> str:
    return (f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}"
            "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>")


class TestGeofileJoin:
    def _coords(self, lon, lat, d=0.001, close=True):
        pts = [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)] + ([(lon, lat)] if close else [])
        return " ".join(f"{x},{y},0" for x, y in pts)

    def test_kml_joined_by_sequence_number(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        marks = "".join(_poly(str(i), self._coords(EKOU[0] + 0.002 * i, EKOU[1], close=i != 2)) for i in (1, 2, 3))
        (tmp_path / "g.kml").write_bytes(_kml(marks))
        ledger = write_township_ledger(tmp_path / "l.xlsx")
        rep = import_ledger(store, ledger, geometry=tmp_path / "g.kml", key="name")
        assert len(rep.added) == 3
        assert "g.kml 第 2 个地标「2」：面的环未闭合，已自动闭合" in rep.parsed.notes
        g = store.get_case("YD-峨口镇-003").geometry
        assert abs(g.bounds[0] - (EKOU[0] + 0.006)) < 1e-9

    def test_kml_ring_with_two_points_and_kmz_without_kml(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        (tmp_path / "g.kml").write_bytes(_kml(_poly("1", "113.2,39.08,0 113.21,39.08,0")))
        with pytest.raises(RowErrors, match="第 1 个地标「1」：面的一个环只有 2 个不同的点"):
            import_ledger(store, write_township_ledger(tmp_path / "l.xlsx"), geometry=tmp_path / "g.kml", key="name")
        with zipfile.ZipFile(tmp_path / "g.kmz", "w") as z:
            z.writestr("images/a.png", b"x")
        with pytest.raises(LedgerFormatError, match="g.kmz 中没有 KML 文件（KMZ 应包含 doc.kml）；文件内容：images/a.png"):
            import_ledger(store, write_township_ledger(tmp_path / "l.xlsx"), geometry=tmp_path / "g.kmz", key="name")
        assert store.cases().empty

    def test_unknown_key_field(self, tmp_path):
        store = empty_store(tmp_path / "t.db")
        (tmp_path / "g.kml").write_bytes(_kml(_poly("1", self._coords(*EKOU))))
        with pytest.raises(LedgerFormatError, match="没有关联字段「编号」；现有字段：name、description"):
            import_ledger(store, write_township_ledger(tmp_path / "l.xlsx"), geometry=tmp_path / "g.kml", key="编号")

    @pytest.mark.filterwarnings("ignore:'crs' was not provided")
    def test_shapefile_without_prj_refused_gpkg_joined_by_seq(self, tmp_path):
        import geopandas as gpd

        store = empty_store(tmp_path / "t.db")
        frame = gpd.GeoDataFrame({"seq": [1, 2, 3]}, geometry=[shapely.Point(EKOU[0] + 0.001 * i, EKOU[1]) for i in range(3)])
        frame.to_file(tmp_path / "p.shp", engine="pyogrio")
        with pytest.raises(CRSError, match="未声明坐标系"):
            import_ledger(store, write_township_ledger(tmp_path / "l.xlsx"), geometry=tmp_path / "p.shp", key="seq")
        frame.set_crs(4490).to_file(tmp_path / "q.gpkg", engine="pyogrio")
        rep = import_ledger(store, write_township_ledger(tmp_path / "l.xlsx"), geometry=tmp_path / "q.gpkg", key="seq")
        assert store.get_case("YD-峨口镇-002").geometry.geom_type == "Point" and len(rep.added) == 3


@pytest.mark.parametrize("suffix", ["shp.zip", "gpkg"])
def test_mined_value_survives_a_geodata_round_trip(demo_copy, tmp_path, suffix):
    """开采矿产品价值（万元）: a Shapefile keeps it as ``mined_wan`` (10 characters at most) and reads it back."""
    case = demo_copy.get_case("CK-2019-001")
    demo_copy.update_case("CK-2019-001", {"mined_value_wan": 12.5}, expected_version=case.version, user="甲")
    path = tmp_path / f"out.{suffix}"
    export_geodata(demo_copy, path)
    if suffix == "shp.zip":
        assert "mined_wan" in pyogrio.read_info(path, layer="cases_polygon")["fields"]
    back = import_ledger(demo_copy, path, dry_run=True)
    assert back.changed == {} and back.added == []
    demo_copy.update_case("CK-2019-001", {"mined_value_wan": None}, expected_version=case.version + 1, user="甲")
    again = import_ledger(demo_copy, path, dry_run=True)
    assert list(again.changed) == ["CK-2019-001"]


@pytest.mark.parametrize("suffix", ["gpkg", "geojson"])
def test_exports_leave_out_the_stores_area_bookkeeping(demo, tmp_path, suffix):
    """The store keeps each case's area (``area_m2``, checked by ``area_deg2``) for the statistics; an export
    for QGIS/奥维 carries the ledger's fields only."""
    assert {"area_m2", "area_deg2"} <= set(demo.cases().columns)
    path = tmp_path / f"out.{suffix}"
    export_geodata(demo, path)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    fields = {f for layer in layers for f in pyogrio.read_info(path, layer=layer)["fields"]}
    assert "summary" in fields and not fields & {"area_m2", "area_deg2"}
