"""A store of another county (法库县, zone 41): ledger import, check files, statistics and sheets in its zone."""

from __future__ import annotations

import csv
import io
import math

import geopandas as gpd
import numpy as np
import pypdf
import pytest
import shapely

from cases.cli.main import main
from cases.county import county_by_code, county_of, county_outline
from cases.output.sheets import write_sheets
from cases.output.snapshots import SnapshotRequest, render_snapshot
from cases.stats import case_area_mu, township_stats
from cases.store import open_store
from geo.checks import outside_part, outside_parts
from geo.crs import gk_to_lonlat, lonlat_to_gk

SIDE = math.sqrt(30 * 10000 / 15)  # a 30-亩 square, in zone 41 metres


@pytest.fixture
def faku_db(tmp_path):
    db = tmp_path / "fk.db"
    assert main(["init", "--county", "210124", "--db", str(db)]) == 0
    return db


@pytest.fixture(scope="module")
def inside():
    """A lon/lat point well inside 法库县."""
    p = shapely.point_on_surface(county_outline("210124").geometry.iloc[0])
    return p.x, p.y


def _square_gk(lon, lat):
    """The corners (X northing, Y easting with the 41 prefix) of a 30-亩 square in zone 41."""
    x, y = lonlat_to_gk(lon, lat, zone=41)
    x, y = float(x), float(y)
    return [(x, y), (x, y + SIDE), (x + SIDE, y + SIDE), (x + SIDE, y)]


def _square_lonlat(lon, lat):
    corners = np.array(_square_gk(lon, lat))
    ll = np.column_stack(gk_to_lonlat(corners[:, 0], corners[:, 1], zone=41))
    return shapely.Polygon(ll)


