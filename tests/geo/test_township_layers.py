"""Township layers of any division: any names, duplicates refused, the county check, the township a case lies in."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.boundaries import normalise_township_layer, townships_outside
from geo.checks import township_of
from geo.errors import CRSError, LedgerFormatError
from tests.conftest import E0, N0, gk_frame

#: A 3 km × 1 km county split into three 1 km squares 甲/乙/丙, west to east.
COUNTY = gk_frame([{"name": "某县"}], [box(E0, N0, E0 + 3000, N0 + 1000)])


def _layer(names, *, dx=0.0, **extra):
    geoms = [box(E0 + i * 1000 + dx, N0, E0 + (i + 1) * 1000 + dx, N0 + 1000) for i in range(len(names))]
    return gpd.GeoDataFrame({"名称": names, **extra}, geometry=geoms, crs=4526)


class TestAnyNames:
    def test_a_subset_in_the_layers_order(self):
        out = normalise_township_layer(_layer(["丙", "甲"]), name_field="名称")
        assert list(out["name"]) == ["丙", "甲"] and not out["approximate"].any()
        assert set(out["source"]) == {"官方乡镇界线"} and out.crs.to_epsg() == 4490

    def test_an_approximate_layer_stays_approximate(self):
        out = normalise_township_layer(_layer(["甲", "乙"], approximate=[True, True]), name_field="名称")
        assert out["approximate"].all() and set(out["source"]) == {"示意乡镇界线"}
        out = normalise_township_layer(_layer(["甲"], source=["某来源"]), name_field="名称")
        assert list(out["source"]) == ["某来源"]

    @pytest.mark.parametrize(("names", "match"), [
        (["甲", "乙", "甲"], "乡镇名称重复：甲（2 个要素）"),
        (["甲", None], "第 2 个要素的名称字段「名称」为空"),
        (["甲", "  "], "第 2 个要素的名称字段「名称」为空"),
        ([], "没有任何要素"),
    ])
    def test_bad_names(self, names, match):
        with pytest.raises(LedgerFormatError, match=match):
            normalise_township_layer(_layer(names), name_field="名称")

    def test_no_crs(self):
        with pytest.raises(CRSError):
            normalise_township_layer(_layer(["甲"]).set_crs(None, allow_override=True), name_field="名称")


class TestInsideTheCounty:
    def test_a_layer_of_the_county(self):
        assert townships_outside(normalise_township_layer(_layer(["甲", "乙", "丙"]), name_field="名称"), COUNTY) == []

    def test_another_countys_layer(self):
        layer = normalise_township_layer(_layer(["甲", "乙", "丙"], dx=2400.0), name_field="名称")
        # 甲 is 60 % inside, 乙 and 丙 not at all
        assert townships_outside(layer, COUNTY) == [("乙", 0.0), ("丙", 0.0)]
        assert townships_outside(layer, COUNTY, min_share=0.7) == [("甲", pytest.approx(0.6)), ("乙", 0.0), ("丙", 0.0)]


class TestTownshipOf:
    def test_largest_share_points_and_nothing(self):
        towns = gk_frame([{"name": "甲"}, {"name": "乙"}], [box(E0, N0, E0 + 1000, N0 + 1000),
                                                          box(E0 + 1000, N0, E0 + 2000, N0 + 1000)])
        cases = gk_frame([{}, {}, {}, {}], [box(E0 + 900, N0, E0 + 1300, N0 + 10), Point(E0 + 100, N0 + 100),
                                            Point(E0 + 5000, N0), None])
        assert list(township_of(cases, towns)) == ["乙", "甲", None, None]

    def test_the_declared_wins_an_even_split(self):
        towns = gk_frame([{"name": "甲"}, {"name": "乙"}], [box(E0, N0, E0 + 1000, N0 + 1000),
                                                          box(E0 + 1000, N0, E0 + 2000, N0 + 1000)])
        half = gk_frame([{}], [box(E0 + 900, N0, E0 + 1100, N0 + 10)])
        assert list(township_of(half, towns, ["乙"])) == ["乙"] and list(township_of(half, towns)) == ["甲"]
