"""Reference layers on the case map: listed in the layer control but switched off, and never taking a case's click."""

from __future__ import annotations

import json

import folium
from shapely.geometry import box

from cases.triage.triagemap import reference_layer
from geo.webmap.maps import finish
from tests.conftest import E0, N0, gk_frame


def _rendered(layer) -> str:
    m = folium.Map(location=[39.0, 113.0], zoom_start=12, tiles=None)
    layer.add_to(m)
    return finish(m, None).get_root().render()


def test_a_reference_layer_on_the_case_map_is_listed_switched_off_and_not_clickable():
    frame = gk_frame([{"ref": "农田1"}], [box(E0, N0, E0 + 100, N0 + 100)])
    shown = reference_layer("basic_farmland", frame)
    off = reference_layer("basic_farmland", frame, show=False, interactive=False)
    on_html, off_html = _rendered(shown), _rendered(off)
    name = json.dumps("永久基本农田（参考图层）")
    assert name in on_html and name in off_html  # both in the layer control
    assert f"{shown.get_name()}.addTo(" in on_html  # shown at once …
    assert f"{off.get_name()}.addTo(" not in off_html  # … or only when switched on
    assert "interactive: true" in on_html and "interactive: true" not in off_html
    assert "interactive: false" in off_html
