"""Tooltips, labels and layer names are plain text: markup in a permit holder, a township name or a
case id is shown as typed and never becomes HTML (no script runs in the map iframe)."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.crs import STORAGE_CRS
from geo.webmap.layers import encode_features, label_points, script_json
from geo.webmap.maps import build_check_map, build_choropleth, permit_layer, township_layer
from tests.geo.webmap.browser import inspect_map

IMG = '<img src=x onerror="window.__xss=1">'
BOLD = "<b>粗体</b>"


def _towns() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"上馆镇{IMG}", f"峨口镇{BOLD}"]},
                            geometry=[box(112.90, 39.00, 113.00, 39.10), box(113.00, 39.00, 113.10, 39.10)],
                            crs=STORAGE_CRS)


def _permit() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"permit_no": [f"C1{BOLD}"], "holder": [f"某某{IMG}"], "mineral": ["煤&amp;"]},
                            geometry=[box(112.95, 39.03, 112.97, 39.05)], crs=STORAGE_CRS)


def _check_map():
    return build_check_map(box(112.955, 39.035, 112.975, 39.045), outside=box(112.97, 39.035, 112.975, 39.045),
                           permit=_permit(), townships=_towns(), label=f"CK-1{IMG}")


def _choropleth():
    return build_choropleth(_towns(), pd.Series({f"上馆镇{IMG}": 3, f"峨口镇{BOLD}": 5}), title=f"案件数{BOLD}")


class TestNoMarkupInThePage:
    @pytest.mark.parametrize("build", [_check_map, _choropleth], ids=["check_map", "choropleth"])
    def test_rendered_html_holds_no_markup_from_the_data(self, build):
        html = build().get_root().render()
        assert "<img" not in html
        assert "<b>粗体" not in html and "粗体</b>" not in html
        assert "bindTooltip(t," in html and "t = esc(t)" in html and "span.textContent" in html

    def test_script_json_escapes_markup_but_keeps_the_value(self):
        import json

        text = script_json(json.dumps([IMG, "</script><!--", "a&b"], ensure_ascii=False))
        assert "<" not in text and ">" not in text and "&" not in text
        assert json.loads(text) == [IMG, "</script><!--", "a&b"]

    def test_labels_and_tooltips_carry_the_literal_text(self):
        towns = _towns()
        rows = label_points(towns.geometry.values, towns["name"])
        assert [r[2] for r in rows] == [f"上馆镇{IMG}", f"峨口镇{BOLD}"]  # not pre-escaped: the browser shows it as text
        data = encode_features(towns.geometry.values, [{"t": n} for n in towns["name"]])
        assert IMG not in data and "\\u003cimg" in data

    def test_layer_names_are_escaped_for_the_layer_control(self):
        layer = township_layer(_towns())
        assert layer.layer_name == "乡镇界线"
        html = _check_map().get_root().render()
        assert "CK-1\\u0026lt;img" in html or "CK-1&lt;img" in html
        assert re.search(r"CK-1<img", html) is None

    def test_permit_tooltip_keeps_holder_and_mineral_text(self):
        data = permit_layer(_permit()).data
        assert "某某\\u003cimg" in data and "煤\\u0026amp;" in data


class TestInChromium:
    """The real outcome, in Debian's Chromium: no image element is made, nothing runs, text shows literally."""

    def test_check_map(self, tmp_path):
        out = inspect_map(_check_map(), tmp_path, zoom=14)
        assert out["xss"] == 0 and out["imgs"] == 0 and out["bolds"] == 0
        assert f"采矿许可证 C1{BOLD}｜某某{IMG}｜煤&amp;" in out["tips"]
        assert f"CK-1{IMG}" in out["tips"]  # townships have no tooltip (they take no clicks): their labels name them
        assert out["clicked"] == out["tips"]  # what a click hands back to the app is the same text
        assert {f"上馆镇{IMG}", f"峨口镇{BOLD}", f"C1{BOLD}"} <= set(out["labels"])
        assert f"CK-1{IMG}" in out["controls"]

    def test_choropleth(self, tmp_path):
        out = inspect_map(_choropleth(), tmp_path)
        assert out["xss"] == 0 and out["imgs"] == 0 and out["bolds"] == 0
        assert sorted(out["tips"]) == sorted([f"上馆镇{IMG} 3", f"峨口镇{BOLD} 5"])
        assert sorted(out["labels"]) == sorted(out["tips"])
