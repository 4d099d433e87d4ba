"""The county as configuration: shipped outlines, the zone rule, a store's county, checks in its zone."""

from __future__ import annotations

import gzip
import json

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS

from cases.county import (
    COUNTIES_DIR,
    DAIXIAN,
    county_by_code,
    county_of,
    county_outline,
)
from cases.io.geodata import COUNTY_FILE
from cases.service import APPROX_NOTE, NO_TOWNSHIPS_NOTE, check_store, new_empty_store, store_notes
from geo.checks import check_cases
from geo.crs import gk_epsg, gk_to_lonlat, zone_of_longitude
from geo.errors import CRSError, ValidationError
from tests.cases.ledger_fixtures import empty_store


def _params(crs: CRS) -> dict[str, float]:
    return {p.name: p.value for p in crs.coordinate_operation.params}


class TestZoneRule:
    def test_4526_is_zone_38_with_central_meridian_114(self):
        p = _params(CRS.from_epsg(4526))
        assert (p["Longitude of natural origin"], p["False easting"]) == (114.0, 38_500_000.0)
        assert (DAIXIAN.zone, DAIXIAN.central_meridian, DAIXIAN.epsg_with_prefix, DAIXIAN.epsg_without_prefix) == (
            38, 114.0, 4526, 4547)

    @pytest.mark.parametrize("zone", range(25, 46))
    def test_epsg_codes_are_the_zones_pyproj_knows(self, zone):
        prefix, plain = _params(CRS.from_epsg(gk_epsg(zone))), _params(CRS.from_epsg(gk_epsg(zone, prefix=False)))
        assert prefix["Longitude of natural origin"] == plain["Longitude of natural origin"] == 3 * zone
        assert prefix["False easting"] == zone * 1_000_000 + 500_000 and plain["False easting"] == 500_000
        assert 4513 <= gk_epsg(zone) <= 4533 and 4534 <= gk_epsg(zone, prefix=False) <= 4554

    @pytest.mark.parametrize("lon, zone", [(113.0, 38), (112.6, 38), (112.4, 37), (112.5, 38), (123.23, 41),
                                           (73.6, 25), (134.9, 45)])
    def test_zone_is_round_lon_over_3(self, lon, zone):
        assert zone_of_longitude(lon) == zone

    @pytest.mark.parametrize("zone", [24, 46, 13])
    def test_zone_outside_china_refused(self, zone):
        with pytest.raises(CRSError, match=f"带号 {zone} 不在 CGCS2000 3 度带第 25–45 带"):
            gk_epsg(zone)


class TestShippedCounties:
    @pytest.mark.parametrize("adcode, name, zone, cm, epsg", [
        ("210124", "法库县", 41, 123.0, (4529, 4550)),
        ("110101", "东城区", 39, 117.0, (4527, 4548)),
        ("653222", "墨玉县", 27, 81.0, (4515, 4536)),
        ("230883", "抚远市", 45, 135.0, (4533, 4554)),
    ])
    def test_county_by_code(self, adcode, name, zone, cm, epsg):
        c = county_by_code(adcode)
        assert (c.adcode, c.name, c.zone, c.central_meridian, c.epsg_with_prefix, c.epsg_without_prefix) == (
            adcode, name, zone, cm, *epsg)
        outline = county_outline(adcode)
        x0, y0, x1, y1 = outline.total_bounds
        assert c.bbox[0] < x0 < x1 < c.bbox[2] and c.bbox[1] < y0 < y1 < c.bbox[3]
        assert outline.crs.to_epsg() == 4490 and not outline["approximate"].any()

    def test_daixian_is_the_default_and_keeps_its_outline_within_half_a_percent(self):
        assert county_by_code("140923") == DAIXIAN
        shipped = gpd.read_file(COUNTY_FILE).to_crs(4526).geometry.iloc[0]
        simplified = county_outline("140923").to_crs(4526).geometry.iloc[0]
        assert simplified.area / 1e6 == pytest.approx(1746.7, rel=0.005)
        assert abs(simplified.area - shipped.area) / shipped.area < 1e-4  # measured: +4.5e-5
        assert shapely.symmetric_difference(simplified, shipped).area / shipped.area < 1e-3

    @pytest.mark.parametrize("adcode, message", [
        ("999999", "没有行政区划代码为 999999 的县级行政区.*代码前两位 99 不是省级行政区代码"),
        ("140999", "没有行政区划代码为 140999 的县级行政区.*忻州市的县级行政区有：.*140923 代县"),
        ("149901", "没有行政区划代码为 149901 的县级行政区.*山西省的县级行政区代码以 14 开头"),
        ("14092", "行政区划代码「14092」应为 6 位数字"),
        ("daixian", "行政区划代码「daixian」应为 6 位数字"),
    ])
    def test_unknown_adcode_named_in_chinese(self, adcode, message):
        with pytest.raises(ValidationError, match=message):
            county_by_code(adcode)

    def test_every_outline_is_named_and_all_fit_in_20_mb(self):
        files = sorted(COUNTIES_DIR.glob("*.geojson.gz"))
        assert len(files) == 34 and sum(f.stat().st_size for f in files) <= 20_000_000
        codes = []
        for f in files:
            with gzip.open(f, "rt", encoding="utf-8") as fh:
                doc = json.load(fh)
            assert doc["crs"]["properties"]["name"].endswith("4490") and doc["simplification_m"] == 20.0
            for feat in doc["features"]:
                p = feat["properties"]
                assert p["adcode"].isdigit() and len(p["adcode"]) == 6 and p["adcode"][:2] == f.name[:2]
                assert p["name"] and p["city"] and p["province"]
                assert feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
                codes.append(p["adcode"])
        assert len(codes) == len(set(codes)) == 2875


