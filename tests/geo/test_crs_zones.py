"""geo.crs in any 3-degree zone: every zone- or box-dependent function takes ``zone=``/``bbox=``; 代县 is the default."""

from __future__ import annotations

import pytest
import shapely
from pyproj import CRS

from geo import crs
from geo.errors import CRSError

#: 法库县 (zone 41, CM 123°E) and its box as :func:`crs.county_box` makes it.
FAKU = {"zone": 41, "bbox": crs.county_box((122.7395, 42.13632, 123.75316, 42.65513)), "place": "法库县"}


class TestZoneCRS:
    def test_zone_crs_is_the_area_crs_for_38(self):
        assert crs.zone_crs() == crs.AREA_CRS and crs.zone_crs(38, prefix=False) == crs.AREA_CRS_NO_PREFIX
        assert crs.zone_crs(41).to_epsg() == 4529 and crs.zone_crs(41, prefix=False).to_epsg() == 4550

    def test_round_trip_in_zone_41(self):
        x, y = crs.lonlat_to_gk(123.23, 42.40, zone=41)
        assert str(int(y)).startswith("41") and 4_690_000 < x < 4_700_000
        assert crs.gk_to_lonlat(x, y, zone=41) == pytest.approx((123.23, 42.40), abs=1e-9)
        assert crs.gk_to_lonlat(x, y - 41_000_000, zone=41) == pytest.approx((123.23, 42.40), abs=1e-9)
        _, plain = crs.lonlat_to_gk(123.23, 42.40, zone=41, prefix=False)
        assert plain == pytest.approx(y - 41_000_000)

    def test_county_box_and_its_text(self):
        assert crs.county_box((1.0, 2.0, 3.0, 4.0)) == (0.7, 1.7, 3.3, 4.3)
        assert crs.box_text() == "东经 112.7°–113.3°、北纬 38.9°–39.3°"
        assert crs.box_text(FAKU["bbox"]) == "东经 122.7°–123.8°、北纬 42.1°–42.7°"
        assert crs.north_hint() == "43xxxxx" and crs.north_hint(FAKU["bbox"], zone=41) == "46xxxxx"


class TestChecksTakeTheCounty:
    def test_lonlat_box(self):
        assert crs.in_county_box(123.2, 42.4, bbox=FAKU["bbox"]) and not crs.in_county_box(123.2, 42.4)
        kind, swapped = crs.classify_pairs([42.4, 113.0], [123.2, 39.0], bbox=FAKU["bbox"])
        assert kind.tolist() == [crs.LONLAT, ""] and swapped.tolist() == [True, False]

    def test_gk_pairs_in_zone_41(self):
        x, y, _ = crs.gk_pairs([4_695_000.0, 4_695_000.0], [41_518_000.0, 518_000.0], **FAKU)
        assert y.tolist() == [41_518_000.0, 41_518_000.0]
        with pytest.raises(CRSError, match="Y 坐标 38518000.00 的带号为 38，不是法库县所在的 3 度带第 41 带（中央经线 123°E）"):
            crs.gk_pairs(4_695_000.0, 38_518_000.0, **FAKU)

    def test_zone_problem_names_both_zones(self):
        assert crs.zone_problem(zone=41, county_zone=41) is None
        assert crs.zone_problem(zone=38, county_zone=41, place="法库县", where="带号行：") == (
            "带号行：带号为 38，不是法库县所在的 3 度带第 41 带（中央经线 123°E）；请转换为 CGCS2000 3 度带第 41 带坐标后再导入")

    def test_diagnoses_name_the_county(self):
        assert crs.diagnose_lonlat(123.2, 42.4, **FAKU) is None
        assert "不在法库县范围内（东经 122.7°–123.8°、北纬 42.1°–42.7°）" in crs.diagnose_lonlat(113.0, 39.0, **FAKU)
        assert "法库县约在" in crs.diagnose_lonlat(42.4, 123.2, **FAKU)
        assert "EPSG:4529（带 41 带号）或 EPSG:4550" in crs.diagnose_lonlat(4_695_000.0, 41_518_000.0, **FAKU)
        assert crs.diagnose_extent((123.2, 42.4, 123.21, 42.41), **FAKU) is None
        assert crs.check_in_county_box([shapely.box(113.0, 39.0, 113.1, 39.1)], ["案件 X"], **FAKU)[0].startswith(
            "案件 X：坐标 (经度 113, 纬度 39) 不在法库县范围内")

    @pytest.mark.parametrize("bounds, epsg, message", [
        ((518_000.0, 4_695_000.0, 519_000.0, 4_696_000.0), 4529, "没有带号，却声明为 EPSG:4529（带带号）；请改为 EPSG:4550"),
        ((41_518_000.0, 4_695_000.0, 41_519_000.0, 4_696_000.0), 4550, "带有带号 41，却声明为 EPSG:4550（不带带号）；请改为 EPSG:4529"),
        ((38_518_000.0, 4_695_000.0, 38_519_000.0, 4_696_000.0), 4526, "带号为 38，不是法库县所在的 3 度带第 41 带"),
        ((4_695_000.0, 41_518_000.0, 4_696_000.0, 41_519_000.0), 4529, "X 为北坐标（约 46xxxxx），Y 为东坐标（约 41xxxxxx）"),
    ])
    def test_projected_files(self, bounds, epsg, message):
        assert message in crs.diagnose_projected(bounds, CRS.from_epsg(epsg), **FAKU)

    def test_projected_file_in_the_county_zone_fits(self):
        assert crs.diagnose_projected((41_518_000.0, 4_695_000.0, 41_519_000.0, 4_696_000.0), crs.zone_crs(41), **FAKU) is None


@pytest.mark.parametrize("value, named", [
    ("1980西安坐标系", "1980 西安坐标系"), ("西安80", "1980 西安坐标系"), ("Xian 1980", "1980 西安坐标系"),
    ("1954年北京坐标系", "1954 北京坐标系"), ("北京54", "1954 北京坐标系"),
    ("WGS84", "WGS84"), ("WGS-84 UTM 51N", "WGS84"),
])
def test_other_datums_refused_by_name(value, named):
    assert crs.datum_problem(value, where="第 2 行：") == (
        f"第 2 行：坐标系为「{value}」（{named}），本程序只接受 CGCS2000（2000 国家大地坐标系）3 度带坐标；请先转换为 CGCS2000 再导入")


@pytest.mark.parametrize("value", ["2000国家大地坐标系", "CGCS2000", "CGCS2000 3度带", "", "国家大地坐标系 2000"])
def test_cgcs2000_accepted(value):
    assert crs.datum_problem(value) is None
