"""CRS constants, axis order and coordinate diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from geo import crs


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
