"""``python -m cases init --county ADCODE [--name NAME]``: an empty store for any county-level division."""

from __future__ import annotations

import pytest

from cases.cli.main import main
from cases.county import county_of
from cases.service import NO_TOWNSHIPS_NOTE
from cases.store import open_store


class TestInitCounty:
    def test_any_county_gets_its_outline_and_zone_and_no_townships(self, tmp_path, capsys):
        db = tmp_path / "fk.db"
        assert main(["init", "--county", "210124", "--db", str(db)]) == 0
        out = capsys.readouterr().out
        assert "法库县（行政区划代码 210124），CGCS2000 3 度带第 41 带（中央经线 123°E，EPSG:4529 带带号 / EPSG:4550 不带带号）" in out
        assert "未加载乡镇界线" in out
        store = open_store(db)
        assert county_of(store).zone == 41 and store.townships().empty and len(store.county()) == 1
        store.close_all()

    def test_name_overrides(self, tmp_path):
        db = tmp_path / "fk.db"
        assert main(["init", "--county", "210124", "--name", "法库", "--db", str(db)]) == 0
        store = open_store(db)
        assert county_of(store).name == "法库"
        store.close_all()

    def test_stats_of_a_store_without_townships_says_so(self, tmp_path, capsys):
        db = tmp_path / "fk.db"
        assert main(["init", "--county", "210124", "--db", str(db)]) == 0
        capsys.readouterr()
        assert main(["stats", "--db", str(db)]) == 0
        assert NO_TOWNSHIPS_NOTE in capsys.readouterr().out

    @pytest.mark.parametrize("adcode, message", [
        ("999999", "错误：没有行政区划代码为 999999 的县级行政区"),
        ("21012", "错误：行政区划代码「21012」应为 6 位数字"),
    ])
    def test_bad_adcode_exits_2_and_writes_nothing(self, tmp_path, capsys, adcode, message):
        db = tmp_path / "x.db"
        assert main(["init", "--county", adcode, "--db", str(db)]) == 2
        assert message in capsys.readouterr().err
        assert list(tmp_path.iterdir()) == []

    def test_existing_file_refused(self, tmp_path, capsys):
        db = tmp_path / "fk.db"
        assert main(["init", "--county", "210124", "--db", str(db)]) == 0
        assert main(["init", "--county", "210124", "--db", str(db)]) == 2
        assert "已存在" in capsys.readouterr().err


def test_init_without_county_is_daixian_as_before(tmp_path, capsys):
    db = tmp_path / "dx.db"
    assert main(["init", "--db", str(db)]) == 0
    assert capsys.readouterr().out == (
        f"已新建案件库 {db}（含县界和乡镇界线，没有案件）；可用 import、import-permits 导入台账和许可证。\n")
    store = open_store(db)
    assert county_of(store).adcode == "140923" and len(store.townships()) == 11
    store.close_all()
