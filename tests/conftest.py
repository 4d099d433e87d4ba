"""Shared fixtures: tiny hand-computable shapes in Gauss-Krüger zone 38 (EPSG:4526), and stores."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

#: A point near 上馆镇 in EPSG:4526 (easting with zone prefix, northing): ≈ 112.99°E, 39.06°N.
E0, N0 = 38_413_000.0, 4_325_000.0


def gk_frame(records: list[dict], geoms: list) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:4526 delivered in lon/lat (EPSG:4490), as files bring it."""
    return gpd.GeoDataFrame(records, geometry=geoms, crs=4526).to_crs(4490)


@pytest.fixture
def permit_1km() -> gpd.GeoDataFrame:
    """One 1 km × 1 km permit P1 (煤, valid 2018–2022) with its SW corner at (E0, N0)."""
    return gk_frame(
        [{"permit_no": "P1", "holder": "甲", "mineral": "煤", "valid_from": "2018-01-01", "valid_to": "2022-12-31"}],
        [box(E0, N0, E0 + 1000, N0 + 1000)],
    )


@pytest.fixture
def two_townships() -> gpd.GeoDataFrame:
    """West (西乡, easting < E0+1050) and east (东乡) halves of a 10 km square."""
    return gk_frame(
        [{"name": "西乡"}, {"name": "东乡"}],
        [box(E0 - 5000, N0 - 5000, E0 + 1050, N0 + 5000), box(E0 + 1050, N0 - 5000, E0 + 5000, N0 + 5000)],
    )


@pytest.fixture
def county_square() -> gpd.GeoSeries:
    """A 10 km square 'county' around the fixtures."""
    return gk_frame([{}], [box(E0 - 5000, N0 - 5000, E0 + 5000, N0 + 5000)]).geometry


def mine(case_id: str, geom, **props) -> dict:
    """A mining case record (kind, category 7) with geometry in EPSG:4526 under key 'geometry'."""
    rec = {"case_id": case_id, "kind": "mining", "category": 7, "township": "西乡", "permit_no": "P1",
           "mineral": "煤", "found_date": "2020-01-01"}
    rec.update(props)
    rec["geometry"] = geom
    return rec


def frame_of(records: list[dict]) -> gpd.GeoDataFrame:
    """Records with a 'geometry' key (EPSG:4526) as a lon/lat GeoDataFrame."""
    geoms = [r.pop("geometry") for r in records]
    return gk_frame(records, geoms)


__all__ = ["E0", "N0", "Point", "box", "frame_of", "gk_frame", "mine"]
