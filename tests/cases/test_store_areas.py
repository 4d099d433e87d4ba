"""Each case's area measured when it is saved (``area_m2`` in the county zone), on both backends: the same
numbers as measuring, kept up to date by edits, zone changes and upgrades, and used by the statistics only
where it still belongs to the geometry shown."""

from __future__ import annotations

import datetime as dt
import sqlite3

import geopandas as gpd
import numpy as np
import psycopg
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import Point, box

from cases.county import county_of
from cases.history import cases_as_of
from cases.model import Case
from cases.service import new_empty_store
from cases.stats import case_area_mu, township_stats
from cases.store import AREA_COLUMN, AREA_CRS_ATTR, open_store

# a 100 m × 200 m rectangle in 代县's zone 38 (EPSG:4526, easting with the prefix): 20,000 m² = 30 亩
RECT_GK = box(38_420_000.0, 4_330_000.0, 38_420_100.0, 4_330_200.0)
RECT = gpd.GeoSeries([RECT_GK], crs=4526).to_crs(4490).iloc[0]
# 50 m × 40 m, 2,000 m² = 3 亩
SMALL = gpd.GeoSeries([box(38_421_000.0, 4_331_000.0, 38_421_050.0, 4_331_040.0)], crs=4526).to_crs(4490).iloc[0]


def _zone_area(geom, epsg: int = 4526) -> float:
    return float(shapely.area(gpd.GeoSeries([geom], crs=4490).to_crs(epsg).iloc[0]))


def land(case_id: str, geom, **kw) -> Case:
    return Case(case_id=case_id, kind="land", category=1, township="上馆镇", geometry=geom, seq=1, **kw)


def _stored(store, table: str = "cases") -> dict[str, tuple]:
    return {cid: (a, c) for cid, a, c in store.query(f"SELECT case_id, area_m2, area_crs FROM {table}")}


@pytest.fixture
def store(store_location):
    s = open_store(store_location, create=True)
    yield s
    s.close_all()


class TestSaved:
    def test_a_100_by_200_m_rectangle_is_20000_m2_and_30_mu(self, store):
        store.upsert_cases([land("YD-1", RECT), land("YD-2", Point(113.0, 39.1), area_mu_declared=4.5)], user="甲")
        area, crs = _stored(store)["YD-1"]
        assert crs == "EPSG:4526"
        assert area == pytest.approx(_zone_area(RECT), abs=1e-6)
        assert area == pytest.approx(20_000.0, abs=1e-3)
        assert _stored(store)["YD-2"] == (None, "EPSG:4526")  # a point keeps its declared 亩
        frame = store.cases()
        assert frame.attrs[AREA_CRS_ATTR] == "EPSG:4526"
        assert case_area_mu(frame).tolist() == pytest.approx([30.0, 4.5], abs=1e-6)

    def test_an_edited_geometry_gets_its_new_area(self, store):
        store.upsert_cases([land("YD-1", RECT)], user="甲")
        store.update_case("YD-1", {"geometry": SMALL}, expected_version=1, user="乙")
        assert _stored(store)["YD-1"][0] == pytest.approx(_zone_area(SMALL), abs=1e-6)
        assert case_area_mu(store.cases())[0] == pytest.approx(3.0, abs=1e-6)
        store.upsert_cases([land("YD-1", RECT)], user="甲")  # and through an import's upsert
        assert _stored(store)["YD-1"][0] == pytest.approx(_zone_area(RECT), abs=1e-6)

    def test_a_deleted_case_keeps_its_area(self, store):
        store.upsert_cases([land("YD-1", RECT)], user="甲")
        store.delete_case("YD-1", expected_version=1, user="乙", reason="重复录入")
        assert _stored(store, "deleted_cases")["YD-1"][0] == pytest.approx(_zone_area(RECT), abs=1e-6)
        assert store.deleted_case_rows()[AREA_COLUMN].tolist() == pytest.approx([_zone_area(RECT)], abs=1e-6)

    def test_another_zone_measures_again(self, store):
        store.upsert_cases([land("YD-1", RECT)], user="甲")
        store.set_meta({"zone": "39"})  # the store's county moved to zone 39 (EPSG:4527)
        area, crs = _stored(store)["YD-1"]
        assert crs == "EPSG:4527" and area == pytest.approx(_zone_area(RECT, 4527), abs=1e-6)
        assert area != pytest.approx(20_000.0, abs=1.0)  # not the zone-38 number
        assert store.cases().attrs[AREA_CRS_ATTR] == "EPSG:4527"


