"""``python -m cases load-layer`` / ``triage`` / ``set-rules`` on the shipped demo layers and patches, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Polygon, box

from cases.cli.main import main
from cases.store import open_store
from cases.triage.layers import DEMO_DIR, KINDS, stored_layer
from cases.triage.patches import RESULT_KEYS
from tests.conftest import E0, N0

PATCHES = DEMO_DIR / "patches_2019.geojson"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("triage") / "demo.db"
    assert main(["init-demo", "--db", str(path)]) == 0
    for kind, name in KINDS.items():  # codes and Chinese names both work
        arg = name if kind in ("cropland", "facility_ag") else kind
        assert main(["load-layer", arg, str(DEMO_DIR / f"{kind}.geojson"), "--db", str(path)]) == 0
    return path


@pytest.fixture
def db_copy(db, tmp_path):
    target = tmp_path / "copy.db"
    shutil.copy(db, target)
    for ext in ("-wal", "-shm"):
        if Path(str(db) + ext).exists():
            shutil.copy(str(db) + ext, str(target) + ext)
    return target


def triage_json(db, capsys, *extra) -> list[dict]:
    capsys.readouterr()
    assert main(["triage", str(PATCHES), "--db", str(db), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


class TestLoadLayer:
    def test_references_and_audit_survive(self, db):
        store = open_store(db)
        approved = stored_layer(store, "approved_land")
        assert len(approved) == 39 and "示例批〔2018〕1号" in set(approved["ref"])
        assert approved["demo"].eq(False).all()  # loaded by hand, not by the demo loader
        log = store.audit()
        assert {f"layer:{k}" for k in KINDS} <= set(log["action"])
        store.close_all()

    def test_replacing_a_layer_replaces_it(self, db_copy, tmp_path):
        f = tmp_path / "one.gpkg"
        gpd.GeoDataFrame({"批文号": ["新批1"]}, geometry=[box(E0, N0, E0 + 100, N0 + 100)], crs=4526).to_file(f)
        assert main(["load-layer", "批准用地", str(f), "--db", str(db_copy)]) == 0
        store = open_store(db_copy)
        assert list(stored_layer(store, "approved_land")["ref"]) == ["新批1"]
        store.close_all()

    def test_unknown_kind_is_refused(self, db, capsys):
        assert main(["load-layer", "林地", str(DEMO_DIR / "cropland.geojson"), "--db", str(db)]) == 2
        assert "参考图层类型「林地」无效" in capsys.readouterr().err

    def test_layer_without_crs_is_refused_and_nothing_changes(self, db_copy, tmp_path, capsys):
        f = tmp_path / "nocrs.shp"
        with pytest.warns(UserWarning, match="crs"):
            gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(E0, N0, E0 + 100, N0 + 100)]).to_file(f)
        assert main(["load-layer", "cropland", str(f), "--db", str(db_copy)]) == 2
        assert "未声明坐标系" in capsys.readouterr().err
        store = open_store(db_copy)
        assert len(stored_layer(store, "cropland")) == 34
        store.close_all()


class TestTriageDemo:
    def test_json_keys_and_judgements(self, db, capsys):
        recs = triage_json(db, capsys)
        assert len(recs) == 50
        assert all(list(r) == list(RESULT_KEYS) for r in recs)
        assert all(set(r["overlaps"]) == {*KINDS, "permit"} for r in recs)
        counts = {s: sum(r["suggestion"] == s for r in recs) for s in ("合法", "疑似违法", "需核实")}
        assert counts == {"合法": 24, "疑似违法": 14, "需核实": 12}
        first = recs[0]
        assert first["suggestion"] == "合法" and first["covered_share"] == 1.0
        assert first["covered_by"][0]["layer"] == "approved_land" and first["covered_by"][0]["ref"].startswith("示例批")
        assert all(r["township"] for r in recs)

    def test_xlsx_ledger_is_signable(self, db, tmp_path, capsys):
        out = tmp_path / "台账.xlsx"
        assert main(["triage", str(PATCHES), "--db", str(db), "--format", "csv", "--out", str(out),
                     "--year", "2019"]) == 0
        ws = openpyxl.load_workbook(out).active
        assert "2019 年度土地卫片执法检查图斑核查台账" in ws["A1"].value
        assert ws["A2"].value.startswith("数据截至：")
        headers = [c.value for c in ws[3]]
        assert headers[:4] == ["序号", "图斑编号", "所在乡镇", "面积（亩）"]
        assert "核实结论（合法/违法/伪变化）" in headers and "理由" in headers
        ids = [ws.cell(row=r, column=2).value for r in range(4, 54)]
        assert ids[0] == "示例-2019-0001" and ids[-1] == "示例-2019-0050"
        assert "核查人" in ws.cell(row=55, column=1).value

    def test_gpkg_out(self, db, tmp_path):
        out = tmp_path / "judged.gpkg"
        assert main(["triage", str(PATCHES), "--db", str(db), "--format", "table", "--out", str(out)]) == 0
        back = gpd.read_file(out)
        assert len(back) == 50 and {"patch_id", "suggestion", "reason", "covered_share"} <= set(back.columns)
        assert {"图斑类型", "监测面积", "前时相", "后时相"} <= set(back.columns)  # the patch file's own fields stay

    def test_patches_over_cases_are_recognised(self, db, capsys):
        capsys.readouterr()
        assert main(["triage", str(PATCHES), "--db", str(db), "--format", "csv"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert sum("已有案件 YD-2019-" in line for line in lines) == 6


def _write(path: Path, ids, geoms, crs=4526):
    gpd.GeoDataFrame({"图斑编号": ids}, geometry=geoms, crs=crs).to_file(path)
    return path


class TestBadInput:
    def run(self, db, f, capsys, *extra, out: Path | None = None) -> str:
        capsys.readouterr()
        args = ["triage", str(f), "--db", str(db), "--format", "json", *extra]
        assert main(args + (["--out", str(out)] if out else [])) == 2
        if out is not None:
            assert not out.exists()
        return capsys.readouterr().err

    def test_no_crs(self, db, tmp_path, capsys):
        f = tmp_path / "p.shp"
        with pytest.warns(UserWarning, match="crs"):
            gpd.GeoDataFrame({"patch_id": ["A"]}, geometry=[box(E0, N0, E0 + 10, N0 + 10)]).to_file(f)
        assert "未声明坐标系" in self.run(db, f, capsys, out=tmp_path / "o.xlsx")

    def test_duplicate_ids(self, db, tmp_path, capsys):
        f = _write(tmp_path / "p.gpkg", ["A", "A"], [box(E0, N0, E0 + 10, N0 + 10), box(E0 + 20, N0, E0 + 30, N0 + 10)])
        assert "图斑编号 A 重复出现 2 次" in self.run(db, f, capsys, out=tmp_path / "o.xlsx")

    def test_invalid_polygon(self, db, tmp_path, capsys):
        bowtie = Polygon([(E0, N0), (E0 + 100, N0 + 100), (E0 + 100, N0), (E0, N0 + 100)])
        f = _write(tmp_path / "p.gpkg", ["A", "B"], [box(E0, N0, E0 + 10, N0 + 10), bowtie])
        err = self.run(db, f, capsys)
        assert "第 2 个图斑（图斑编号 B）：面无效" in err

    def test_outside_the_county(self, db, tmp_path, capsys):
        store = open_store(db)
        x0, y0, _, _ = store.county().to_crs(4526).total_bounds
        store.close_all()
        f = _write(tmp_path / "p.gpkg", ["A"], [box(x0 - 2000, y0 - 2000, x0 - 1900, y0 - 1900)])
        assert "不在本县范围内" in self.run(db, f, capsys)

    def test_unsupported_out_suffix(self, db, tmp_path, capsys):
        assert "应为 .xlsx（核查台账）或 .gpkg" in self.run(db, PATCHES, capsys, out=tmp_path / "o.csv")

    def test_missing_id_field(self, db, capsys):
        assert "没有字段「TBBH」" in self.run(db, PATCHES, capsys, "--id-field", "TBBH")

    @pytest.mark.parametrize(("rules", "message"), [
        ({"triage": {"legal": 0.9}}, "未知的键「triage.legal」"),
        ({"penalties": {}}, "未知的键「penalties」"),
        ({"criminal": {"cropland_mu": -1}}, "不能为负数"),
        ({"triage": {"legal_share": 95}}, "应在 0 到 1 之间"),
        ({"triage": {"illegal_share": 0.9, "legal_share": 0.5}}, "应小于"),
        ({"criminal": {"mining_value_wan": "十万"}}, "不是数字"),
    ])
    def test_bad_rule_file(self, db, tmp_path, capsys, rules, message):
        f = tmp_path / "rules.json"
        f.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
        err = self.run(db, PATCHES, capsys, "--rules", str(f), out=tmp_path / "o.xlsx")
        assert message in err and "rules.json" in err


def test_rules_file_and_stored_rules_change_the_judgement(db_copy, tmp_path, capsys):
    f = tmp_path / "宽松.json"
    f.write_text(json.dumps({"triage": {"legal_share": 0.4}}), encoding="utf-8")
    assert sum(r["suggestion"] == "合法" for r in triage_json(db_copy, capsys, "--rules", str(f))) > 24
    assert main(["set-rules", str(f), "--db", str(db_copy)]) == 0
    assert sum(r["suggestion"] == "合法" for r in triage_json(db_copy, capsys)) > 24


def test_demo_layers_load_in_one_command(db_copy, capsys):
    capsys.readouterr()
    assert main(["load-layer", "--demo", "--db", str(db_copy)]) == 0
    assert "示例数据" in capsys.readouterr().out
    store = open_store(db_copy)
    from cases.triage.layers import layer_summary

    info = {i.kind: i for i in layer_summary(store)}
    store.close_all()
    assert list(info) == list(KINDS) and all(i.demo for i in info.values())
    assert info["approved_land"].features == 39 and info["approved_land"].area_mu > 0


def test_load_layer_needs_kind_and_file(db, capsys):
    assert main(["load-layer", "--db", str(db)]) == 2
    assert "load-layer KIND FILE" in capsys.readouterr().err


def test_township_accounts_check_without_referral_and_cannot_triage(db_copy, capsys, monkeypatch):
    from cases import accounts

    store = open_store(db_copy)
    accounts.add_user(store, "县管理员", role="county", password="pw-123456", by="测试")
    accounts.add_user(store, "峨口干部", role="township", township="峨口镇", password="pw-123456", by="测试")
    cases = store.cases()
    store.close_all()
    monkeypatch.setenv("CASEMAP_PASSWORD", "pw-123456")
    f = db_copy.parent / "cases.gpkg"
    cases[cases["township"] == "峨口镇"][["case_id", "kind", "category", "township", "geometry"]].to_file(f)
    capsys.readouterr()
    assert main(["check", str(f), "--db", str(db_copy), "--format", "json", "--user", "峨口干部"]) == 0
    assert "未核查涉嫌犯罪移送标准" in capsys.readouterr().err
    assert main(["triage", str(PATCHES), "--db", str(db_copy), "--format", "json", "--user", "峨口干部"]) == 2
    assert "仅领导组/县级账号可读" in capsys.readouterr().err
    assert main(["triage", str(PATCHES), "--db", str(db_copy), "--format", "json", "--user", "县管理员"]) == 0
