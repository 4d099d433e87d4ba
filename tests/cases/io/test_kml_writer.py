"""KML export written as text (cases.io.kml.add_placemarks): byte for byte what the ElementTree writer wrote
(kept as the benchmark's baseline, bench._export_baseline), for awkward values too, and read back unchanged."""

from __future__ import annotations

import datetime as dt
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from bench._export_baseline import kml_bytes as elementtree_kml
from cases.io.exchange import _kml, export_geodata, read_geo_table, select
from cases.model import Case
from tests.cases.ledger_fixtures import empty_store

HOLED = Polygon([(113.20, 39.08), (113.21, 39.08), (113.21, 39.09), (113.20, 39.09)],
                [[(113.202, 39.082), (113.204, 39.082), (113.204, 39.084)]])
TWO = MultiPolygon([Polygon([(113.22, 39.08), (113.23, 39.08), (113.23, 39.09)]),
                    Polygon([(113.24, 39.08), (113.25, 39.08), (113.25, 39.09)])])


@pytest.fixture
def awkward(tmp_path):
    store = empty_store(tmp_path / "k.db")
    store.upsert_cases([
        Case(case_id="YD-1", kind="land", category=1, township="峨口镇", geometry=HOLED, seq=1,
             summary='甲 & 乙 <b>"引号"</b>\r\n第二行', remarks="", area_mu_declared=12.5, found_date=dt.date(2019, 7, 3)),
        Case(case_id="YD-2", kind="land", category=2, township="峨口镇", geometry=TWO, seq=2, summary="  前后空格  "),
        Case(case_id="KC-1", kind="mining", category=6, township="峨口镇", geometry=Point(113.26, 39.085), seq=1,
             mineral="煤", fine_wan=3.0, criminal_persons=2),
    ], user="t")
    return store


def test_text_writer_matches_the_elementtree_writer(awkward):
    cases, permits = select(awkward)
    assert _kml(cases, permits, title="代县 & <测试>") == elementtree_kml(cases, permits, title="代县 & <测试>")


def test_demo_export_matches_the_elementtree_writer(demo):
    cases, permits = select(demo)
    assert _kml(cases, permits, title="代县用地用矿执法案件") == elementtree_kml(cases, permits, title="代县用地用矿执法案件")


def test_kmz_reads_back_the_same_cases(awkward, tmp_path):
    path = tmp_path / "x.kmz"
    export_geodata(awkward, path)
    with zipfile.ZipFile(path) as z:
        assert z.namelist()[0] == "doc.kml"
    frame, _ = read_geo_table(path)
    got = frame.set_index("case_id")
    assert sorted(got.index) == ["KC-1", "YD-1", "YD-2"]
    assert got.loc["YD-1", "summary"] == '甲 & 乙 <b>"引号"</b>\r\n第二行'.replace("\r\n", "\n")  # XML reads CR LF as LF
    assert got.loc["YD-2", "summary"] == "  前后空格  "
    geoms = gpd.GeoSeries(got.geometry, crs=4490)
    assert geoms.loc["YD-1"].equals_exact(HOLED, 1e-8) and geoms.loc["YD-2"].equals_exact(TWO, 1e-8)
    assert geoms.loc["KC-1"].equals_exact(Point(113.26, 39.085), 1e-8)
