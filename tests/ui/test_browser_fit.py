"""In Chromium: 专项行动进度, 乡镇统计 and 越界核查 fit the window (no table clipped), a drawn parcel is checked on
one map, and an export is built when its download is asked for."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.ui.conftest import ARTIFACTS
from tests.ui.test_browser import FRAME, log_in

#: Per data grid on the page: whether columns are hidden to the right, whether rows are hidden below.
CLIPPED = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(g => {
  const s = g.querySelector('.dvn-scroller');
  return [!!s && s.scrollWidth > s.clientWidth + 1, !!s && s.scrollHeight > s.clientHeight + 1];
})"""


def _open(page, url: str, width: int):
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(url)
    log_in(page)


def _grids(page, n: int) -> list:
    page.locator('[data-testid="stDataFrame"]').nth(n - 1).wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    return page.evaluate(CLIPPED)


@pytest.mark.parametrize("width", [1280, 1600])
def test_timeline_tables_fit(page, app_url, width):
    _open(page, f"{app_url}/timeline", width)
    page.get_by_text("逾期案件（").first.wait_for(timeout=90_000)
    grids = _grids(page, 2)
    assert grids[0] == [False, False]  # every township, 合计 and every deadline column
    assert grids[1][0] is False  # the overdue list shows every column (its rows scroll: 76 cases today)
    page.screenshot(path=str(ARTIFACTS / f"timeline_{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 1600])
def test_stats_tables_fit(page, app_url, width):
    _open(page, f"{app_url}/stats", width)
    grids = _grids(page, 4)  # main table, the two category tables, 涉嫌犯罪移送 by township (+ its case list, folded)
    assert len(grids) >= 4 and all(g == [False, False] for g in grids), grids


def test_drawn_parcel_is_checked_on_one_map(page, app_url):
    _open(page, f"{app_url}/check", 1280)
    page.get_by_text("在地图上绘制").click()
    frame = page.frame_locator(FRAME).first
    frame.locator(".leaflet-draw-draw-polygon").wait_for(timeout=90_000)
    handle = page.locator(FRAME).first.element_handle().content_frame()
    handle.evaluate("""() => {
      const m = window.map || Object.values(window).find(v => v instanceof L.Map);
      const layer = L.polygon([[39.05, 113.05], [39.05, 113.056], [39.055, 113.056], [39.055, 113.05]]);
      m.fire('draw:created', {layer: layer, layerType: 'polygon'});
    }""")
    page.get_by_text("面积（亩）").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    assert page.locator(FRAME).count() == 1
    legend = page.frame_locator(FRAME).first.locator(".casemap-legend").inner_text()
    assert "核查图形" in legend and "核查对象" not in legend
    page.screenshot(path=str(ARTIFACTS / "check_drawn.png"), full_page=True)


def test_export_is_built_on_click(page, app_url):
    _open(page, f"{app_url}/io", 1280)
    page.get_by_role("tab", name="导出").click()
    button = page.get_by_role("button", name="附件2 违法违规用地清单 (.xlsx)")
    button.wait_for(timeout=90_000)
    with page.expect_download(timeout=90_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "代县违法违规用地清单.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    assert any("违法违规用地清单" in str(c.value) for row in ws.iter_rows(max_row=3) for c in row if c.value)
