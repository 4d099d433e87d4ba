"""The map's own furniture speaks Chinese: a metric-only scale bar, a Chinese data note instead of
Leaflet's English attribution, and the drawing toolbar's buttons, hints and empty-layer titles."""

from __future__ import annotations

import re

from shapely.geometry import box

from geo.webmap.controls import DATA_NOTE
from geo.webmap.maps import build_check_map
from tests.geo.webmap.browser import open_map

#: Words that may stay as they are (formats, coordinate systems, units).
ALLOWED = {"CGCS", "OpenStreetMap"}

#: Every text and title the user can meet on the map (tooltips of buttons included).
TEXTS = """() => {
  const out = [document.body.innerText];
  document.querySelectorAll('[title]').forEach(e => out.push(e.getAttribute('title')));
  return out.join('\\n');
}"""


def _english(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED


def test_scale_attribution_and_draw_toolbar_are_chinese(tmp_path):
    m = build_check_map(box(112.955, 39.035, 112.975, 39.045), draw=True)
    with open_map(m, tmp_path) as page:
        page.wait_for_timeout(300)
        scale = page.locator(".leaflet-control-scale-line").all_inner_texts()
        assert len(scale) == 1 and re.fullmatch(r"\d+ k?m", scale[0]), scale  # metric only: no mi/ft line
        assert page.locator(".leaflet-control-attribution").inner_text() == DATA_NOTE
        titles = page.locator(".leaflet-draw-toolbar a").evaluate_all("els => els.map(e => e.title)")
        assert "没有可编辑的图形" in titles and "没有可删除的图形" in titles
        assert _english(page.evaluate(TEXTS)) == set()
        # drawing starts: the hint and the action buttons are Chinese too
        page.locator(".leaflet-draw-draw-polygon").click()
        page.wait_for_timeout(200)
        assert "单击开始画多边形" in page.locator(".leaflet-draw-tooltip").inner_text()
        assert _english(page.evaluate(TEXTS)) == set()
