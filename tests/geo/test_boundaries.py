"""The shipped county outline and the approximate township layer."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from cases.io.geodata import load_shipped_boundaries
from geo.boundaries import normalise_township_layer
from geo.errors import LedgerFormatError
from tests.demo_division import TOWNSHIPS


@pytest.fixture(scope="module")
def shipped():
    return load_shipped_boundaries()


def test_county_area_is_about_1747_km2(shipped):
    county, _ = shipped
    area_km2 = county.to_crs(4526).area.sum() / 1e6
    assert area_km2 == pytest.approx(1747, abs=5)  # published figure ≈ 1,729 km²
    assert county.crs.to_epsg() == 4490
    assert county.iloc[0]["name"] == "代县"


def test_townships_partition_the_county(shipped):
    county, towns = shipped
    assert list(towns["name"]) == list(TOWNSHIPS)
    assert towns["approximate"].all()
    t = towns.to_crs(4526)
    assert t.area.sum() == pytest.approx(county.to_crs(4526).area.sum(), rel=1e-6)
    assert (t.area > 30e6).all()  # every township has a real share (> 30 km²)
    # cells do not overlap
    inter = t.geometry.iloc[0]
    assert sum(inter.intersection(g).area for g in t.geometry.iloc[1:]) < 1.0


def _layer(names, crs=4526):
    geoms = [box(38_400_000 + i * 1000, 4_320_000, 38_400_000 + (i + 1) * 1000, 4_321_000) for i in range(len(names))]
    return gpd.GeoDataFrame({"乡镇名称": names}, geometry=geoms, crs=crs)


def test_official_layer_is_normalised():
    out = normalise_township_layer(_layer(list(reversed(TOWNSHIPS))), name_field="乡镇名称", known=TOWNSHIPS)
    assert list(out["name"]) == list(TOWNSHIPS)
    assert not out["approximate"].any()
    assert out.crs.to_epsg() == 4490


@pytest.mark.parametrize(
    "names, field, match",
    [
        (list(TOWNSHIPS), "NAME", "没有名称字段「NAME」"),
        (list(TOWNSHIPS[:-1]) + ["繁峙镇"], "乡镇名称", "未知乡镇名称：繁峙镇"),
        (list(TOWNSHIPS[:-1]), "乡镇名称", "缺少乡镇：雁门关乡"),
    ],
)
def test_official_layer_errors(names, field, match):
    with pytest.raises(LedgerFormatError, match=match):
        normalise_township_layer(_layer(names), name_field=field, known=TOWNSHIPS)
