"""Criminal-referral thresholds on hand-drawn cases, and the ``check`` command's CRIMINAL_THRESHOLD flag."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import box

from cases.cli.main import main
from cases.triage.referral import FLAG, mined_value_wan, referrals
from cases.triage.rules import Rules
from geo.crs import zone_crs
from tests.conftest import E0, N0, gk_frame

AREA_CRS = zone_crs(38)


def layer(*geoms):
    return gk_frame([{"ref": f"r{i}"} for i in range(len(geoms))], list(geoms))


def land(case_id, geom, **extra):
    return {"case_id": case_id, "kind": "land", "summary": "", **extra}, geom


def run(items, layers, rules=Rules()):
    cases = gk_frame([r for r, _ in items], [g for _, g in items])
    return referrals(cases, layers, rules=rules, area_crs=AREA_CRS).set_index("case_id")


LAYERS = {
    "basic_farmland": layer(box(E0, N0, E0 + 100, N0 + 100)),
    "cropland": layer(box(E0 + 100, N0, E0 + 300, N0 + 100)),
    "urban_boundary": layer(box(E0 + 1000, N0, E0 + 2000, N0 + 1000)),
}


class TestLand:
    def test_whole_case_on_basic_farmland(self):
        r = run([land("A", box(E0, N0, E0 + 100, N0 + 100))], LAYERS).loc["A"]
        assert r["basic_farmland_mu"] == 15.0 and r["cropland_mu"] == 0.0 and r["other_farmland_mu"] == 0.0
        assert [f["rule"] for f in r["fired"]] == ["basic_farmland"]
        assert r["text"] == "涉嫌犯罪，应移送公安：非法占用永久基本农田 15.00 亩（标准 ≥ 5 亩）"

    def test_half_basic_farmland_half_cropland(self):
        r = run([land("B", box(E0 + 50, N0, E0 + 150, N0 + 100))], LAYERS).loc["B"]
        assert r["basic_farmland_mu"] == pytest.approx(7.5) and r["cropland_mu"] == pytest.approx(7.5)
        assert [f["rule"] for f in r["fired"]] == ["basic_farmland"]  # 7.5 亩 of 耕地 is under 10

    def test_cropland_threshold_is_inclusive(self):
        # 100 m × 100 m = 15 亩 of 耕地 only; a 15 亩 threshold fires, 15.01 does not
        item = [land("C", box(E0 + 150, N0, E0 + 250, N0 + 100))]
        assert [f["rule"] for f in run(item, LAYERS, Rules(cropland_mu=15)).loc["C", "fired"]] == ["cropland"]
        assert run(item, LAYERS, Rules(cropland_mu=15.01)).loc["C", "fired"] == []

    def test_other_farmland_outside_every_layer(self):
        r = run([land("D", box(E0 + 400, N0, E0 + 600, N0 + 100))], LAYERS).loc["D"]
        assert r["other_farmland_mu"] == pytest.approx(30.0)
        assert [f["rule"] for f in r["fired"]] == ["other_farmland"]

    def test_inside_the_urban_boundary_is_no_farmland(self):
        assert run([land("E", box(E0 + 1100, N0, E0 + 1300, N0 + 100))], LAYERS).loc["E", "fired"] == []

    def test_no_farmland_layer_no_land_flag(self):
        assert run([land("F", box(E0 + 400, N0, E0 + 600, N0 + 100))], {}).loc["F", "fired"] == []


class TestMining:
    @pytest.mark.parametrize(("text", "value"), [("非法开采石灰岩，矿产品价值约12.5万元", 12.5),
                                                  ("价值 8 万元；又查明价值10万元", 10.0), ("无价值记载", None)])
    def test_value_from_text(self, text, value):
        got = mined_value_wan(gpd.GeoDataFrame({"summary": [text]}))[0]
        assert (got != got) if value is None else got == value

    def test_threshold(self):
        items = [({"case_id": "M1", "kind": "mining", "summary": "矿产品价值12万元"}, box(E0, N0, E0 + 10, N0 + 10)),
                 ({"case_id": "M2", "kind": "mining", "summary": "矿产品价值9.99万元"}, box(E0, N0, E0 + 10, N0 + 10))]
        r = run(items, LAYERS)
        assert [f["rule"] for f in r.loc["M1", "fired"]] == ["mining_value"]
        assert r.loc["M2", "fired"] == []
        assert run(items, LAYERS, Rules(mining_value_wan=9)).loc["M2", "fired"][0]["value"] == 9.99


def test_check_flags_cases_over_a_threshold(tmp_path, capsys):
    db = tmp_path / "d.db"
    assert main(["init-demo", "--db", str(db)]) == 0
    f = tmp_path / "bf.gpkg"
    gpd.GeoDataFrame({"name": ["田"]}, geometry=[box(E0 - 500, N0 - 500, E0 + 500, N0 + 500)], crs=4526).to_file(f)
    assert main(["load-layer", "基本农田", str(f), "--db", str(db)]) == 0
    cases = tmp_path / "cases.gpkg"
    gpd.GeoDataFrame([{"case_id": "X1", "kind": "land", "category": 2, "township": "上馆镇"},
                      {"case_id": "X2", "kind": "land", "category": 2, "township": "上馆镇"}],
                     geometry=[box(E0, N0, E0 + 100, N0 + 100), box(E0, N0, E0 + 20, N0 + 20)], crs=4526).to_file(cases)
    capsys.readouterr()
    assert main(["check", str(cases), "--db", str(db), "--format", "json"]) == 0
    out = capsys.readouterr()
    flags = {r["case_id"]: r["flags"] for r in json.loads(out.out)}
    assert FLAG in flags["X1"] and FLAG not in flags["X2"]
    assert "案件 X1：涉嫌犯罪，应移送公安：非法占用永久基本农田 15.00 亩（标准 ≥ 5 亩）" in out.err
    assert main(["check", str(cases), "--db", str(db), "--format", "table"]) == 0
    assert "CRIMINAL_THRESHOLD(涉嫌犯罪，应移送公安)" in capsys.readouterr().out


def test_referrals_command_lists_cases_and_townships(tmp_path, capsys):
    db = tmp_path / "d.db"
    assert main(["init-demo", "--db", str(db)]) == 0
    assert main(["load-layer", "--demo", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["referrals", "--db", str(db), "--format", "json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert recs and all(set(r) == {"case_id", "township", "rules", "criminal_persons"} for r in recs)
    assert all(r["rules"][0]["value"] >= r["rules"][0]["threshold"] for r in recs)
    assert main(["referrals", "--db", str(db), "--by-township", "--format", "json"]) == 0
    towns = json.loads(capsys.readouterr().out)
    assert sum(t["cases_over"] for t in towns) == len(recs)
    assert all(t["criminal_persons_over"] <= t["criminal_persons"] for t in towns)