class TestStatisticsUseIt:
    def test_only_where_it_belongs_to_the_geometry_and_the_crs(self, store):
        store.upsert_cases([land("YD-1", RECT), land("YD-2", SMALL)], user="甲")
        frame = store.cases()
        fake = frame.assign(**{AREA_COLUMN: [1.0, 2.0]})  # stored numbers that are not the geometry's
        assert case_area_mu(fake).tolist() == [1.0 / (10000 / 15), 2.0 / (10000 / 15)]  # taken as stored
        moved = fake.set_geometry(gpd.GeoSeries([SMALL, RECT], index=fake.index, crs=4490))  # a replayed past day
        assert case_area_mu(moved).tolist() == pytest.approx([3.0, 30.0], abs=1e-6)
        assert case_area_mu(fake, area_crs=CRS.from_epsg(4529))[0] == pytest.approx(_zone_area(RECT, 4529) / (10000 / 15), abs=1e-9)
        fake.attrs.clear()  # no CRS named: measured
        assert case_area_mu(fake).tolist() == pytest.approx([30.0, 3.0], abs=1e-6)

    def test_a_replayed_day_shows_the_area_of_then(self, store):
        store.upsert_cases([land("YD-1", RECT)], user="甲", at="2019-06-01T10:00:00")
        store.update_case("YD-1", {"geometry": SMALL}, expected_version=1, user="乙")
        then = cases_as_of(store, dt.date(2019, 6, 2))
        assert case_area_mu(then)[0] == pytest.approx(30.0, abs=1e-6)
        assert case_area_mu(store.cases())[0] == pytest.approx(3.0, abs=1e-6)


def _drop_areas_file(path) -> None:
    con = sqlite3.connect(path)
    for table in ("cases", "deleted_cases"):
        for col in ("mined_value_wan", "area_m2", "area_crs"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {col}")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.commit()
    con.close()


def _drop_areas_server(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        for table in ("cases", "deleted_cases"):
            for col in ("mined_value_wan", "area_m2", "area_crs"):
                con.execute(f"ALTER TABLE {table} DROP COLUMN {col}")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


class TestUpgrade:
    def test_a_version_4_store_gets_its_areas(self, store_backend, store_location):
        s = open_store(store_location, create=True)
        s.upsert_cases([land("YD-1", RECT), land("YD-2", SMALL), land("YD-3", Point(113.0, 39.1))], user="甲")
        s.delete_case("YD-2", expected_version=1, user="甲", reason="测试")
        s.close_all()
        (_drop_areas_file if store_backend == "sqlite" else _drop_areas_server)(store_location)
        old = open_store(store_location)
        try:
            assert old.get_meta("schema_version") == "5"
            got = _stored(old)
            assert got["YD-1"][0] == pytest.approx(_zone_area(RECT), abs=1e-6) and got["YD-1"][1] == "EPSG:4526"
            assert got["YD-3"] == (None, "EPSG:4526")
            assert _stored(old, "deleted_cases")["YD-2"][0] == pytest.approx(_zone_area(SMALL), abs=1e-6)
        finally:
            old.close_all()


class TestDemoAndCounties:
    def test_demo_areas_are_the_measured_ones(self, demo):
        frame = demo.cases()
        poly = frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        assert poly.sum() > 20
        measured = frame.geometry[poly].to_crs(4526).area.to_numpy()
        np.testing.assert_allclose(frame[AREA_COLUMN].to_numpy()[poly], measured, rtol=0, atol=1e-6)
        names = sorted(set(frame["township"]))
        plain = frame.drop(columns=[AREA_COLUMN])
        assert township_stats(frame, townships=names).equals(township_stats(plain, townships=names))

    def test_another_countys_store_measures_in_its_zone(self, tmp_path):
        store = new_empty_store(tmp_path / "fk.db", adcode="210124")  # 法库县, zone 41
        try:
            corner = gpd.GeoSeries([Point(123.4, 42.5)], crs=4490).to_crs(4529).iloc[0]
            square = gpd.GeoSeries([box(corner.x, corner.y, corner.x + 100, corner.y + 200)], crs=4529).to_crs(4490)
            store.upsert_cases([land("YD-1", square.iloc[0]).with_changes(township="法库镇", county="法库县")], user="甲")
            area, crs = _stored(store)["YD-1"]
            assert crs == f"EPSG:{county_of(store).area_crs.to_epsg()}" == "EPSG:4529"
            assert area == pytest.approx(20_000.0, abs=1e-3)
        finally:
            store.close_all()
