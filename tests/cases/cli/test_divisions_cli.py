"""Issue 9: today's nine-township division of 代县 loaded over the demo, history kept, like compared with like.

The nine-township layer is built from the shipped approximate layer by dissolving 滩上镇+峪口乡 (峪口镇) and
胡峪乡+枣林镇 (枣林镇) and renaming 雁门关乡 (雁门关镇); it keeps ``approximate = true``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import Counter

import geopandas as gpd
import pytest

from cases.cli.main import main
from cases.demo import init_demo
from cases.io.geodata import load_shipped_boundaries
from cases.model import Case
from cases.output.bulletin import build_bulletin
from cases.service import check_store
from cases.stats import STAT_COLUMNS
from cases.store import open_store
from geo.checks import check_cases
from tests.demo_division import TOWNSHIPS

MERGED = {"滩上镇": "峪口镇", "峪口乡": "峪口镇", "胡峪乡": "枣林镇", "雁门关乡": "雁门关镇"}
NINE = ["上馆镇", "峨口镇", "阳明堡镇", "枣林镇", "聂营镇", "峪口镇", "新高乡", "上磨坊乡", "雁门关镇"]
COUNTS = [k for k in STAT_COLUMNS if k != "township"]


def nine_township_layer(path, *, name_field="乡镇名称"):
    """Today's division drawn from the shipped approximate layer (dissolved and renamed), written to ``path``."""
    _, towns = load_shipped_boundaries()
    nine = towns.assign(name=towns["name"].replace(MERGED)).dissolve(by="name", as_index=False)
    nine = nine[["name", "geometry"]].assign(approximate=True, source="示意界线合并（测试）")
    nine.rename(columns={"name": name_field}).to_file(path)
    return path


