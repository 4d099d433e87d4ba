"""The check engine measures in the county's zone (``area_crs=``); 代县's EPSG:4526 stays the default."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import CRS
from shapely.geometry import box

from geo.checks import check_cases

ZONE41 = CRS.from_epsg(4529)  # 法库县: CGCS2000 3-degree zone 41, CM 123°E
E0, N0 = 41_518_000.0, 4_695_000.0


def _frame(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=ZONE41).to_crs(4490)


@pytest.fixture
def shapes():
    """A 400 × 400 m mine poking 100 m east out of a 1 km permit, drawn in zone-41 metres, given in lon/lat."""
    cases = _frame([box(E0 + 700, N0 + 300, E0 + 1100, N0 + 700)], case_id=["c1"], kind=["mining"],
                   township=[""], permit_no=["P1"])
    permits = _frame([box(E0, N0, E0 + 1000, N0 + 1000)], permit_no=["P1"])
    no_towns = gpd.GeoDataFrame({"name": []}, geometry=[], crs=4490)
    return cases, no_towns, permits


def test_measures_in_the_given_zone(shapes):
    r = check_cases(*shapes, area_crs=ZONE41).iloc[0]
    assert r.area_m2 == pytest.approx(160_000, abs=0.01) and r.outside_area_m2 == pytest.approx(40_000, abs=0.01)
    assert r.max_outside_distance_m == pytest.approx(100.0, abs=0.01)
    assert r.township is None and r.townships == [] and r["flags"] == ["OUT_OF_BOUNDS"]


def test_default_is_daixian_zone_38(shapes):
    r = check_cases(*shapes).iloc[0]
    assert r.area_m2 / 160_000 - 1 > 0.01  # 9° from zone 38's central meridian: 1.4 % too large
