"""Exports, snapshots and bulletins by the township in the current (or shown) division, old names translated.

The demo store (the 2018 eleven) gets today's nine townships loaded with ``load-townships``; 峪口镇 = 滩上镇 + 峪口乡.
"""

from __future__ import annotations

import io
import json

import docx
import geopandas as gpd
import pytest
from openpyxl import load_workbook

from cases.cli.main import main
from cases.demo import init_demo
from cases.filters import parse_filters
from cases.output.exports import export_bytes
from cases.output.snapshots import SnapshotRequest, snapshot_content
from cases.store import open_store
from tests.cases.cli.test_divisions_cli import nine_township_layer


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """A demo store with today's nine-township division loaded over it (2021)."""
    folder = tmp_path_factory.mktemp("exp")
    path = folder / "demo.db"
    store = open_store(path, create=True)
    init_demo(store)
    store.close_all()
    assert main(["load-townships", str(nine_township_layer(folder / "nine.gpkg")), "--name-field", "乡镇名称",
                 "--db", str(path)]) == 0
    return str(path)


@pytest.fixture(scope="module")
def old_db(tmp_path_factory):
    """The demo store without the 2021 division (the 2018 eleven are current)."""
    path = tmp_path_factory.mktemp("old") / "demo.db"
    store = open_store(path, create=True)
    init_demo(store)
    store.close_all()
    return str(path)


def declared(db: str, *names: str, kind: str | None = None) -> set[str]:
    store = open_store(db)
    cases = store.cases()
    store.close_all()
    keep = cases["township"].isin(names) & (cases["kind"] == kind if kind else True)
    return set(cases.loc[keep, "case_id"])


def exported_ids(path) -> set[str]:
    frame = gpd.read_file(path)
    return set(frame.loc[frame["layer"] == "case", "case_id"])


def ledger_ids(path) -> set[str]:
    ws = load_workbook(path).active
    header = next(r for r in ws.iter_rows(values_only=True) if "案件编号" in r)
    col = header.index("案件编号")
    return {r[col] for r in ws.iter_rows(values_only=True) if r[col] and str(r[col]).startswith(("YD-", "CK-"))}


class TestExport:
    def test_the_current_township_holds_its_parts(self, db, tmp_path, capsys):
        out = tmp_path / "yukou.geojson"
        assert main(["export", str(out), "--township", "峪口镇", "--db", db]) == 0
        assert exported_ids(out) == declared(db, "滩上镇", "峪口乡") != set()
        assert "在现行区划中为" not in capsys.readouterr().out

    def test_an_old_name_is_translated_with_a_note(self, db, tmp_path, capsys):
        out = tmp_path / "tan.geojson"
        assert main(["export", str(out), "--township", "滩上镇", "--db", db]) == 0
        printed = capsys.readouterr().out
        assert exported_ids(out) == declared(db, "滩上镇", "峪口乡")
        assert "提示：注意：乡镇「滩上镇」在现行区划中为峪口镇（区划调整），按峪口镇的案件" in printed
        assert f"已导出 {len(declared(db, '滩上镇', '峪口乡'))} 个案件" in printed

    def test_an_unchanged_township_exports_as_before(self, db, tmp_path):
        out = tmp_path / "ekou.geojson"
        assert main(["export", str(out), "--township", "峨口镇", "--db", db]) == 0
        assert exported_ids(out) == declared(db, "峨口镇")

    def test_before_the_merge_the_old_township_is_its_own(self, old_db, tmp_path):
        out = tmp_path / "tan.geojson"
        assert main(["export", str(out), "--township", "滩上镇", "--db", old_db]) == 0
        assert exported_ids(out) == declared(old_db, "滩上镇")


class TestExportLedger:
    @pytest.mark.parametrize("name", ["峪口镇", "滩上镇", "峪口乡"])
    def test_rows_of_the_current_township(self, db, tmp_path, capsys, name):
        out = tmp_path / "land.xlsx"
        assert main(["export-ledger", "--kind", "land", "--township", name, "--out", str(out), "--db", db]) == 0
        want = declared(db, "滩上镇", "峪口乡", kind="land")
        printed = capsys.readouterr().out
        assert f"已导出违法违规用地清单（附件2） {len(want)} 行" in printed
        assert ledger_ids(out) == want != set()
        assert ("在现行区划中为峪口镇" in printed) == (name != "峪口镇")
        assert "填报单位：峪口镇人民政府" in [c for r in load_workbook(out).active.iter_rows(values_only=True)
                                           for c in r if c]

    def test_the_app_download_uses_the_same_rule(self, db):
        store = open_store(db)
        name, data = export_bytes(store, "mining.xlsx", township="滩上镇")
        store.close_all()
        assert name.endswith("_滩上镇.xlsx") and data


class TestSnapshotAndBulletin:
    def content(self, db, **request):
        store = open_store(db)
        try:
            return snapshot_content(store, SnapshotRequest(**request))[0]
        finally:
            store.close_all()

    @pytest.mark.parametrize("name", ["峪口镇", "滩上镇"])
    def test_the_filter_matches_the_current_township(self, db, name):
        content = self.content(db, case_filter=parse_filters([f"township={name}"]))
        assert set(content.cases["case_id"]) == declared(db, "滩上镇", "峪口乡")
        assert "（筛选：乡镇=峪口镇）" in content.area_name

    def test_in_a_past_division_the_merged_name_means_its_parts(self, db):
        content = self.content(db, case_filter=parse_filters(["township=峪口镇"]), division=2019)
        assert set(content.cases["case_id"]) == declared(db, "滩上镇", "峪口乡")
        assert set(content.townships["name"]) >= {"滩上镇", "峪口乡"}
        only = self.content(db, case_filter=parse_filters(["township=滩上镇"]), division=2019)
        assert set(only.cases["case_id"]) == declared(db, "滩上镇")

    def test_snapshot_division_option(self, db, tmp_path, capsys):
        out = tmp_path / "map.png"
        assert main(["snapshot", "--division", "2019", "--filter", "township=峪口镇", "--dpi", "40",
                     "--out", str(out), "--db", db]) == 0
        assert out.stat().st_size > 0 and "已生成地图" in capsys.readouterr().out

    def test_bulletin_division_option(self, db, tmp_path, capsys):
        out = tmp_path / "b.docx"
        assert main(["bulletin", "--date", "2019-11-15", "--division", "2019", "--out", str(out), "--db", db]) == 0
        assert "已生成通报" in capsys.readouterr().out
        text = "\n".join(c.text for t in docx.Document(out).tables for r in t.rows for c in r.cells)
        assert "滩上镇" in text and "峪口乡" in text

    def test_stats_are_unchanged_by_these_options(self, db, capsys):
        assert main(["stats", "--format", "json", "--db", db]) == 0
        assert "峪口镇" in {r["township"] for r in json.loads(capsys.readouterr().out)}


class TestUserAdd:
    def test_an_old_township_name_is_refused_naming_the_new_one(self, db, tmp_path, capsys, monkeypatch):
        store = open_store(db)
        copy = store.backup(tmp_path / "users.db")
        store.close_all()
        monkeypatch.setattr("sys.stdin", io.StringIO("tan-password\n"))
        assert main(["user", "add", "滩上干部", "--role", "township", "--township", "滩上镇", "--password-stdin",
                     "--db", str(copy)]) == 2
        assert "「滩上镇」已并入或更名为峪口镇（现行区划），请用 --township 峪口镇" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO("yukou-password\n"))
        assert main(["user", "add", "峪口干部", "--role", "township", "--township", "峪口镇", "--password-stdin",
                     "--db", str(copy)]) == 0
