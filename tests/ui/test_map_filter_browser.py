"""A filter on 案件地图 in Chromium changes which cases the shown map draws, without a new map frame: the
cases it leaves out are neither drawn nor clickable, and clearing it shows them again (issue 14: a filter
with 10,000 cases no longer re-creates and repaints the whole map)."""

from __future__ import annotations

import pytest

from tests.ui.conftest import PASSWORD, demo_server
from tests.ui.test_map_page_browser import FRAME, _click_marker, _isolated, _query, _result_count

#: Every case feature of the case layers (drawn or not): id, kind, on the map, pixel position.
CASES = """() => {
  const out = [];
  window.map._casemapIndex.forEach(r => {
    const l = r[1];
    if (!l.getTooltip()) { return; }  // the rings around flagged cases
    const t = String(l.getTooltip().getContent()).split('｜');
    const ll = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter(), p = window.map.latLngToContainerPoint(ll);
    out.push({id: t[0], kind: t[1], on: window.map.hasLayer(l), drawn: l._path ? l._path.isConnected : !!(l._renderer && l._renderer._layers[L.stamp(l)]),
              point: l instanceof L.CircleMarker, centre: l instanceof L.CircleMarker && !l.feature, x: p.x, y: p.y});
  });
  return out;
}"""
#: The rings around flagged cases: how many, and how many on the map.
RINGS = """() => { const r = window.map._casemapIndex.filter(r => r[1] instanceof L.CircleMarker && !r[1].getTooltip());
  return {all: r.length, on: r.filter(x => window.map.hasLayer(x[1])).length}; }"""
#: Streamlit idle and the map has applied a filter more than ``n`` times.
APPLIED = """(n) => !document.querySelector('[data-testid="stStatusWidget"]') && (() => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const m = f && f.contentWindow.map;
  return !!m && (m._casemapApplied || 0) > n; })()"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with demo_server(tmp_path_factory, "mapfilter") as (url, _):
        yield url


def _open_map(page, url: str, user: str = "测试管理员"):
    page.goto(f"{url}/map")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.frame_locator(FRAME).first.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first \
        .wait_for(timeout=90_000)
    page.wait_for_function(APPLIED, arg=0, timeout=60_000)
    page.wait_for_timeout(800)
    return page.locator(FRAME).first.element_handle().content_frame()


def _kind(page, frame, name: str) -> None:
    """Pick 类型 ``name`` in the sidebar (or clear it: ``""``) and wait until the map has applied it."""
    applied = frame.evaluate("() => window.map._casemapApplied")
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').nth(1).click()
    if name:
        page.get_by_role("option", name=name).click()
    else:
        page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    page.wait_for_function(APPLIED, arg=applied, timeout=60_000)
    page.wait_for_timeout(500)


def test_a_filter_hides_the_other_cases_in_the_same_map_and_clearing_it_shows_them(page, live):
    frame = _open_map(page, live)
    frame.evaluate("() => { window.__sameFrame = 'yes'; }")
    before = frame.evaluate(CASES)
    kinds = {c["kind"] for c in before}
    assert kinds == {"用地", "采矿"} and all(c["on"] and c["drawn"] for c in before)
    width = frame.evaluate("() => window.map.getSize().x")
    # a land case's marker with no other case's marker (or, at county scale, parcel) within 24 px
    markers = [{**c, "point": c["kind"] == "用地"} for c in before if c["point"]]
    land = _isolated(markers, point=True, width=width, room=24)

    _kind(page, frame, "采矿")
    assert page.locator(FRAME).count() == 1
    frame = page.locator(FRAME).first.element_handle().content_frame()
    assert frame.evaluate("() => window.__sameFrame") == "yes"  # the map was not re-created
    after = frame.evaluate(CASES)
    assert not any(c["on"] or c["drawn"] for c in after if c["kind"] == "用地")
    mining = [c for c in after if c["kind"] == "采矿"]
    assert mining and all(c["on"] and c["drawn"] for c in mining)
    shown = len({c["id"] for c in mining})
    assert _result_count(page) == f"筛选结果：{shown} 个案件"
    rings = frame.evaluate(RINGS)  # the rings around flagged cases follow their cases
    assert 0 < rings["on"] < rings["all"]
    assert frame.evaluate("() => window.map._casemapShown") == len(mining) + rings["on"]

    # a press where a (now hidden) land case was drawn opens nothing; a mining case still opens
    _click_marker(page, frame, land)
    page.wait_for_timeout(2500)
    assert "case" not in _query(page)
    target = _isolated([{**c, "point": True} for c in mining if c["point"]], point=True, width=width)
    _click_marker(page, frame, target)
    page.wait_for_function(f"() => location.search.includes('case={target['id']}')", timeout=60_000)

    _kind(page, frame, "")
    frame = page.locator(FRAME).first.element_handle().content_frame()
    assert frame.evaluate("() => window.__sameFrame") == "yes"
    cleared = frame.evaluate(CASES)
    assert len(cleared) == len(before) and all(c["on"] and c["drawn"] for c in cleared)
    assert {c["kind"] for c in cleared} == {"用地", "采矿"}


def test_a_township_account_gets_only_its_own_cases_on_the_map(page, live):
    frame = _open_map(page, live, user="峨口干部")
    towns = frame.evaluate("""() => window.map._casemapIndex.filter(r => r[1].getTooltip()).map(r =>
        String(r[1].getTooltip().getContent()).split('｜')[2])""")
    assert towns and set(towns) == {"峨口镇"}
