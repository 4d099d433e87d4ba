"""``ShowOnly`` on a shown map: the features it leaves out are taken off the map (not drawn on the canvas, not
clickable, their photos gone too) and come back when a later group shows them; the map is never redrawn."""

from __future__ import annotations

import base64

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.crs import STORAGE_CRS
from geo.webmap.filtering import Filterable, ShowOnly, filterable, shown_mask
from geo.webmap.layers import VectorLayer, encode_features
from geo.webmap.maps import CANVAS_THRESHOLD, base_map
from geo.webmap.photos import add_layer, photo_layer
from tests.geo.webmap.browser import open_map
from tests.geo.webmap.test_map_clicks import LISTEN

N = CANVAS_THRESHOLD + 500  # drawn on a canvas, as the case map of a big store


def test_the_mask_has_bit_n_for_feature_n_and_none_when_all_are_shown():
    assert shown_mask([True] * 9) is None
    keep = np.array([i % 3 == 0 for i in range(20)])
    bits = np.unpackbits(np.frombuffer(base64.b64decode(shown_mask(keep)), np.uint8), bitorder="little")[:20]
    assert bits.astype(bool).tolist() == keep.tolist()
    assert shown_mask([False, False]) is not None


def _map():
    """A canvas layer of ``N`` cases (points, and a parcel every 10th, with its centre marker), a photo of case 1
    and of case 2, and two groups (not shown yet): one showing only the even cases, one showing all."""
    xs, ys = 113.0 + (np.arange(N) % 50) * 0.004, 39.0 + (np.arange(N) // 50) * 0.004
    geoms = [shapely.box(x, y, x + 0.001, y + 0.001) if i % 10 == 0 else shapely.Point(x, y)
             for i, (x, y) in enumerate(zip(xs, ys))]
    extent = gpd.GeoDataFrame(geometry=[shapely.box(113.0, 39.0, 113.2, 39.16)], crs=STORAGE_CRS)
    m = base_map(extent, basemap=None, height=600)
    layer = VectorLayer(encode_features(geoms, [{"s": 0, "t": f"C{i}｜案件", "n": i} for i in range(N)]),
                        [{"color": "#333", "radius": 5}], name="案件", canvas=True, centroid_markers=True).add_to(m)
    Filterable([layer]).add_to(m)
    photos = photo_layer([xs[1] + 0.0005, xs[2] + 0.0005], [ys[1], ys[2]], texts=[["C1｜a.jpg"], ["C2｜b.jpg"]],
                         far=[False, False], targets=[None, None])
    add_layer(m, photos)
    photos.number([1, 2])
    filterable(m).add(photos)
    groups = []
    for keep in (np.arange(N) % 2 == 0, np.ones(N, bool)):
        g = folium.FeatureGroup(name="选中", control=False, show=False)
        ShowOnly(shown_mask(keep)).add_to(g)
        groups.append(g.add_to(m))
    return m, layer, groups


#: For features ``ids`` (their n): on the map, drawn on the canvas, a marker's pixel in the page; photos on the map.
STATE = """([map, ids]) => {
  const m = window[map], out = {};
  m._casemapIndex.forEach(r => {
    const l = r[1];
    if (!ids.includes(r[2])) { return; }
    const key = (l instanceof L.CircleMarker ? 'marker' : l instanceof L.Marker ? 'photo' : 'parcel') + r[2];
    const p = l.getLatLng ? m.latLngToContainerPoint(l.getLatLng()) : null;
    const box = m.getContainer().getBoundingClientRect();
    out[key] = {on: m.hasLayer(l), drawn: !!(l._renderer && l._renderer._layers[L.stamp(l)]),
                x: p && box.left + p.x, y: p && box.top + p.y};
  });
  return {features: out, shown: m._casemapShown, applied: m._casemapApplied};
}"""


def _click(page, marker: dict) -> None:
    """Press and release the mouse on the marker's pixel, a little off its centre, as a hand does."""
    x, y = marker["x"], marker["y"]
    page.mouse.move(x - 20, y - 20)
    page.mouse.move(x + 2, y + 1, steps=4)
    page.mouse.down()
    page.wait_for_timeout(80)
    page.mouse.up()


def test_show_only_hides_and_shows_features_of_the_shown_map(tmp_path):
    m, layer, (evens, everything) = _map()
    name = m.get_name()
    with open_map(m, tmp_path) as page:
        page.evaluate(LISTEN, name)
        for _ in range(2):  # again once the map's own first fit has run
            page.evaluate(f"() => {{ window.__same = 1; {name}.setView([39.0, 113.004], 16, {{animate: false}}); }}")
            page.wait_for_timeout(400)
        page.evaluate(f"() => {{ {name}.addLayer({evens.get_name()}); }}")
        page.wait_for_timeout(300)
        s = page.evaluate(STATE, [name, [0, 1, 2, 10]])
        f = s["features"]
        assert not f["marker1"]["on"] and not f["marker1"]["drawn"] and not f["photo1"]["on"]
        assert f["marker2"]["on"] and f["marker2"]["drawn"] and f["photo2"]["on"]
        assert f["parcel0"]["on"] and f["marker0"]["on"] and f["parcel10"]["drawn"] and f["marker10"]["drawn"]
        assert s["shown"] == N // 2 + N // 10 + 1 and s["applied"] == 1  # cases, parcels' centre marks, a photo
        _click(page, f["marker1"])  # a hidden case: nothing is clicked
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__clicked") == []
        _click(page, f["marker2"])
        page.wait_for_timeout(300)
        assert set(page.evaluate("() => window.__clicked")) == {"C2｜案件"}  # (heard by its layer and groups)

        page.evaluate(f"() => {{ {name}.removeLayer({evens.get_name()}); {name}.addLayer({everything.get_name()}); }}")
        page.wait_for_timeout(300)
        s = page.evaluate(STATE, [name, [1]])
        assert s["features"]["marker1"]["on"] and s["features"]["marker1"]["drawn"] and s["features"]["photo1"]["on"]
        assert s["shown"] == N + N // 10 + 2 and s["applied"] == 2
        _click(page, s["features"]["marker1"])
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__clicked")[-1] == "C1｜案件"
        assert page.evaluate("() => window.__same") == 1
