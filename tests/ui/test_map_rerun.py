"""案件地图 keeps its built map between reruns: given to streamlit-folium again (after ``rerenderable``), it
yields the very same map script and component key, so the shown map is not rebuilt; only the selection
group changes."""

from __future__ import annotations

import geopandas as gpd
import pytest
import streamlit_folium
from shapely.geometry import Point, box

from cases.output.casemap import build_case_map, selection_group
from geo.crs import STORAGE_CRS
from geo.webmap.maps import rerenderable
from geo.webmap.photos import add_layer, photo_layer


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """What st_folium hands to the browser, one dict per call (no Streamlit runtime needed)."""
    calls: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: calls.append(kw))
    return calls


def _cases() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"case_id": ["CK-1", "YD-1"], "kind": ["mining", "land"], "category": [7, 1],
                             "status": ["已立案", "排查发现"], "township": ["峨口镇", "峨口镇"]},
                            geometry=[Point(113.0, 39.0), box(113.01, 39.0, 113.012, 39.002)], crs=STORAGE_CRS)


def _show(m, cases, i: int) -> None:
    streamlit_folium.st_folium(m, key="case_map", feature_group_to_add=selection_group(cases.iloc[i:i + 1]),
                               returned_objects=["last_object_clicked_tooltip"])


def test_a_kept_map_sends_the_same_script_with_each_pick(sent):
    cases = _cases()
    m = build_case_map(cases)
    add_layer(m, photo_layer([113.0], [39.0], texts=[["IMG_1.jpg"]], far=[False], targets=[None]))
    for i in (0, 1, 0):
        _show(rerenderable(m), cases, i)
    assert len({c["key"] for c in sent}) == 1 and len({c["script"] for c in sent}) == 1
    assert "CK-1" in sent[0]["feature_group"] and "YD-1" in sent[1]["feature_group"]
    assert sent[0]["feature_group"] == sent[2]["feature_group"]


def test_without_rerenderable_the_kept_map_would_name_a_gone_layer(sent):
    cases = _cases()
    m = build_case_map(cases)
    _show(m, cases, 0)
    _show(m, cases, 1)  # the first render's addTo steps are still there, under ids streamlit-folium renamed
    assert sent[0]["key"] != sent[1]["key"]
