"""CLI: import, import-permits, export-ledger, export."""

from __future__ import annotations

import openpyxl

from cases.cli.main import main
from cases.store import SQLiteStore
from tests.cases.ledger.test_corners import _permit_text
from tests.cases.ledger_fixtures import EKOU, square_wkt, write_township_ledger


def _ledger(tmp_path, rows=None):
    extra = {"坐标（WKT）": [square_wkt(EKOU[0] + 0.002 * i, EKOU[1]) for i in range(3)]}
    return write_township_ledger(tmp_path / "峨口镇台账.xlsx", rows, extra=extra)


def test_import_dry_run_then_import_then_reimport(tmp_path, capsys):
    db = tmp_path / "c.db"
    assert main(["init", "--db", str(db)]) == 0
    path = _ledger(tmp_path)
    assert main(["import", str(path), "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "将导入 3 个案件：新增 3 个，变更 0 个，未变 0 个（试运行，未写入）" in out.out
    assert "填报单位：峨口镇人民政府" in out.out and "导入进度" in out.err
    assert SQLiteStore(db).cases().empty
    assert main(["import", str(path), "--db", str(db), "--kind", "land"]) == 0
    assert "已导入 3 个案件：新增 3 个" in capsys.readouterr().out
    assert main(["import", str(path), "--db", str(db)]) == 0
    assert "新增 0 个，变更 0 个，未变 3 个" in capsys.readouterr().out
    assert len(SQLiteStore(db).cases()) == 3


def test_import_bad_row_exit_2_and_nothing_written(tmp_path, capsys):
    from tests.cases.ledger_fixtures import land_rows

    rows = land_rows()
    rows[1][8] = "两人"
    db = tmp_path / "c.db"
    assert main(["init", "--db", str(db)]) == 0
    assert main(["import", str(_ledger(tmp_path, rows)), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "错误：峨口镇台账.xlsx：发现 1 处错误，未写入任何数据：" in err
    assert "第 8 行 I 列（追责情况（人））：「两人」不是人数，应填整数（如 2）" in err
    assert SQLiteStore(db).cases().empty


def test_import_permits_and_exports(tmp_path, capsys):
    db = tmp_path / "c.db"
    assert main(["init", "--db", str(db)]) == 0
    (tmp_path / "p.txt").write_text(_permit_text(), encoding="utf-8")
    assert main(["import-permits", str(tmp_path / "p.txt"), "--db", str(db)]) == 0
    assert "已导入 1 个采矿许可证：新增 1 个，更新 0 个" in capsys.readouterr().out
    assert main(["import", str(_ledger(tmp_path)), "--db", str(db)]) == 0
    out = tmp_path / "land.xlsx"
    assert main(["export-ledger", "--kind", "land", "--township", "峨口镇", "--out", str(out), "--db", str(db)]) == 0
    assert "已导出违法违规用地清单（附件2） 3 行" in capsys.readouterr().out
    assert openpyxl.load_workbook(out).active["A2"].value == "代县违法违规用地清单"
    for name in ("x.gpkg", "x.shp.zip", "x.geojson", "x.kml", "x.kmz"):
        assert main(["export", str(tmp_path / name), "--db", str(db)]) == 0
        assert "已导出 3 个案件、1 个采矿许可证" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "x.dxf"), "--db", str(db)]) == 2
    assert "不支持的输出格式：x.dxf" in capsys.readouterr().err
