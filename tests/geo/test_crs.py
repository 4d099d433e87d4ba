"""CRS constants, axis order and coordinate diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from geo import crs
from geo.errors import CRSError, GeometryError


def test_area_crs_declares_northing_first_but_we_use_xy():
    # EPSG:4526 declares (northing, easting); with always_xy the easting comes first.
    axes = [a.direction for a in crs.AREA_CRS.axis_info]
    assert axes == ["north", "east"]
    tr = Transformer.from_crs(crs.STORAGE_CRS, crs.AREA_CRS, always_xy=True)
    e, n = tr.transform(114.0, 39.0)
    assert e == pytest.approx(38_500_000.0, abs=0.01)  # central meridian 114°E, zone prefix 38
    assert 4_300_000 < n < 4_350_000


def test_gk_round_trip_with_and_without_prefix():
    x, y = crs.lonlat_to_gk(112.95, 39.07)
    assert 4_300_000 < x < 4_400_000 and str(int(y)).startswith("38")
    lon, lat = crs.gk_to_lonlat(x, y)
    assert (lon, lat) == pytest.approx((112.95, 39.07), abs=1e-9)
    lon2, lat2 = crs.gk_to_lonlat(x, y - 38_000_000)
    assert (lon2, lat2) == pytest.approx((112.95, 39.07), abs=1e-9)
    x3, y3 = crs.lonlat_to_gk(112.95, 39.07, prefix=False)
    assert y3 == pytest.approx(y - 38_000_000)


def test_mu():
    assert crs.m2_to_mu(10000.0 / 15.0) == pytest.approx(1.0)
    assert np.allclose(crs.m2_to_mu(np.array([40000.0, 0.0])), [60.0, 0.0])


@pytest.mark.parametrize(
    "lon, lat, expect",
    [
        (112.95, 39.07, None),
        (39.07, 112.95, "颠倒"),
        (38_413_000.0, 4_325_000.0, "高斯-克吕格"),
        (116.4, 39.9, "不在代县范围内"),
    ],
)
def test_diagnose(lon, lat, expect):
    msg = crs.diagnose_lonlat(lon, lat)
    if expect is None:
        assert msg is None
    else:
        assert expect in msg


class TestClassifyPairs:
    def test_gk_with_x_northing_first(self):
        kind, swapped = crs.classify_pairs(4_330_000.0, 38_400_000.0)
        assert (kind, swapped) == (crs.GK, False)

    def test_swapped_pairs_and_lonlat_are_told_apart_elementwise(self):
        a = [4_330_000.0, 38_400_000.0, 400_000.0, 113.0, 39.0, 1.0]
        b = [38_400_000.0, 4_330_000.0, 4_330_000.0, 39.0, 113.0, 2.0]
        kind, swapped = crs.classify_pairs(a, b)
        assert kind.tolist() == [crs.GK, crs.GK, crs.GK, crs.LONLAT, crs.LONLAT, ""]
        assert swapped.tolist() == [False, True, True, False, True, False]

    def test_in_county_box(self):
        assert crs.in_county_box([113.0, 116.4], [39.0, 39.9]).tolist() == [True, False]


class TestGkPairs:
    def test_prefix_added_and_swap_undone(self):
        x, y, swapped = crs.gk_pairs([4_330_000.0, 400_000.0], [400_000.0, 4_330_000.0])
        assert x.tolist() == [4_330_000.0, 4_330_000.0]
        assert y.tolist() == [38_400_000.0, 38_400_000.0]
        assert swapped.tolist() == [False, True]

    def test_zone_37_refused_in_chinese(self):
        with pytest.raises(CRSError, match="第 3 行：Y 坐标 37400000.00 的带号为 37，不是代县所在的 3 度带第 38 带"):
            crs.gk_pairs(4_330_000.0, 37_400_000.0, where="第 3 行")

    def test_numbers_that_are_no_gk_pair(self):
        with pytest.raises(GeometryError, match=r"坐标 \(1, 2\) 不是 CGCS2000 高斯-克吕格坐标"):
            crs.gk_pairs(1.0, 2.0)


class TestZone:
    def test_zone_of(self):
        assert crs.zone_of([38_400_000.0, 400_000.0, 37_999_999.0]).tolist() == [38, 0, 37]

    def test_one_message_for_eastings_and_declared_zones(self):
        assert crs.zone_problem(easting=[38_400_000.0, 400_000.0]) is None
        assert crs.zone_problem(zone=39, where="带号行：").startswith("带号行：带号为 39，不是代县所在的 3 度带第 38 带")
        assert "带号为 19（疑似 6 度带）" in crs.zone_problem(easting=19_500_000.0)

    def test_projected_file_in_zone_37(self):
        why = crs.diagnose_projected((37_413_000.0, 4_325_000.0, 37_414_000.0, 4_326_000.0), crs.AREA_CRS)
        assert why.startswith("东坐标 37413000 的带号为 37，不是代县所在的 3 度带第 38 带")


def test_extent_and_missing_crs():
    import geopandas as gpd
    import shapely

    assert crs.diagnose_extent((113.0, 39.0, 113.01, 39.01)) is None
    assert "不在代县范围内" in crs.diagnose_extent((113.0, 39.0, 116.4, 39.9))
    with pytest.raises(CRSError, match="乡镇界线图层：未声明坐标系（CRS）"):
        crs.require_crs(gpd.GeoSeries([shapely.Point(113.0, 39.0)]), what="乡镇界线图层")