def stats_json(capsys, *argv) -> list[dict]:
    assert main(["stats", "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo store (2018 division) and its statistics, then today's nine townships loaded over it."""
    folder = tmp_path_factory.mktemp("div")
    db = folder / "demo.db"
    s = open_store(db, create=True)
    init_demo(s)
    before_checks = check_store(s)
    s.close()
    layer = nine_township_layer(folder / "nine.gpkg")
    return {"db": str(db), "folder": folder, "layer": layer, "before_checks": before_checks}


@pytest.fixture(scope="module")
def loaded(demo):
    """The output of load-townships and the statistics before and after (run once for the module)."""

    def run(*argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        return code, out.getvalue(), err.getvalue()

    _, old, _ = run("stats", "--format", "json", "--db", demo["db"])
    code, printed, err = run("load-townships", str(demo["layer"]), "--name-field", "乡镇名称", "--db", demo["db"])
    assert code == 0, err
    _, new, _ = run("stats", "--format", "json", "--db", demo["db"])
    return {"printed": printed, "old": json.loads(old), "new": json.loads(new)}


class TestNineTownshipsLoad:
    def test_loaded_as_2021_keeping_2018(self, demo, loaded):
        assert "载入 2021 年起的乡镇界线（9 个乡镇，示意界线，现行区划）" in loaded["printed"]
        s = open_store(demo["db"])
        assert s.township_years() == [2018, 2021]
        assert list(s.townships()["name"]) == NINE and s.townships()["approximate"].all()
        assert list(s.townships(year=2019)["name"]) == list(TOWNSHIPS)
        assert set(s.cases()["township"]) == set(TOWNSHIPS)  # every case keeps the township it was declared in
        s.close()

    def test_every_case_counted_in_its_current_township(self, loaded):
        rows = {r["township"]: r for r in loaded["new"]}
        old = {r["township"]: r for r in loaded["old"]}
        assert [r["township"] for r in loaded["new"]] == [*NINE, "合计"]
        assert all(list(r) == list(STAT_COLUMNS) for r in loaded["new"])  # the JSON keys stay
        for k in COUNTS:  # the nine rows sum to the eleven's, and the totals do not move
            assert sum(rows[t][k] for t in NINE) == pytest.approx(sum(old[t][k] for t in TOWNSHIPS), abs=0.02)
            assert rows["合计"][k] == pytest.approx(old["合计"][k], abs=0.02)
            assert rows["峪口镇"][k] == pytest.approx(old["滩上镇"][k] + old["峪口乡"][k], abs=0.02)
            assert rows["枣林镇"][k] == pytest.approx(old["枣林镇"][k] + old["胡峪乡"][k], abs=0.02)
            assert rows["雁门关镇"][k] == old["雁门关乡"][k]
            for t in ("上馆镇", "峨口镇", "阳明堡镇", "聂营镇", "新高乡", "上磨坊乡"):
                assert rows[t][k] == old[t][k]
        assert rows["合计"]["land_cases"] == 66 and rows["合计"]["mining_cases"] == 44

    def test_hand_counted_峪口镇(self, demo, loaded):
        s = open_store(demo["db"])
        declared = Counter(s.cases()["township"])
        s.close()
        rows = {r["township"]: r for r in loaded["new"]}
        assert rows["峪口镇"]["land_cases"] + rows["峪口镇"]["mining_cases"] == declared["滩上镇"] + declared["峪口乡"]

    @pytest.mark.parametrize("year", ["2019", "2018", "2020"])
    def test_a_past_division_gives_the_old_eleven_rows(self, demo, loaded, capsys, year):
        rows = stats_json(capsys, "--db", demo["db"], "--division", year)
        assert rows == loaded["old"]

    def test_a_later_year_is_the_current_division(self, demo, loaded, capsys):
        assert stats_json(capsys, "--db", demo["db"], "--division", "2030") == loaded["new"]

    def test_the_past_division_is_named(self, demo, loaded, capsys):
        assert main(["stats", "--db", demo["db"], "--division", "2019"]) == 0
        assert "2019 年的乡镇（2018 年起的乡镇界线；现行区划为 2021 年起）" in capsys.readouterr().out

    def test_a_year_before_every_layer_is_refused(self, demo, loaded, capsys):
        assert main(["stats", "--db", demo["db"], "--division", "2010"]) == 2
        assert "没有 2010 年的乡镇界线" in capsys.readouterr().err

    def test_the_bulletin_uses_the_division_in_force_on_its_day(self, demo, loaded):
        import datetime as dt

        s = open_store(demo["db"])
        then = build_bulletin(s, day=dt.date(2019, 11, 15), with_map=False).table
        now = build_bulletin(s, day=dt.date(2019, 11, 15), with_map=False, division=2021).table
        s.close()
        assert list(then["township"]) == [*TOWNSHIPS, "合计"] and list(now["township"]) == [*NINE, "合计"]
        assert then.iloc[-1].tolist() == now.iloc[-1].tolist()


class TestMismatchComparesLikeWithLike:
    def test_the_same_cases_mismatch_before_and_after_the_merge(self, demo, loaded):
        s = open_store(demo["db"])
        after = check_store(s)
        s.close()
        flagged = lambda res: set(res.loc[res["flags"].map(lambda f: "TOWNSHIP_MISMATCH" in f), "case_id"])
        assert flagged(after) == flagged(demo["before_checks"]) and flagged(after)

    def test_declared_滩上镇_lying_in_峪口镇_is_not_a_mismatch(self, demo, loaded):
        s = open_store(demo["db"])
        cases, towns, after = s.cases(), s.townships(), check_store(s)
        raw = check_cases(cases, towns)  # the declared name compared as it stands: every 滩上镇 case "differs"
        s.close()
        ids = set(cases.loc[cases["township"] == "滩上镇", "case_id"])
        in_yukou = set(after.loc[after["township"] == "峪口镇", "case_id"]) & ids
        assert in_yukou
        by_id = after.set_index("case_id")["flags"]
        assert not any("TOWNSHIP_MISMATCH" in by_id[c] for c in in_yukou)
        raw_flags = raw.set_index("case_id")["flags"]
        assert all("TOWNSHIP_MISMATCH" in raw_flags[c] for c in in_yukou)


class TestUnlocatedCases:
    def test_the_change_table_places_them(self, demo, loaded, tmp_path, capsys):
        s = open_store(demo["db"])
        copy = s.backup(tmp_path / "copy.db")
        s.close()
        s = open_store(copy)
        s.upsert_cases([Case(case_id="YD-WDW-1", kind="land", category=1, township="胡峪乡", area_mu_declared=2.0),
                        Case(case_id="YD-WDW-2", kind="land", category=1, township="峪口镇", area_mu_declared=3.0)],
                       user="t", allow_unlocated=True)
        s.close()
        now = {r["township"]: r for r in stats_json(capsys, "--db", str(copy))}
        old = {r["township"]: r for r in loaded["new"]}
        assert now["枣林镇"]["land_cases"] == old["枣林镇"]["land_cases"] + 1  # 胡峪乡 → 枣林镇
        assert now["峪口镇"]["land_cases"] == old["峪口镇"]["land_cases"] + 1
        past = stats_json(capsys, "--db", str(copy), "--division", "2019")
        rows = {r["township"]: r for r in past}
        assert [r["township"] for r in past] == [*TOWNSHIPS, "未归入乡镇", "合计"]  # 峪口镇: 滩上镇 or 峪口乡?
        assert rows["未归入乡镇"]["land_cases"] == 1 and rows["未归入乡镇"]["area_mu"] == 3.0
        assert rows["胡峪乡"]["land_cases"] == loaded["old"][TOWNSHIPS.index("胡峪乡")]["land_cases"] + 1
        assert rows["合计"]["land_cases"] == 68


class TestCheckWithAnyTownshipLayer:
    def test_two_townships(self, demo, loaded, tmp_path, capsys):
        _, towns = load_shipped_boundaries()
        two = tmp_path / "two.gpkg"
        towns[towns["name"].isin(["峨口镇", "上馆镇"])][["name", "geometry"]].to_file(two)
        cases = tmp_path / "cases.gpkg"
        assert main(["export", str(cases), "--db", demo["db"]]) == 0
        capsys.readouterr()
        assert main(["check", str(cases), "--townships", str(two), "--db", demo["db"], "--format", "json"]) == 0
        captured = capsys.readouterr()
        rows = json.loads(captured.out)
        got = Counter(r["township"] for r in rows)
        assert set(got) == {"峨口镇", "上馆镇", None} and got["峨口镇"] and got["上馆镇"]
        lost = [r["case_id"] for r in rows if r["township"] is None]
        assert "不在所给乡镇界线文件的任何乡镇内，未判定所在乡镇" in captured.err and lost[0] in captured.err
        for r in rows:
            if r["township"] is None:
                assert r["townships"] == [] and "TOWNSHIP_MISMATCH" not in r["flags"]


class TestBadTownshipLayers:
    """Each is refused with a Chinese message naming the problem, exit 2, and nothing is written."""

    def _layer(self, tmp_path, kind):
        _, towns = load_shipped_boundaries()
        towns = towns[["name", "geometry"]].copy()
        if kind == "no_name_field":
            path = tmp_path / "a.gpkg"
            towns.rename(columns={"name": "XZMC"}).to_file(path)
        elif kind == "no_crs":
            path = tmp_path / "b.shp"
            towns.to_file(path)
            os.remove(tmp_path / "b.prj")
        elif kind == "other_county":
            path = tmp_path / "c.gpkg"
            towns.assign(geometry=towns.translate(0.6, 0.0)).to_file(path)  # 繁峙县, east of 代县
        elif kind == "duplicates":
            path = tmp_path / "d.gpkg"
            towns.assign(name=towns["name"].replace({"峨口镇": "上馆镇"})).to_file(path)
        elif kind == "empty_name":
            path = tmp_path / "e.gpkg"
            towns.assign(name=towns["name"].replace({"峨口镇": ""})).to_file(path)
        else:
            path = tmp_path / "f.gpkg"
            towns.assign(name=towns["name"].replace({"峨口镇": "繁城镇"})).to_file(path)
        return path

    @pytest.mark.parametrize(("kind", "message"), [
        ("no_name_field", "乡镇界线图层没有名称字段「name」；现有字段：XZMC"),
        ("no_crs", "未声明坐标系（CRS）"),
        ("other_county", "中有 11 个乡镇不在代县县界内：上馆镇（县界内 0%）"),
        ("duplicates", "乡镇名称重复：上馆镇（2 个要素）"),
        ("empty_name", "第 2 个要素的名称字段「name」为空"),
        ("unknown_name", "任何时期的区划都不一致（最接近 2018 年起的区划：图层中多出 繁城镇；缺少 峨口镇）"),
    ])
    def test_load_townships_refuses(self, demo, loaded, tmp_path, capsys, kind, message):
        path = self._layer(tmp_path, kind)
        s = open_store(demo["db"])
        version, log = s.data_version(), len(s.audit())
        assert main(["load-townships", str(path), "--db", demo["db"]]) == 2
        err = capsys.readouterr().err
        assert err.startswith("错误：") and message in err
        assert s.data_version() == version and len(s.audit()) == log and s.township_years() == [2018, 2021]
        s.close()

    @pytest.mark.parametrize("kind", ["no_name_field", "no_crs", "other_county", "duplicates"])
    def test_check_refuses(self, demo, loaded, tmp_path, capsys, kind):
        cases = tmp_path / "cases.geojson"
        cases.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
            "case_id": "A", "kind": "land", "category": 1}, "geometry": {"type": "Point", "coordinates": [113.0, 39.05]}}]}),
            encoding="utf-8")
        assert main(["check", str(cases), "--townships", str(self._layer(tmp_path, kind)), "--db", demo["db"]]) == 2
        assert capsys.readouterr().err.startswith("错误：")

    def test_a_year_that_does_not_fit_the_names(self, demo, loaded, capsys):
        assert main(["load-townships", str(demo["layer"]), "--name-field", "乡镇名称", "--year", "2019",
                     "--db", demo["db"]]) == 2
        assert "与代县 2019 年的区划（2018 年起）不一致" in capsys.readouterr().err


