"""Open a folium map in headless Chromium (Debian's, via Playwright) and report what its text became.

Used by the tooltip/label tests: every tooltip is opened, and the page is searched for elements
that markup in the data would have created.  Skips (or fails with $CASEMAP_REQUIRE_BROWSER=1) like
the UI browser tests when Chromium or Playwright is missing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import folium

from geo.webmap.assets import inline_assets, localize
from tests.ui.conftest import BROWSER_ARGS, CHROMIUM, _require_browser

STATIC = Path(__file__).resolve().parents[3] / "static"

#: Open every tooltip; return its text, what streamlit-folium's click handler would read from it
#: (``extractContent``: innerHTML of a detached span, then its textContent), the labels' texts, the
#: layer control's names and how many elements markup in the data could have made.
_INSPECT = """(name) => {
  const map = window[name];
  const tips = [], clicked = [];
  map.eachLayer(l => {
    if (l.getTooltip && l.getTooltip()) {
      l.openTooltip(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter());
      const el = l.getTooltip().getElement();
      if (el) { tips.push(el.textContent); }
      const span = document.createElement('span');
      span.innerHTML = l.getTooltip().getContent();
      clicked.push((span.textContent || span.innerText).trim());
    }
  });
  return {
    tips, clicked,
    labels: Array.from(document.querySelectorAll('.casemap-label span')).map(e => e.textContent),
    controls: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays span')).map(e => e.textContent.trim()),
    imgs: document.querySelectorAll('img').length,
    bolds: document.querySelectorAll('.leaflet-tooltip b, .casemap-label b, .leaflet-control-layers b').length,
    xss: window.__xss || 0,
  };
}"""


@contextlib.contextmanager
def open_map(m: folium.Map, tmp_path: Path, *, width: int = 1000, height: int = 700) -> Iterator:
    """Render ``m`` with inlined assets into a file and open it in Chromium; yields the Playwright page
    (the map is ``window[m.get_name()]``), closed afterwards."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    localize(m, inline_assets(lambda rel: (STATIC / rel).read_bytes()))
    page_file = tmp_path / "map.html"
    page_file.write_text(m.get_root().render(), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(page_file.as_uri())
            page.wait_for_function(f"() => window[{m.get_name()!r}] && window[{m.get_name()!r}]._loaded", timeout=30_000)
            yield page
        finally:
            browser.close()


def inspect_map(m: folium.Map, tmp_path: Path, *, zoom: int | None = None) -> dict:
    """Render ``m`` with inlined assets into a file, open it in Chromium and run ``_INSPECT``."""
    with open_map(m, tmp_path) as page:
        page.locator(".leaflet-overlay-pane path").first.wait_for(timeout=30_000)
        if zoom is not None:
            page.evaluate(f"(name) => window[name].setZoom({int(zoom)}, {{animate: false}})", m.get_name())
        page.wait_for_timeout(300)
        out = page.evaluate(_INSPECT, m.get_name())
        page.wait_for_timeout(300)  # a broken image's onerror would have fired by now
        out["xss"] = page.evaluate("() => window.__xss || 0")
        out["imgs"] = page.evaluate("() => document.querySelectorAll('img').length")
        return out