class TestStoreCounty:
    def test_a_store_without_county_meta_is_daixian(self, tmp_path):
        store = empty_store(tmp_path / "old.db")
        assert store.get_meta("county_adcode") is None
        assert county_of(store) == DAIXIAN

    def test_plain_init_is_daixian_with_its_townships(self, tmp_path):
        store = new_empty_store(tmp_path / "dx.db")
        assert [store.get_meta(k) for k in ("county_adcode", "county_name", "zone")] == ["140923", "代县", "38"]
        assert county_of(store) == DAIXIAN
        assert len(store.townships()) == 11 and APPROX_NOTE in store_notes(store)

    def test_new_store_for_another_county_records_it(self, tmp_path):
        store = new_empty_store(tmp_path / "fk.db", adcode="210124")
        assert [store.get_meta(k) for k in ("county_adcode", "county_name", "zone")] == ["210124", "法库县", "41"]
        assert county_of(store) == county_by_code("210124")
        assert list(store.county()["name"]) == ["法库县"] and store.townships().empty
        assert store_notes(store) == [NO_TOWNSHIPS_NOTE] and "未加载乡镇界线" in NO_TOWNSHIPS_NOTE

    def test_name_overrides_the_name_shown(self, tmp_path):
        store = new_empty_store(tmp_path / "fk.db", adcode="210124", name="法库")
        c = county_of(store)
        assert (c.name, c.zone, c.adcode) == ("法库", 41, "210124")
        assert list(store.county()["name"]) == ["法库县"]  # the outline keeps its official name

    def test_unknown_adcode_writes_nothing(self, tmp_path):
        with pytest.raises(ValidationError, match="没有行政区划代码为 999999"):
            new_empty_store(tmp_path / "x.db", adcode="999999")
        assert not (tmp_path / "x.db").exists()


class TestChecksInTheCountyZone:
    def _case(self):
        """A 200 m × 100 m parcel drawn in zone-41 metres inside 法库县 (20 000 m² by hand)."""
        lon, lat = gk_to_lonlat([4_695_000.0, 4_695_000.0, 4_695_100.0, 4_695_100.0],
                                [41_518_000.0, 41_518_200.0, 41_518_200.0, 41_518_000.0], zone=41)
        return gpd.GeoDataFrame({"case_id": ["FK-1"], "kind": ["land"], "category": [1], "township": ["登仕堡子镇"]},
                                geometry=[shapely.Polygon(zip(lon, lat))], crs=4490)

    def test_check_store_measures_in_the_county_zone_without_townships(self, tmp_path):
        store = new_empty_store(tmp_path / "fk.db", adcode="210124")
        [rec] = check_store(store, cases=self._case()).to_dict("records")
        assert rec["area_m2"] == pytest.approx(20_000.0, abs=0.01) and rec["area_mu"] == pytest.approx(30.0)
        assert rec["township"] is None and rec["townships"] == [] and rec["flags"] == []

    def test_the_engine_defaults_to_zone_38(self, tmp_path):
        store = new_empty_store(tmp_path / "fk.db", adcode="210124")
        default = check_cases(self._case(), store.townships(), None, store.county())
        assert default["area_m2"].iloc[0] / 20_000.0 - 1 > 0.01  # why the store's zone is passed
