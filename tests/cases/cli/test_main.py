"""``python -m cases`` check / stats / init-demo / load-townships, on files built in the tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon, box

from cases.cli.main import main
from tests.conftest import E0, N0
from tests.demo_division import TOWNSHIPS

ROOT = Path(__file__).resolve().parents[3]
KEYS = ["case_id", "township", "townships", "area_m2", "area_mu", "permit_no", "outside_area_m2",
        "outside_area_mu", "max_outside_distance_m", "flags"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "cli.db"
    assert main(["init-demo", "--db", str(path)]) == 0
    return path


def write_cases(path, records, geoms, crs=4526):
    gpd.GeoDataFrame(records, geometry=geoms, crs=crs).to_file(path)
    return path


def cases_file(tmp_path):
    recs = [
        dict(case_id="c1", kind="mining", category=7, township="上馆镇", permit_no="P1", mineral="煤", found_date="2020-01-01"),
        dict(case_id="c2", kind="land", category=2, township="上馆镇", permit_no=None, mineral=None, found_date="2019-07-01"),
    ]
    geoms = [box(E0 + 700, N0 + 300, E0 + 1100, N0 + 700), box(E0 - 300, N0, E0 - 200, N0 + 100)]
    return write_cases(tmp_path / "cases.gpkg", recs, geoms)


def permits_file(tmp_path):
    recs = [dict(permit_no="P1", holder="甲", mineral="煤", valid_from="2018-01-01", valid_to="2022-12-31")]
    path = tmp_path / "permits.geojson"
    gpd.GeoDataFrame(recs, geometry=[box(E0, N0, E0 + 1000, N0 + 1000)], crs=4526).to_crs(4490).to_file(path)
    return path


def test_check_json_contract(tmp_path, db, capsys):
    rc = main(["check", str(cases_file(tmp_path)), "--permits", str(permits_file(tmp_path)), "--db", str(db), "--format", "json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [list(o) for o in out] == [KEYS, KEYS]
    c1 = out[0]
    assert c1["area_m2"] == pytest.approx(160000, abs=1) and c1["outside_area_mu"] == pytest.approx(60, abs=0.01)
    assert c1["max_outside_distance_m"] == pytest.approx(100, abs=0.05)
    assert c1["flags"] == ["OUT_OF_BOUNDS"] and c1["permit_no"] == "P1"
    assert c1["township"] in TOWNSHIPS and c1["townships"][0]["name"] == c1["township"]
    c2 = out[1]
    assert c2["permit_no"] is None and c2["outside_area_m2"] is None and c2["max_outside_distance_m"] is None


@pytest.mark.parametrize("fmt, needle", [("csv", "case_id,township,"), ("table", "越界开采")])
def test_check_other_formats(tmp_path, db, capsys, fmt, needle):
    assert main(["check", str(cases_file(tmp_path)), "--permits", str(permits_file(tmp_path)), "--db", str(db), "--format", fmt]) == 0
    assert needle in capsys.readouterr().out


def test_check_uses_store_permits_by_default(tmp_path, db, capsys):
    recs = [dict(case_id="m", kind="mining", category=6, township="上馆镇", permit_no="NOPE")]
    path = write_cases(tmp_path / "one.geojson", recs, [Point(112.95, 39.07)], crs=4490)
    assert main(["check", str(path), "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["flags"] == ["NO_PERMIT"]


def test_bow_tie_is_repaired_and_said(tmp_path, db, capsys):
    bow = Polygon([(E0, N0), (E0 + 100, N0 + 100), (E0 + 100, N0), (E0, N0 + 100)])
    path = write_cases(tmp_path / "bow.gpkg", [dict(case_id="bow", kind="land", category=2)], [bow])
    assert main(["check", str(path), "--db", str(db), "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert "案件 bow（第 1 个要素）：几何无效" in cap.err and "make_valid" in cap.err
    assert json.loads(cap.out)[0]["area_m2"] == pytest.approx(5000, abs=1)  # two triangles of 2 500 m²


@pytest.mark.parametrize(
    "recs, geoms, crs, match",
    [
        ([dict(case_id="s", kind="land", category=2)], [Point(39.07, 112.95)], 4490, "案件 s（第 1 个要素）：经纬度疑似颠倒"),
        ([dict(case_id="g", kind="land", category=2)], [Point(38_413_000, 4_325_000)], 4490, "疑似高斯-克吕格坐标"),
        ([dict(case_id="k", kind="forest", category=2)], [Point(112.95, 39.07)], 4490, "kind「forest」无效"),
        ([dict(case_id="m", kind="land", category=8)], [Point(112.95, 39.07)], 4490, "category 8 属于采矿类"),
        ([dict(case_id="d", kind="land", category=2, found_date="2019-02-30")], [Point(112.95, 39.07)], 4490, "found_date「2019-02-30」不是有效日期"),
        ([dict(kind="land", category=2)], [Point(112.95, 39.07)], 4490, "缺少必需属性：case_id"),
    ],
)
def test_bad_input_exits_2_naming_the_case(tmp_path, db, capsys, recs, geoms, crs, match):
    path = write_cases(tmp_path / "bad.geojson", recs, geoms, crs=crs)
    assert main(["check", str(path), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert match in err and err.startswith("错误：")


def test_unreadable_and_missing_crs(tmp_path, db, capsys):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a geopackage")
    assert main(["check", str(junk), "--db", str(db)]) == 2
    assert "无法读取案件文件 junk.gpkg" in capsys.readouterr().err
    nocrs = tmp_path / "nocrs.geojson"
    nocrs.write_text('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:99999"}},'
                     '"features":[]}', encoding="utf-8")
    assert main(["check", str(nocrs), "--db", str(db)]) == 2


def test_stats_json_has_all_townships_and_total(db, capsys):
    assert main(["stats", "--db", str(db), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["township"] for r in rows] == list(TOWNSHIPS) + ["合计"]
    total = rows[-1]
    assert total["land_cases"] == 66 and total["mining_cases"] == 44
    assert sum(total[f"cat_{k}"] for k in range(1, 11)) == 110


def test_load_townships_replaces_layer(tmp_path, capsys):
    db = tmp_path / "t.db"
    assert main(["init", "--db", str(db)]) == 0
    geoms = [box(38_400_000 + i * 1000, 4_320_000, 38_401_000 + i * 1000, 4_321_000) for i in range(11)]
    path = tmp_path / "official.gpkg"
    gpd.GeoDataFrame({"XZMC": list(TOWNSHIPS)}, geometry=geoms, crs=4526).to_file(path)
    assert main(["load-townships", str(path), "--name-field", "XZMC", "--db", str(db)]) == 0
    from cases.store import SQLiteStore

    towns = SQLiteStore(db).townships()
    assert list(towns.name) == list(TOWNSHIPS) and not towns.approximate.any()


def test_module_runs_from_repo_root(tmp_path):
    subprocess.run([sys.executable, "-m", "cases", "init-demo", "--db", str(tmp_path / "s.db")], cwd=ROOT,
                   capture_output=True, check=True)
    out = subprocess.run([sys.executable, "-m", "cases", "stats", "--db", str(tmp_path / "s.db"), "--format", "csv"],
                         cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=True)
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("乡镇,用地案件,采矿案件,类别1") and len(lines) == 13
    assert "示意" in out.stderr


def test_init_demo_refuses_to_wipe_real_cases(tmp_path, capsys):
    import datetime as dt

    from cases.model import Case
    from cases.store import SQLiteStore

    db = tmp_path / "real.db"
    s = SQLiteStore(db, create=True)
    s.upsert_cases([Case(case_id="REAL-1", kind="land", category=1, township="上馆镇",
                         found_date=dt.date(2019, 7, 1), geometry=Point(112.95, 39.07))], user="甲")
    s.close()
    assert main(["init-demo", "--db", str(db)]) == 2
    assert "已有 1 个真实案件" in capsys.readouterr().err
    assert SQLiteStore(db).get_case("REAL-1").township == "上馆镇"
    assert main(["init-demo", "--db", str(db), "--force"]) == 0
    backups = list(tmp_path.glob("real.backup-*.db"))
    assert len(backups) == 1 and SQLiteStore(backups[0]).get_case("REAL-1").case_id == "REAL-1"


@pytest.mark.parametrize(
    "point, crs, match",
    [
        (Point(4_325_000, 38_413_000), 4526, "X/Y 疑似颠倒"),
        (Point(37_413_000, 4_325_000), 4526, "带号为 37，不是代县所在的 3 度带第 38 带"),
        (Point(413_000, 4_325_000), 4526, "没有带号，却声明为 EPSG:4526"),
        (Point(38_413_000, 4_325_000), 4547, "却声明为 EPSG:4547"),
    ],
)
def test_projected_coordinates_are_diagnosed(tmp_path, db, capsys, point, crs, match):
    path = write_cases(tmp_path / "gk.gpkg", [dict(case_id="x", kind="land", category=2)], [point], crs=crs)
    assert main(["check", str(path), "--db", str(db)]) == 2
    assert match in capsys.readouterr().err


def test_gk_without_prefix_declared_4547_is_fine(tmp_path, db, capsys):
    path = write_cases(tmp_path / "ok.gpkg", [dict(case_id="x", kind="land", category=2)],
                       [box(413_000, 4_325_000, 413_100, 4_325_100)], crs=4547)
    assert main(["check", str(path), "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["area_m2"] == pytest.approx(10_000, abs=0.5)


@pytest.mark.parametrize(
    "content, match",
    [("", "是空文件（0 字节）"), ('{"type":"FeatureCollection","features":[]}', "没有任何要素")],
)
def test_empty_case_files_are_explained(tmp_path, db, capsys, content, match):
    path = tmp_path / "empty.geojson"
    path.write_text(content, encoding="utf-8")
    assert main(["check", str(path), "--db", str(db)]) == 2
    assert match in capsys.readouterr().err


def test_html_in_text_is_kept_as_text(tmp_path, db, capsys):
    recs = [dict(case_id="<script>alert(1)</script>", kind="land", category=2)]
    path = write_cases(tmp_path / "html.geojson", recs, [Point(112.95, 39.07)], crs=4490)
    assert main(["check", str(path), "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["case_id"] == "<script>alert(1)</script>"


class TestStoreNeverSilentlyCreated:
    """Only init / init-demo (and the app's first run) create a store; every other command refuses."""

    @pytest.mark.parametrize("argv", [["stats"], ["check", "CASES"], ["load-townships", "TOWNS"],
                                      ["import", "LEDGER"], ["export", "OUT.gpkg"],
                                      ["snapshot", "--out", "OUT.png"], ["sheet", "X-1", "--out", "OUT.pdf"]])
    def test_missing_path_is_refused_and_not_created(self, tmp_path, capsys, argv):
        db = tmp_path / "nope" / "missing.db"
        cases = write_cases(tmp_path / "c.gpkg", [{"case_id": "A", "kind": "land", "category": 1}],
                            [box(E0, N0, E0 + 100, N0 + 100)])
        towns = tmp_path / "towns.gpkg"
        gpd.GeoDataFrame({"name": list(TOWNSHIPS)}, geometry=[box(E0 + i * 1000, N0, E0 + i * 1000 + 900, N0 + 900)
                                                              for i in range(len(TOWNSHIPS))], crs=4526).to_file(towns)
        real = {"CASES": str(cases), "TOWNS": str(towns), "LEDGER": str(cases), "OUT.gpkg": str(tmp_path / "o.gpkg"),
                "OUT.png": str(tmp_path / "o.png"), "OUT.pdf": str(tmp_path / "o.pdf")}
        assert main([real.get(a, a) for a in argv] + ["--db", str(db)]) == 2
        assert f"案件库文件不存在：{db}" in capsys.readouterr().err
        assert not db.exists() and not db.parent.exists()

    def test_empty_file_is_refused(self, tmp_path, capsys):
        db = tmp_path / "empty.db"
        db.write_bytes(b"")
        assert main(["stats", "--db", str(db)]) == 2
        assert "是空文件，不是 casemap 案件库" in capsys.readouterr().err
        assert db.stat().st_size == 0

    def test_other_programs_sqlite_is_refused_and_left_alone(self, tmp_path, capsys):
        import sqlite3

        db = tmp_path / "wps.db"
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE contacts (name TEXT)")
        con.commit()
        con.close()
        assert main(["stats", "--db", str(db)]) == 2
        assert "不是 casemap 案件库" in capsys.readouterr().err
        con = sqlite3.connect(db)
        assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["contacts"]
        con.close()

    def test_init_makes_an_empty_store_once(self, tmp_path, capsys):
        from cases.store import open_store

        db = tmp_path / "new.db"
        assert main(["init", "--db", str(db)]) == 0
        store = open_store(db)
        assert store.cases().empty and len(store.townships()) == len(TOWNSHIPS) and not store.county().empty
        store.close()
        assert main(["init", "--db", str(db)]) == 2
        assert "已存在" in capsys.readouterr().err
