"""The township divisions of 代县 as data (data/divisions/140923.json): lists, codes, years, the change table."""

from __future__ import annotations

import json

import pytest

from cases.divisions import DIVISION_DIR, county_divisions, read_divisions
from cases.model import Case, known_townships, township_name, validate_case
from geo.errors import LedgerFormatError, ValidationError

ELEVEN = ("上馆镇", "峨口镇", "阳明堡镇", "枣林镇", "聂营镇", "滩上镇", "新高乡", "上磨坊乡", "峪口乡", "胡峪乡", "雁门关乡")
NINE = {"上馆镇", "峨口镇", "阳明堡镇", "枣林镇", "聂营镇", "峪口镇", "新高乡", "上磨坊乡", "雁门关镇"}


@pytest.fixture(scope="module")
def daixian():
    return county_divisions("代县")


class TestTheDataFile:
    def test_found_by_name_and_by_code(self, daixian):
        assert county_divisions("140923") == daixian
        assert (daixian.county, daixian.code) == ("代县", "140923")
        assert county_divisions("繁峙县") is None and county_divisions("") is None

    def test_2018_is_the_seeds_eleven_in_its_order(self, daixian):
        assert daixian.at(2018).names == ELEVEN
        assert daixian.at(2019).names == ELEVEN  # in force until the next change

    def test_2020_renames_yanmenguan_and_2021_has_nine(self, daixian):
        assert daixian.at(2020).names == (*ELEVEN[:-1], "雁门关镇")
        assert set(daixian.at(2021).names) == NINE and daixian.current.valid_from == 2021
        assert daixian.at(2030) == daixian.current

    @pytest.mark.parametrize(("name", "code"), [
        ("峪口镇", "140923107"), ("雁门关镇", "140923106"), ("上馆镇", "140923100"), ("滩上镇", "140923105"),
        ("峪口乡", "140923201"), ("胡峪乡", "140923203"), ("雁门关乡", "140923204"),
    ])
    def test_statistics_codes(self, daixian, name, code):
        assert daixian.code_of(name) == code

    def test_every_code_is_nine_digits_of_the_county_or_empty(self, daixian):
        codes = [t.code for d in daixian.divisions for t in d.townships]
        assert all(c == "" or (len(c) == 9 and c.startswith("140923")) for c in codes)

    def test_the_seats_drive_the_approximate_layer(self, daixian):
        seats = daixian.at(2018).seats
        assert list(seats) == list(ELEVEN) and seats["上馆镇"] == (112.958, 39.066)

    def test_before_the_first_division_is_refused(self, daixian):
        with pytest.raises(ValidationError, match="从 2018 年起，没有 2010 年的区划"):
            daixian.at(2010)

    def test_matching_and_containing(self, daixian):
        assert daixian.matching(reversed(ELEVEN)).valid_from == 2018
        assert daixian.matching(NINE).valid_from == 2021
        assert daixian.matching(["上馆镇"]) is None
        assert daixian.containing(["上馆镇", "峪口镇"]).valid_from == 2021
        assert daixian.containing(["滩上镇"]).valid_from == 2020


class TestTheChangeTable:
    @pytest.mark.parametrize(("name", "year", "expected"), [
        ("滩上镇", 2021, ("峪口镇",)), ("峪口乡", 2021, ("峪口镇",)), ("胡峪乡", 2021, ("枣林镇",)),
        ("枣林镇", 2021, ("枣林镇",)), ("雁门关乡", 2021, ("雁门关镇",)), ("雁门关乡", 2020, ("雁门关镇",)),
        ("峪口镇", 2019, ("滩上镇", "峪口乡")), ("雁门关镇", 2019, ("雁门关乡",)), ("峨口镇", 2019, ("峨口镇",)),
        ("胡峪乡", 2020, ("胡峪乡",)), ("北京", 2021, ()),
    ])
    def test_candidates(self, daixian, name, year, expected):
        assert daixian.candidates(name, daixian.at(year).names) == expected

    def test_translate_needs_one_answer_or_a_hint(self, daixian):
        old = daixian.at(2019).names
        assert daixian.translate("峪口镇", old) is None
        assert daixian.translate("峪口镇", old, hint="峪口乡") == "峪口乡"
        assert daixian.translate("峪口镇", old, hint="上馆镇") is None
        assert daixian.translate("滩上镇", daixian.current.names) == "峪口镇"

    def test_known_names_newest_first(self, daixian):
        names = daixian.known_names()
        assert set(names[:9]) == NINE and set(names) == NINE | set(ELEVEN)
        assert known_townships() == names and known_townships("没有数据的县") == ()


class TestNamesInTheModel:
    @pytest.mark.parametrize(("value", "expected"), [
        ("峨口", "峨口镇"), ("峪口镇人民政府", "峪口镇"), ("滩上镇", "滩上镇"), ("胡峪", "胡峪乡"), (" 雁门关乡 ", "雁门关乡"),
    ])
    def test_any_division_full_or_short(self, value, expected):
        assert township_name(value) == expected

    @pytest.mark.parametrize("short", ["峪口", "雁门关"])
    def test_a_short_name_of_two_divisions_is_not_guessed(self, short):
        with pytest.raises(ValidationError, match=f"「{short}」可以指"):
            township_name(short)

    def test_a_given_list_decides(self):
        assert township_name("峪口", ["上馆镇", "峪口镇"]) == "峪口镇"
        with pytest.raises(ValidationError, match="不是代县的乡镇，应为：上馆镇"):
            township_name("滩上镇", ["上馆镇"])

    def test_cases_keep_the_township_declared_at_the_time(self):
        for town in ("滩上镇", "峪口镇", "胡峪乡", "雁门关镇"):
            assert not validate_case(Case(case_id="A", kind="land", category=1, township=town), require_location=False)
        errs = validate_case(Case(case_id="A", kind="land", category=1, township="繁峙镇"), require_location=False)
        assert errs and "不是代县的乡镇" in errs[0]
        assert not validate_case(Case(case_id="A", kind="land", category=1, township="某乡"), require_location=False,
                                 townships=["某乡"])


class TestBadDataFiles:
    def _write(self, tmp_path, **changes):
        raw = json.loads((DIVISION_DIR / "140923.json").read_text(encoding="utf-8"))
        raw.update(changes)
        path = tmp_path / "140923.json"
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        return path

    def test_the_shipped_file_reads(self):
        assert read_divisions(DIVISION_DIR / "140923.json").code == "140923"

    @pytest.mark.parametrize(("changes", "match"), [
        ({"divisions": []}, "没有任何区划"),
        ({"changes": [{"year": 2021, "from": ["滩上镇"], "to": "某镇"}]}, "「某镇」不是任何区划中的乡镇"),
        ({"divisions": [{"valid_from": 2018, "townships": [{"name": "甲镇", "code": "12345"}]}]}, "应为以 140923 开头的 9 位数字"),
        ({"divisions": [{"valid_from": 2018, "townships": [{"name": "甲镇"}, {"name": "甲镇"}]}]}, "「甲镇」重复"),
        ({"divisions": [{"valid_from": 2018, "townships": [{"name": "甲镇"}]},
                        {"valid_from": 2018, "townships": [{"name": "甲镇"}]}]}, "2018 年的区划出现多次"),
        ({"divisions": [{"townships": []}]}, "无法读取或格式不对"),
    ])
    def test_refused_with_the_problem_named(self, tmp_path, changes, match):
        with pytest.raises(LedgerFormatError, match=match):
            read_divisions(self._write(tmp_path, **changes))
