"""开采矿产品价值（万元） in 附件3: written in the grey casemap block, read back on import, bad values named."""

from __future__ import annotations

import openpyxl
import pytest
from shapely.geometry import Point

from cases.ledger.importer import import_ledger
from cases.ledger.layout import EXTRA_GROUP
from cases.ledger.writer import write_ledger
from cases.model import Case
from geo.errors import RowErrors
from tests.cases.ledger_fixtures import empty_store

LABEL = "开采矿产品价值（万元）"
FIRST = 7  # 附件3: title rows 1–3, three header rows 4–6


def _mine(case_id: str, seq: int, value: float | None) -> Case:
    return Case(case_id=case_id, kind="mining", category=6, township="峨口镇", geometry=Point(113.2 + seq / 1000, 39.085),
                seq=seq, summary=f"王某{seq}在峨口镇无证开采石灰岩", mineral="石灰岩", mined_value_wan=value)


@pytest.fixture
def exported(tmp_path):
    store = empty_store(tmp_path / "s.db")
    store.upsert_cases([_mine("CK-1", 1, 12.5), _mine("CK-2", 2, None)], user="t")
    path = write_ledger(store.cases(), tmp_path / "m.xlsx", kind="mining")
    yield store, path
    store.close_all()


def _column(ws) -> int:
    """The column (1-based) whose header (row 5, under the group label of row 4) is the field's label."""
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(5, c).value == LABEL)


def _set_cell(path, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.cell(FIRST, _column(ws), value=value)
    wb.save(path)


def test_the_value_is_in_the_grey_block_not_an_official_column(exported):
    _, path = exported
    ws = openpyxl.load_workbook(path).active
    col = _column(ws)
    group = next(c for c in range(1, ws.max_column + 1) if ws.cell(4, c).value == EXTRA_GROUP)
    assert col > group  # right of the official 附件3 columns, under casemap 管理信息
    assert ws.cell(5, col).fill.fgColor.rgb.endswith("EDEDED") and ws.cell(FIRST, col).fill.fgColor.rgb.endswith("EDEDED")
    assert [ws.cell(FIRST, col).value, ws.cell(FIRST + 1, col).value] == [12.5, None]


def test_export_then_import_changes_nothing(exported):
    store, path = exported
    rep = import_ledger(store, path, dry_run=True)
    assert (sorted(rep.unchanged), rep.changed, rep.added) == (["CK-1", "CK-2"], {}, [])
    fresh = empty_store(path.with_name("fresh.db"))
    try:
        import_ledger(fresh, path)
        assert [fresh.get_case("CK-1").mined_value_wan, fresh.get_case("CK-2").mined_value_wan] == [12.5, None]
    finally:
        fresh.close_all()


def test_a_changed_value_is_read_in_wan(exported):
    store, path = exported
    _set_cell(path, "200000元")  # 20 万元
    rep = import_ledger(store, path)
    assert rep.changed == {"CK-1": [LABEL]}
    assert store.get_case("CK-1").mined_value_wan == 20.0


@pytest.mark.parametrize(("cell", "reason"), [
    ("abc", "「abc」不是开采矿产品价值，应填万元数（如 12.5），不知道时留空"),
    (-3, "开采矿产品价值不能为负数（-3），应填万元数（如 12.5）"),
])
def test_a_bad_value_names_row_and_column_and_writes_nothing(exported, cell, reason):
    store, path = exported
    col = openpyxl.utils.get_column_letter(_column(openpyxl.load_workbook(path).active))
    _set_cell(path, cell)
    before = store.data_version()
    with pytest.raises(RowErrors) as err:
        import_ledger(store, path)
    assert err.value.errors == [f"第 {FIRST} 行 {col} 列（{LABEL}）：{reason}"]
    assert store.data_version() == before and store.get_case("CK-1").mined_value_wan == 12.5
