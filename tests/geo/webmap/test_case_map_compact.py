"""The case map's page stays literal and quick to render: layer scripts are not run through Jinja a second
time; and the legend names the 现场照片 layer when the map has one."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from cases.output.casemap import build_case_map
from geo.crs import STORAGE_CRS
from geo.webmap.layers import Legend, VectorLayer, encode_features
from geo.webmap.maps import base_map
from geo.webmap.photos import add_layer, photo_layer

TEMPLATE_TEXT = "{{ 7 * 6 }}{% if true %}是{% endif %}"


def _cases() -> gpd.GeoDataFrame:
    """Three mining cases of 峨口镇 and a land case, 1 km apart (one a parcel)."""
    return gpd.GeoDataFrame(
        {"case_id": ["CK-1", "CK-2", "CK-3", "YD-1"], "kind": ["mining", "mining", "mining", "land"],
         "category": [7, 7, 7, 1], "status": ["已立案", "已立案", "排查发现", "已立案"],
         "township": ["峨口镇"] * 4},
        geometry=[Point(113.00, 39.00), box(113.01, 39.00, 113.012, 39.002), Point(113.02, 39.00),
                  Point(113.03, 39.00)], crs=STORAGE_CRS)


class TestLayerScripts:
    def test_text_that_looks_like_a_template_stays_as_typed(self):
        m = base_map(_cases(), basemap=None, height=400)
        VectorLayer(encode_features([Point(113, 39)], [{"s": 0, "t": TEMPLATE_TEXT}]), [{}], name="案件").add_to(m)
        html = m.get_root().render()
        assert TEMPLATE_TEXT in html  # a second Jinja pass would have made it 42是
        assert "42是" not in html

    def test_a_map_renders_the_same_twice(self):
        m = build_case_map(_cases())
        assert m.get_root().render().count("CK-1") == m.get_root().render().count("CK-1") == 1


def _legend(m) -> Legend:
    return next(c for c in m._children.values() if isinstance(c, Legend))


class TestLegendPhotos:
    @pytest.mark.parametrize("far", [False, True], ids=["near", "far"])
    def test_a_photo_layer_adds_its_camera_rows(self, far):
        m = build_case_map(_cases())
        add_layer(m, photo_layer([113.0], [39.0], texts=[["IMG_1.jpg"]], far=[far], targets=[box(113.0, 39.0, 113.001, 39.001)]))
        legend = json.loads(_legend(m).html_json.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&"))
        assert legend.count("<svg") == (2 if far else 1)
        assert "现场照片</" in legend.replace("<br>", "</")
        assert ("现场照片（离案件较远，虚线连到案件）" in legend) is far

    def test_no_photo_layer_no_camera_row(self):
        m = build_case_map(_cases())
        assert "现场照片" not in _legend(m).html_json and "<svg" not in _legend(m).html_json
