"""Ledger import messages: a 拐点 cell with too few points, a swapped-X/Y note, a blank longitude."""

from __future__ import annotations

import pytest


def _flat_csv(path, coord=None, lon=None, lat=None):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["序号", "责任乡镇", "基本情况（摘要）", "坐标", "经度", "纬度"])
    w.writerow([1, "峨口镇", "张某2019年5月在峨口镇西河村非法占地2亩", coord or "", lon or "", lat or ""])
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def test_corner_cell_with_two_points_says_so(tmp_path):
    from cases.ledger.importer import import_ledger
    from geo.errors import RowErrors
    from tests.cases.ledger_fixtures import empty_store

    store = empty_store(tmp_path / "s.db")
    f = _flat_csv(tmp_path / "two.csv", coord="1,4331300,38428700;2,4331300,38429100")
    with pytest.raises(RowErrors) as exc:
        import_ledger(store, f, kind="land")
    assert exc.value.errors == ["第 2 行 D 列（坐标（WKT））：第 1 个范围（点号 1、2）只有 2 个不同的点，至少需要 3 个点才能构成面"]
    assert store.cases().empty


def test_swapped_corner_note_names_the_row_once(tmp_path):
    from cases.ledger.importer import read_ledger

    f = _flat_csv(tmp_path / "swap.csv", coord="1,38428700,4331300;2,38429100,4331300;3,38429100,4331700;4,38428700,4331700")
    parsed = read_ledger(f, kind="land")
    assert parsed.all_errors == []
    notes = [n for _, r in parsed.results for n in r.notes if "交换" in n]
    assert notes == ["第 2 行 D 列（坐标（WKT））：坐标列顺序为 Y、X（X 应为 7 位北坐标），已自动交换为 X、Y"]
    area = parsed.cases[0].geometry
    import geopandas as gpd

    assert gpd.GeoSeries([area], crs=4490).to_crs(4526).area.iloc[0] == pytest.approx(160000, abs=1)


def test_blank_longitude_is_named_blank_not_none(tmp_path):
    from cases.ledger.importer import read_ledger

    f = _flat_csv(tmp_path / "lat.csv", lat="39.11")
    parsed = read_ledger(f, kind="land")
    assert "第 2 行 E 列（经度）：经度「（空）」/纬度「39.11」不是数字" in parsed.all_errors


def test_gauss_kruger_cell_that_is_not_a_number_is_named_in_chinese(tmp_path):
    import csv
    import io

    from cases.ledger.importer import read_ledger

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["序号", "责任乡镇", "基本情况（摘要）", "X坐标", "Y坐标"])
    w.writerow([1, "峨口镇", "张某2019年5月在峨口镇西河村非法占地2亩", "四百三十万", "38428700"])
    f = tmp_path / "gk.csv"
    f.write_bytes(buf.getvalue().encode("utf-8"))
    parsed = read_ledger(f, kind="land")
    assert parsed.all_errors == ["第 2 行 D 列（X坐标）：X 坐标「四百三十万」不是数字"]