class TestDerive:
    """``load-townships --derive 2021``: the nine townships made from the store's own eleven by the change table,
    the same as the dissolved layer above (no official file needed)."""

    @pytest.fixture
    def fresh(self, tmp_path):
        db = tmp_path / "d.db"
        s = open_store(db, create=True)
        init_demo(s)
        s.close()
        return db

    def test_nine_townships_equal_the_dissolved_layer_and_the_eleven_add_up(self, fresh, tmp_path, capsys):
        eleven = {r["township"]: r for r in stats_json(capsys, "--db", str(fresh))}
        assert main(["load-townships", "--derive", "2021", "--db", str(fresh)]) == 0
        assert "推算出 2021 年起的乡镇界线（9 个乡镇，示意界线，现行区划）" in capsys.readouterr().out
        store = open_store(fresh)
        towns = store.townships()
        assert list(towns["name"]) == NINE and towns["approximate"].all() and store.township_years() == [2018, 2021]
        assert "由滩上镇、峪口乡的界线按区划调整合并" in towns.set_index("name").loc["峪口镇", "source"]
        expected = gpd.read_file(nine_township_layer(tmp_path / "nine.gpkg")).set_index("乡镇名称")
        for name, geom in zip(towns["name"], towns.geometry):
            assert geom.symmetric_difference(expected.loc[name, "geometry"]).area < 1e-12, name
        store.close()
        nine = {r["township"]: r for r in stats_json(capsys, "--db", str(fresh))}
        assert nine["峪口镇"]["land_cases"] == eleven["滩上镇"]["land_cases"] + eleven["峪口乡"]["land_cases"]
        assert nine["枣林镇"]["mining_cases"] == eleven["枣林镇"]["mining_cases"] + eleven["胡峪乡"]["mining_cases"]

    def test_a_year_that_is_not_renames_and_merges_is_refused(self, fresh, capsys):
        assert main(["load-townships", "--derive", "2021", "--db", str(fresh)]) == 0
        assert main(["load-townships", "--derive", "2019", "--db", str(fresh)]) == 2  # 峪口镇 → 滩上镇 or 峪口乡?
        err = capsys.readouterr().err
        assert "无法由现有乡镇界线推算 2019 年的区划：峪口镇 在 2018 年区划中没有唯一对应的乡镇" in err

    def test_a_file_and_derive_together_are_refused(self, fresh, capsys):
        assert main(["load-townships", "x.gpkg", "--derive", "2021", "--db", str(fresh)]) == 2
        assert "二者选一" in capsys.readouterr().err
