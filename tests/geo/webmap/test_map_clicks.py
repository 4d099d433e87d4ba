"""A real mouse click on a case marker reaches that case, whatever lies under it or is drawn above it.

streamlit-folium reads the clicked feature's tooltip from Leaflet's ``click`` event (its ``sourceTarget``);
these tests listen the same way and press the mouse on the marker's pixel in headless Chromium.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from geo.crs import STORAGE_CRS
from geo.webmap.layers import VectorLayer, encode_features
from geo.webmap.maps import CANVAS_THRESHOLD, base_map, township_layer
from tests.geo.webmap.browser import open_map

#: Listen to clicks as streamlit-folium does (a handler on every layer; the tooltip of the source).
LISTEN = """(name) => {
  const map = window[name];
  window.__clicked = [];
  for (const k in map._layers) {
    map._layers[k].on('click', e => {
      const t = e.sourceTarget && e.sourceTarget.getTooltip && e.sourceTarget.getTooltip();
      window.__clicked.push(t ? String(t.getContent()) : '');
    });
  }
}"""
#: Centre the map on the marker whose tooltip starts with ``id｜`` at ``zoom``; its pixel in the page.
FIND = """([name, id, zoom]) => {
  const map = window[name];
  let hit = null;
  map.eachLayer(l => { if (l instanceof L.CircleMarker && l.getTooltip() &&
                           String(l.getTooltip().getContent()).startsWith(id + '｜')) { hit = l; } });
  if (!hit) { return null; }
  map.setView(hit.getLatLng(), zoom, {animate: false});
  const p = map.latLngToContainerPoint(hit.getLatLng());
  const r = map.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}"""

POINT = {"color": "#333333", "weight": 1, "fillColor": "#1a9641", "fillOpacity": 0.75, "radius": 6}
HALO = {"color": "#c0003c", "weight": 3, "dashArray": "4 3", "fill": False, "radius": 10}


def _grid(n: int, x0: float, y0: float) -> np.ndarray:
    """``n`` points 0.004° (≈ 350–440 m) apart in a square grid from (x0, y0)."""
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    return shapely.points(x0 + (i % side) * 0.004, y0 + (i // side) * 0.004)


def _layer(points: np.ndarray, prefix: str, name: str, *, canvas: bool) -> VectorLayer:
    props = [{"s": 0, "t": f"{prefix}-{i}｜{name}"} for i in range(len(points))]
    return VectorLayer(encode_features(points, props), [POINT], name=name, canvas=canvas, centroid_markers=True)


def _map(n: int, *, canvas: bool):
    """A township under everything, land and mining cases side by side and a halo over every case."""
    land, mining = _grid(n, 112.90, 39.00), _grid(n, 112.902, 39.00)  # 170 m apart: 23 px at zoom 14
    town = gpd.GeoDataFrame({"name": ["上馆镇"]}, geometry=[box(112.85, 38.95, 113.2, 39.3)], crs=STORAGE_CRS)
    m = base_map(town, basemap=None, height=700)
    township_layer(town).add_to(m)
    _layer(land, "YD", "用地案件", canvas=canvas).add_to(m)
    _layer(mining, "CK", "采矿案件", canvas=canvas).add_to(m)
    halo = np.concatenate([land, mining])
    VectorLayer(encode_features(halo, [{}] * len(halo)), [HALO], name="问题案件", interactive=False,
                canvas=canvas).add_to(m)
    return m


@pytest.mark.parametrize("n, canvas", [(60, False), (CANVAS_THRESHOLD + 100, True)], ids=["svg", "canvas"])
@pytest.mark.parametrize("zoom", [14, 16])
def test_a_mouse_click_on_a_marker_reaches_its_case(tmp_path, n, canvas, zoom):
    m = _map(n, canvas=canvas)
    with open_map(m, tmp_path) as page:
        page.evaluate(LISTEN, m.get_name())
        for case in ("YD-7", "CK-7", "YD-40", "CK-41"):
            page.evaluate(FIND, [m.get_name(), case, zoom])
            page.wait_for_timeout(400)  # the canvas redraws (and re-projects its features) after the move
            x, y = page.evaluate(FIND, [m.get_name(), case, zoom])
            page.evaluate("() => { window.__clicked = []; }")
            page.mouse.move(x - 20, y - 20)
            page.mouse.move(x + 2, y + 1, steps=4)  # off-centre, as a hand clicks
            page.mouse.down()
            page.wait_for_timeout(80)
            page.mouse.up()
            page.wait_for_timeout(100)
            clicked = page.evaluate("() => window.__clicked")
            assert clicked and clicked[0].startswith(case + "｜"), (case, clicked)


def test_township_polygons_take_no_clicks(tmp_path):
    m = _map(4, canvas=False)
    with open_map(m, tmp_path) as page:
        page.evaluate(LISTEN, m.get_name())
        dashed = page.locator('.leaflet-overlay-pane path[stroke-dasharray="5 4"]')
        assert dashed.count() == 1
        assert "leaflet-interactive" not in (dashed.first.get_attribute("class") or "")
        box_ = page.locator(".leaflet-container").bounding_box()
        page.mouse.click(box_["x"] + 60, box_["y"] + box_["height"] - 60)  # inside the township, off the cases
        page.wait_for_timeout(100)
        assert page.evaluate("() => window.__clicked") == []
