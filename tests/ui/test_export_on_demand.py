"""导入导出 → 导出: no file is built until its download is asked for; then it is the real file, cached per version."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from cases.accounts import get_account
from cases.output.exports import export_name
from cases.store import open_store
from tests.ui.conftest import page_app
from ui.pages import page_import


def _counting(monkeypatch) -> list[str]:
    built: list[str] = []
    real = page_import.export_bytes

    def counted(store, fmt, **kw):
        built.append(fmt)
        return real(store, fmt, **kw)

    monkeypatch.setattr(page_import, "export_bytes", counted)
    page_import._export_file.clear()
    return built


def test_visiting_the_page_builds_no_export(demo_db, monkeypatch):
    built = _counting(monkeypatch)
    at = page_app("page_import").run()
    assert not at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 7
    assert built == []  # before: all seven files were built on every visit
    assert all(b.proto.HasField("deferred_file_id") for b in buttons)


def test_a_download_builds_its_file_once_per_version(demo_db, monkeypatch):
    built = _counting(monkeypatch)
    at = page_app("page_import").run()
    assert not at.exception
    store = open_store(demo_db)
    who = get_account(store, "测试管理员")
    assert export_name(store, "land.xlsx", township="峨口镇") == "代县违法违规用地清单_峨口镇.xlsx"
    store.close_all()
    data = page_import._export_file(str(demo_db), 1, "land.xlsx", None, "county:", who)
    again = page_import._export_file(str(demo_db), 1, "land.xlsx", None, "county:", who)
    assert data == again and built == ["land.xlsx"]
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert "违法违规用地清单" in str(ws.cell(2, 1).value or ws.cell(1, 1).value)
    kmz = page_import._export_file(str(demo_db), 1, ".kmz", "峨口镇", "county:", who)
    assert zipfile.ZipFile(io.BytesIO(kmz)).namelist() and built == ["land.xlsx", ".kmz"]
