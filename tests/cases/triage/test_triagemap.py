"""The triage map: patches coloured by judgement over switchable reference layers, no CDN, text as text."""

from __future__ import annotations

import json

from shapely.geometry import box

from cases.triage.triagemap import build_triage_map
from geo.webmap.assets import external_refs
from tests.conftest import E0, N0, gk_frame


def test_map_names_its_layers_and_loads_nothing_from_the_internet():
    patches = gk_frame([{"patch_id": "A"}, {"patch_id": "B"}],
                       [box(E0, N0, E0 + 100, N0 + 100), box(E0 + 300, N0, E0 + 400, N0 + 100)])
    layers = {"approved_land": gk_frame([{"ref": "<b>批1</b>"}], [box(E0, N0, E0 + 50, N0 + 100)])}
    county = gk_frame([{"name": "县"}], [box(E0 - 1000, N0 - 1000, E0 + 1000, N0 + 1000)])
    towns = gk_frame([{"name": "西乡"}], [box(E0 - 1000, N0 - 1000, E0 + 1000, N0 + 1000)])
    html = build_triage_map(patches, ["合法", "违法"], ["A｜合法", "B｜违法"], layers=layers, county=county,
                            townships=towns).get_root().render()
    # the layer control lists the names as JSON (\u escapes)
    assert json.dumps("卫片图斑") in html and json.dumps("批准用地（参考图层）") in html
    assert "<b>批1</b>" not in html and "批准用地 \\u003cb\\u003e批1" in html  # markup in a 批文号 stays text
    assert external_refs(html) == []
