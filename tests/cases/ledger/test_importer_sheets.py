"""A workbook with both 附件2 and 附件3 sheets: every row message names its sheet, as row numbers repeat."""

from __future__ import annotations

import openpyxl
import pytest

from cases.ledger.importer import import_ledger
from geo.errors import RowErrors
from tests.cases.ledger_fixtures import EKOU, empty_store, land_rows, write_township_ledger


def _workbook(tmp_path):
    rows = land_rows()
    rows[1][5] = "2019-13-45"  # row 8 of 附件2: a bad 立案时间
    land = write_township_ledger(tmp_path / "land.xlsx", rows, extra={"经度": [EKOU[0]] * 3, "纬度": [EKOU[1]] * 3})
    wb = openpyxl.load_workbook(land)
    ws = wb.copy_worksheet(wb["附件2"])  # the same layout as a second sheet, retitled 附件3 (mining)
    ws.title = "附件3"
    ws["A1"], ws["A2"] = "附件3", "代县非法违法采矿清单"
    ws["J5"] = "备注"  # 附件3 has no 移送法院执行情况: the column becomes a second 备注 and is ignored
    ws["F8"] = "2019.6.4"
    ws["F9"] = "不是日期"  # row 9 of 附件3: a bad 立案时间
    path = tmp_path / "both.xlsx"
    wb.save(path)
    return path


def test_row_errors_name_their_sheet(tmp_path):
    store = empty_store(tmp_path / "s.db")
    with pytest.raises(RowErrors) as exc:
        import_ledger(store, _workbook(tmp_path))
    assert exc.value.errors == [
        "工作表「附件2」第 8 行 F 列（立案时间）：「2019-13-45」不是有效日期，应为 2019-06-04、2019.6.4 或 2019年6月4日",
        "工作表「附件3」第 9 行 F 列（立案时间）：「不是日期」不是有效日期，应为 2019-06-04、2019.6.4 或 2019年6月4日",
    ]
    assert store.cases().empty
