"""经度/纬度 cells checked for a whole sheet at once give exactly what the one-row check gives: the same point
where the row passes, and the row left to the one-row check (with its message) wherever it does not."""

from __future__ import annotations

import pytest
import shapely

from cases.io.geodata import load_shipped_boundaries
from cases.ledger.geometry import check_geometry
from cases.ledger.rows import LedgerRow, lonlat_points, row_to_case
from cases.ledger.values import lonlat_point, lonlat_points_in
from geo.errors import LedgerCellError

# (经度, 纬度) cells: inside 代县; full-width digits; swapped; Gauss-Krüger metres; outside the box; in the box but
# outside the outline (112.35°E, 38.65°N is in 代县's box, far from the county); text; one cell blank
PAIRS = [
    ("112.95", "39.07"),
    ("１１２.９５", "３９.０７"),
    ("39.07", "112.95"),
    ("4330000", "38420000"),
    ("116.4", "39.9"),
    ("112.35", "38.65"),
    ("东经112度", "39.07"),
    ("", "39.07"),
]


@pytest.fixture(scope="module")
def outline():
    county, _ = load_shipped_boundaries()
    return shapely.union_all(county.geometry.values)


def _one_by_one(lon, lat, outline):
    """The one-row check: lonlat_point, then check_geometry; the point and notes, or the message."""
    try:
        geom, notes = check_geometry(lonlat_point(lon, lat), county=outline)
    except LedgerCellError as exc:
        return str(exc)
    return geom, notes


def test_only_rows_that_pass_get_a_point_and_it_is_the_same_point(outline):
    batch = lonlat_points_in([p[0] for p in PAIRS], [p[1] for p in PAIRS], county=outline)
    single = [_one_by_one(lon, lat, outline) for lon, lat in PAIRS]
    assert [b is not None for b in batch] == [True, True, False, False, False, False, False, False]
    for got, want in zip(batch, single):
        if got is not None:
            assert want == (got, []) and (got.x, got.y) == (112.95, 39.07)
    assert "疑似颠倒" in single[2] and "高斯-克吕格" in single[3] and "不在代县范围内" in single[4]
    assert "县界以外" in single[5] and "不是数字" in single[6] and "不是数字" in single[7]


def test_rows_with_a_wkt_cell_or_no_coordinates_are_left_to_the_row(outline):
    rows = [LedgerRow("台账", 4 + i, "land", vals, {}) for i, vals in enumerate([
        {"lon": "112.95", "lat": "39.07"},
        {"lon": "112.95", "lat": "39.07", "wkt": "POINT (113.0 39.1)"},  # 坐标 comes first
        {"summary": "没有坐标"},
        {"lon": "39.07", "lat": "112.95"},
    ])]
    points = lonlat_points(rows, county=outline)
    assert [p is not None for p in points] == [True, False, False, False]


def test_a_row_gives_the_same_case_with_or_without_the_sheet_check(outline):
    row = LedgerRow("台账", 5, "land", {"case_id": "YD-上馆镇-001", "township": "上馆镇", "lon": "112.95",
                                       "lat": "39.07", "summary": "张某非法占地3亩"}, {"lon": "G", "lat": "H"})
    point = lonlat_points([row], county=outline)[0]
    fast = row_to_case(row, existing=lambda _id: None, county=outline, point=point)
    slow = row_to_case(row, existing=lambda _id: None, county=outline)
    assert fast.case == slow.case and fast.notes == slow.notes and fast.errors == slow.errors == []
    bad = LedgerRow("台账", 6, "land", {**row.values, "lon": "116.4", "lat": "39.9"}, {"lon": "G", "lat": "H"})
    res = row_to_case(bad, existing=lambda _id: None, county=outline, point=lonlat_points([bad], county=outline)[0])
    assert res.case is None
    assert res.errors == ["第 6 行 G 列（经度）：坐标 (经度 116.4, 纬度 39.9) 不在代县范围内（东经 112.7°–113.3°、北纬 38.9°–39.3°）"]
