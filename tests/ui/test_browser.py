"""End-to-end in a real browser (Debian's Chromium via Playwright), with no network: the map paints
from local assets, shows the township polygons, and a click on a mine site shows its detail."""

from __future__ import annotations

import pytest

from tests.ui.conftest import ARTIFACTS, PASSWORD

FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Tag the centre marker of a case (its tooltip starts with the id) and centre the map on it.
TAG_CASE = """(id) => {
  let hit = null;
  for (const k in window.map._layers) {
    const l = window.map._layers[k];
    if (l instanceof L.CircleMarker && l._path && l.getTooltip() &&
        String(l.getTooltip().getContent()).startsWith(id + '｜')) { l._path.setAttribute('data-case', id); hit = l; }
  }
  if (hit) { window.map.setView(hit.getLatLng(), 16, {animate: false}); return id; }
  return null;
}"""


def log_in(page, *, user: str = "测试管理员") -> None:
    """Fill the login form (用户名, 密码) and press 登录, as an inspector does."""
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _open(page, url: str):
    page.goto(url)
    log_in(page)
    frame = page.frame_locator(FRAME).first
    frame.locator(".leaflet-overlay-pane path").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1000)  # the app fits the view once more after 0.4 s (a phone's late layout)
    return frame


def test_map_paints_offline_with_townships(page, app_url):
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith((app_url, "data:", "blob:", "about:")) else None)
    frame = _open(page, app_url)
    # township polygons are SVG paths with the township dash pattern
    assert frame.locator('.leaflet-overlay-pane path[stroke-dasharray="5 4"]').count() >= 11
    labels = frame.locator(".casemap-label").all_inner_texts()
    assert {"上馆镇", "峨口镇", "雁门关乡"} <= set(labels)
    assert frame.locator(".casemap-legend").inner_text().startswith("▼ 图例") or "办理状态" in frame.locator(".casemap-legend").inner_text()
    page.wait_for_timeout(1000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map.png"))
    assert external == []


def test_click_on_a_mine_site_shows_how_far_outside(page, app_url):
    frame = _open(page, app_url)
    handle = page.locator(FRAME).first.element_handle().content_frame()
    assert handle.evaluate(TAG_CASE, "CK-2019-004") == "CK-2019-004"
    frame.locator('[data-case="CK-2019-004"]').first.click()
    page.get_by_text("最远越界距离").first.wait_for(timeout=60_000)
    assert page.get_by_text("156.5 米").first.is_visible()
    assert page.get_by_text("46.92 亩").first.is_visible()
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "map_click.png"))


@pytest.mark.parametrize("path, text", [("check", "最远越界距离（米）"), ("stats", "分乡镇专题图")])
def test_other_map_pages_paint(page, app_url, path, text):
    frame = _open(page, f"{app_url}/{path}")
    assert frame.locator(".leaflet-overlay-pane path").count() > 0
    page.get_by_text(text).first.wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{path}.png"), full_page=True)


def test_first_run_offers_the_first_administrator_to_the_servers_own_browser(page, tmp_path):
    """A real browser on the server itself (127.0.0.1) is offered 创建首个管理员, and can then log in."""
    from cases.service import app_store
    from tests.ui.conftest import serve

    db = tmp_path / "first.db"
    app_store(db).close_all()
    with serve(db) as url:
        page.goto(url)
        page.get_by_text("首次使用").wait_for(timeout=60_000)
        page.get_by_label("用户名").fill("局长")
        page.get_by_label("密码", exact=True).fill("long-password")
        page.get_by_label("再次输入密码").fill("long-password")
        page.get_by_role("button", name="创建管理员并登录").click()
        page.get_by_text("当前用户：局长").wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "first_admin.png"))
