"""The import preview marks every row that blocks the import, also for formula, merge and duplicate errors."""

from __future__ import annotations

from cases.ledger.importer import read_ledger
from tests.cases.ledger_fixtures import EKOU, land_rows, write_township_ledger


def _rows_with_points():
    rows = land_rows()
    return rows, {"经度": [EKOU[0]] * len(rows), "纬度": [EKOU[1]] * len(rows)}


def test_formula_without_result_marks_its_row(tmp_path):
    rows, extra = _rows_with_points()
    rows[1][7] = "=1+1"  # 追刑情况 as a formula saved without a cached result
    parsed = read_ledger(write_township_ledger(tmp_path / "f.xlsx", rows, extra=extra))
    msg = "第 8 行 H 列（追刑情况（人））：是公式「=1+1」且没有保存计算结果；请在 Excel 中打开并保存，或改为填写数值"
    assert parsed.all_errors == [msg]
    frame = parsed.preview().set_index("行号")
    assert frame.loc[8, "错误"] == msg
    assert frame.loc[7, "错误"] == "" and frame.loc[9, "错误"] == ""


def test_duplicate_sequence_marks_the_second_row(tmp_path):
    rows, extra = _rows_with_points()
    rows[2][0] = 2  # two rows numbered 2 → the same generated case id
    parsed = read_ledger(write_township_ledger(tmp_path / "d.xlsx", rows, extra=extra))
    msg = "第 9 行：生成的案件编号「YD-峨口镇-002」与第 8 行相同（序号重复）；请修改序号或填写案件编号"
    assert parsed.all_errors == [msg]
    frame = parsed.preview().set_index("行号")
    assert frame.loc[9, "错误"] == msg
    assert (frame["错误"] != "").sum() == 1
