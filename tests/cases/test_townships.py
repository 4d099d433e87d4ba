"""Cases in a township division: hand-drawn townships (1 km squares in EPSG:4526) and the 代县 change table."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from cases.divisions import county_divisions
from cases.service import DECLARED, assign_townships, declared_in, in_division, layer_division
from cases.stats import UNASSIGNED, township_stats
from cases.store import open_store
from geo.errors import ValidationError
from tests.conftest import E0, N0, gk_frame


def _square(i: int):
    return box(E0 + i * 1000, N0, E0 + (i + 1) * 1000, N0 + 1000)


#: 2019: 滩上镇 | 峪口乡 | 上馆镇, west to east; 2021: 峪口镇 (the first two merged) | 上馆镇.
OLD = gk_frame([{"name": "滩上镇"}, {"name": "峪口乡"}, {"name": "上馆镇"}], [_square(0), _square(1), _square(2)])
NEW = gk_frame([{"name": "峪口镇"}, {"name": "上馆镇"}], [box(E0, N0, E0 + 2000, N0 + 1000), _square(2)])


def _at(i: float):
    """A 100 m parcel centred in square ``i`` (0.5 = the middle of the first)."""
    x = E0 + i * 1000
    return box(x - 50, N0 + 450, x + 50, N0 + 550)


CASES = gk_frame(
    [{"case_id": c, "township": t, "kind": "land", "category": 1, "status": "排查发现", "fine_wan": 0,
      "criminal_persons": 0, "accountability_persons": 0, "area_mu_declared": 1.0} for c, t in [
        ("A", "滩上镇"), ("B", "滩上镇"), ("C", "峪口镇"), ("D", "峪口镇"), ("E", "峪口乡"), ("F", "峪口镇"),
        ("G", "北京"), ("H", "上馆镇")]],
    [_at(0.5), _at(2.5), _at(1.5), _at(2.5), None, None, _at(2.5), _at(9.5)],
)


@pytest.fixture(scope="module")
def daixian():
    return county_divisions("代县")


class TestAssignment:
    def test_in_the_new_division_the_table_decides(self, daixian):
        got = dict(zip(CASES["case_id"], assign_townships(CASES, NEW, daixian)))
        assert got["A"] == "峪口镇"  # 滩上镇 merged into 峪口镇
        assert got["B"] == "峪口镇"  # the responsible government passes on, wherever it lies (a mismatch stays one)
        assert got["E"] == "峪口镇"  # 未定位: by the table alone
        assert got["C"] == got["D"] == got["F"] == "峪口镇"
        assert got["G"] == "上馆镇"  # a name the table does not know: by position
        assert got["H"] == "上馆镇"  # declared in the division: kept, even lying outside every township

    def test_in_the_old_division_a_merged_township_goes_by_position(self, daixian):
        got = dict(zip(CASES["case_id"], assign_townships(CASES, OLD, daixian)))
        assert got["C"] == "峪口乡"  # lies in 峪口乡, one of 峪口镇's predecessors
        assert got["D"] == "上馆镇"  # lies in neither predecessor: where it lies
        assert got["F"] is None  # 未定位 and two predecessors: unassigned
        assert (got["A"], got["B"], got["E"]) == ("滩上镇", "滩上镇", "峪口乡")

    def test_without_division_data_only_position(self):
        got = dict(zip(CASES["case_id"], assign_townships(CASES, NEW, None)))
        assert got["A"] == "峪口镇" and got["B"] == "上馆镇" and got["E"] is None

    def test_in_division_keeps_the_declared_township(self, daixian):
        out = in_division(CASES, NEW, daixian)
        assert list(out[DECLARED]) == list(CASES["township"])
        assert out.loc[out.case_id == "A", "township"].item() == "峪口镇"
        assert CASES.loc[CASES.case_id == "A", "township"].item() == "滩上镇"  # input not changed

    def test_stats_count_the_unassigned_in_their_own_row(self, daixian):
        old = township_stats(in_division(CASES, OLD, daixian), townships=list(OLD["name"]))
        assert list(old["township"]) == ["滩上镇", "峪口乡", "上馆镇", UNASSIGNED, "合计"]
        assert old.set_index("township").loc[UNASSIGNED, "land_cases"] == 1  # F
        assert old.set_index("township").loc["合计", "land_cases"] == len(CASES)
        new = township_stats(in_division(CASES, NEW, daixian), townships=list(NEW["name"]))
        assert list(new["township"]) == ["峪口镇", "上馆镇", "合计"]  # no empty 未归入乡镇 row
        assert new.set_index("township").loc["峪口镇", "land_cases"] == 6


class TestLikeWithLike:
    def test_the_declared_township_carried_into_the_layers_division(self, daixian):
        new = dict(zip(CASES["case_id"], declared_in(CASES, NEW, daixian)))
        assert (new["A"], new["B"], new["G"]) == ("峪口镇", "峪口镇", "北京")
        old = dict(zip(CASES["case_id"], declared_in(CASES, OLD, daixian)))
        assert old["C"] == "峪口乡" and old["D"] == "滩上镇"  # D lies in neither predecessor: still a mismatch


class TestLayerDivision:
    NINE = ["上馆镇", "峨口镇", "阳明堡镇", "枣林镇", "聂营镇", "峪口镇", "新高乡", "上磨坊乡", "雁门关镇"]

    def test_the_year_from_the_names(self, daixian):
        year, order = layer_division(list(reversed(self.NINE)), daixian)
        assert year == 2021 and list(order) == self.NINE

    def test_a_stated_year_must_fit(self, daixian):
        assert layer_division(self.NINE, daixian, year=2023)[0] == 2023
        with pytest.raises(ValidationError, match="2019 年的区划（2018 年起）不一致：图层中多出 峪口镇、雁门关镇"):
            layer_division(self.NINE, daixian, year=2019)

    def test_unknown_names(self, daixian):
        with pytest.raises(ValidationError, match="任何时期的区划都不一致.*图层中多出 繁城镇"):
            layer_division([*self.NINE, "繁城镇"], daixian)

    def test_without_data_the_year_is_required(self):
        assert layer_division(["甲镇"], None, year=2022) == (2022, ("甲镇",))
        with pytest.raises(ValidationError, match="请用 --year 指定"):
            layer_division(["甲镇"], None, county="某县")


class TestStoreKeepsEveryDivision:
    def test_add_keeps_the_others_and_the_newest_is_current(self, tmp_path):
        s = open_store(tmp_path / "s.db", create=True)
        old = OLD.assign(approximate=True, source="甲")
        s.replace_boundaries("township", old, user="t", year=2018)
        s.add_township_division(NEW.assign(approximate=False, source="乙"), year=2021, user="t")
        assert s.township_years() == [2018, 2021]
        assert list(s.townships()["name"]) == ["峪口镇", "上馆镇"] and s.townships().attrs["valid_from"] == 2021
        assert list(s.townships(year=2020)["name"]) == ["滩上镇", "峪口乡", "上馆镇"]
        assert s.townships(year=2020)["approximate"].all()
        with pytest.raises(ValidationError, match="最早从 2018 年起，没有 2017 年的乡镇界线"):
            s.townships(year=2017)
        s.add_township_division(NEW.assign(approximate=False, source="丙"), year=2021, user="t")  # same year: replaced
        assert s.township_years() == [2018, 2021] and set(s.townships()["source"]) == {"丙"}
        s.replace_boundaries("township", old, user="t")  # a whole new layer: every division goes
        assert s.township_years() == [0] and s.townships(year=1990).attrs["valid_from"] == 0
        assert s.audit()["action"].tolist().count("boundaries:township") == 4
        s.close()

    def test_an_empty_store_has_no_township_layer(self, tmp_path):
        s = open_store(tmp_path / "e.db", create=True)
        assert s.township_years() == [] and s.townships().empty
        s.close()


def test_a_point_goes_where_it_lies(daixian):
    pts = gk_frame([{"case_id": "P", "township": "峪口镇"}], [Point(E0 + 1500, N0 + 500)])
    assert list(assign_townships(pts, OLD, daixian)) == ["峪口乡"]


def test_empty_cases(daixian):
    empty = gpd.GeoDataFrame({"case_id": [], "township": []}, geometry=[], crs=4490)
    assert len(assign_townships(empty, NEW, daixian)) == 0 and in_division(empty, NEW, daixian).empty