def _csv(path, header, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _cases(db):
    store = open_store(db)
    try:
        return store.cases()
    finally:
        store.close_all()


class TestLedgerImport:
    def test_xy_in_zone_41(self, faku_db, tmp_path, inside, capsys):
        x, y = lonlat_to_gk(*inside, zone=41)
        assert str(int(y)).startswith("41")
        path = _csv(tmp_path / "xy.csv", ["案件编号", "责任乡镇", "类型", "违法类别", "基本情况", "X坐标", "Y坐标"],
                    [["YD-法库镇-001", "法库镇", "用地", "1", "某村违法占地", f"{float(x):.2f}", f"{float(y):.2f}"]])
        assert main(["import", str(path), "--db", str(faku_db)]) == 0, capsys.readouterr().err
        cases = _cases(faku_db)
        assert len(cases) == 1 and cases.geometry.iloc[0] is not None and not cases.geometry.iloc[0].is_empty
        p = cases.geometry.iloc[0]
        assert p.geom_type == "Point" and p.distance(shapely.Point(*inside)) < 1e-6

    def test_wkt_lonlat_inside(self, faku_db, tmp_path, inside, capsys):
        wkt = _square_lonlat(*inside).wkt
        path = _csv(tmp_path / "wkt.csv", ["案件编号", "责任乡镇", "类型", "违法类别", "基本情况", "坐标（WKT）"],
                    [["YD-法库镇-002", "法库镇", "用地", "1", "某村违法占地", wkt]])
        assert main(["import", str(path), "--db", str(faku_db)]) == 0, capsys.readouterr().err
        cases = _cases(faku_db)
        assert cases.geometry.iloc[0].geom_type == "Polygon"


class TestStatsMu:
    def test_30_mu_square_in_zone_41(self, inside):
        cases = gpd.GeoDataFrame({"area_mu_declared": [0.0]}, geometry=[_square_lonlat(*inside)], crs=4490)
        assert case_area_mu(cases, area_crs=county_by_code("210124").area_crs)[0] == pytest.approx(30.0, abs=0.005)
        assert case_area_mu(cases)[0] > 30.2  # 代县's zone 38 is the wrong measure there

    def test_stats_command_shows_30_00(self, faku_db, tmp_path, inside, capsys):
        path = _csv(tmp_path / "wkt.csv", ["案件编号", "责任乡镇", "类型", "违法类别", "基本情况", "坐标（WKT）"],
                    [["YD-法库镇-002", "法库镇", "用地", "1", "某村违法占地", _square_lonlat(*inside).wkt]])
        assert main(["import", str(path), "--db", str(faku_db)]) == 0
        capsys.readouterr()
        assert main(["stats", "--db", str(faku_db), "--format", "json"]) == 0
        out = capsys.readouterr().out
        assert '"area_mu": 30.0' in out
        store = open_store(faku_db)
        try:
            table = township_stats(store.cases(), townships=["法库镇"], area_crs=county_of(store).area_crs)
        finally:
            store.close_all()
        assert table["area_mu"].iloc[-1] == 30.0


class TestCheckFiles:
    def test_geopackage_in_epsg_4529(self, faku_db, tmp_path, inside, capsys):
        corners = _square_gk(*inside)
        poly = shapely.Polygon([(y, x) for x, y in corners])  # GIS order: easting, northing
        frame = gpd.GeoDataFrame({"case_id": ["YD-1"], "kind": ["land"], "category": [1]}, geometry=[poly], crs=4529)
        path = tmp_path / "cases.gpkg"
        frame.to_file(path, driver="GPKG")
        assert main(["check", str(path), "--db", str(faku_db), "--format", "json"]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert '"area_mu": 30.0' in out

    def test_township_layer_in_epsg_4550_loads(self, faku_db, tmp_path, capsys):
        towns = county_outline("210124")[["geometry"]].assign(name="法库镇").to_crs(4550)  # zone 41, no prefix
        path = tmp_path / "towns.gpkg"
        towns.to_file(path, driver="GPKG")
        assert main(["load-townships", str(path), "--year", "2020", "--db", str(faku_db)]) == 0, capsys.readouterr().err
        store = open_store(faku_db)
        try:
            assert list(store.townships()["name"]) == ["法库镇"]
        finally:
            store.close_all()


class TestCheckSheet:
    def test_corner_y_carries_zone_41(self, faku_db, tmp_path, inside):
        path = _csv(tmp_path / "wkt.csv", ["案件编号", "责任乡镇", "类型", "违法类别", "基本情况", "坐标（WKT）"],
                    [["YD-法库镇-002", "法库镇", "用地", "1", "某村违法占地", _square_lonlat(*inside).wkt]])
        assert main(["import", str(path), "--db", str(faku_db)]) == 0
        store = open_store(faku_db)
        buf = io.BytesIO()
        try:
            assert write_sheets(store, buf, ["YD-法库镇-002"], unit="法库县自然资源局", dpi=60) == 1
        finally:
            store.close_all()
        text = pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()
        x, y = _square_gk(*inside)[0]
        assert f"{y:.2f}" in text and f"{y:.2f}".startswith("41")
        assert f"{x:.2f}" in text
        assert "30.00" in text


class TestOutsidePart:
    def test_measured_in_the_given_zone(self, inside):
        parcel = _square_lonlat(*inside)
        corners = np.array(_square_gk(*inside))  # the permit: the same square moved half a side east
        permit = shapely.Polygon(np.column_stack(gk_to_lonlat(corners[:, 0], corners[:, 1] + SIDE / 2, zone=41)))
        crs = county_by_code("210124").area_crs
        part = outside_part(parcel, permit, area_crs=crs)
        m2 = gpd.GeoSeries([part], crs=4490).to_crs(crs).area.iloc[0]
        assert m2 == pytest.approx(SIDE * SIDE / 2, abs=0.5)
        cases = gpd.GeoDataFrame({"kind": ["mining"], "permit_no": ["C1"]}, geometry=[parcel], crs=4490)
        permits = gpd.GeoDataFrame({"permit_no": ["C1"]}, geometry=[permit], crs=4490)
        parts = outside_parts(cases, permits, area_crs=crs)
        assert parts.crs == crs and parts.area.iloc[0] == pytest.approx(m2, rel=1e-6)


class TestSnapshot:
    def test_drawn_in_zone_41_metres(self, faku_db, tmp_path, inside):
        path = _csv(tmp_path / "wkt.csv", ["案件编号", "责任乡镇", "类型", "违法类别", "基本情况", "坐标（WKT）"],
                    [["YD-法库镇-002", "法库镇", "用地", "1", "某村违法占地", _square_lonlat(*inside).wkt]])
        assert main(["import", str(path), "--db", str(faku_db)]) == 0
        store = open_store(faku_db)
        try:
            fig = render_snapshot(store, SnapshotRequest(case_id="YD-法库镇-002"), dpi=50)
        finally:
            store.close_all()
        x, y = _square_gk(*inside)[0]
        x0, x1 = fig.axes[0].get_xlim()
        y0, y1 = fig.axes[0].get_ylim()
        assert x0 < y < x1 and y0 < x < y1  # easting (with the 41 prefix) across, northing up


def test_permits_from_a_geopackage_in_the_countys_zone(faku_db, inside, tmp_path, capsys):
    """A permit file projected in zone 41 (EPSG:4529, prefix 41) imports into a 法库县 store at its area."""
    corners = _square_gk(*inside)
    poly = shapely.Polygon([(y, x) for x, y in corners])  # easting, northing
    path = tmp_path / "permits41.gpkg"
    gpd.GeoDataFrame({"permit_no": ["C2101242019"], "holder": ["测试矿业"], "mineral": ["石灰岩"]},
                     geometry=[poly], crs=4529).to_file(path)
    assert main(["import-permits", str(path), "--db", str(faku_db)]) == 0
    permits = open_store(faku_db).permits()
    area = permits.to_crs(county_of(open_store(faku_db)).area_crs).area.iloc[0]
    assert area == pytest.approx(30 * 10000 / 15, abs=0.5)
