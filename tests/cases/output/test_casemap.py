"""Map building: layers, labels, legend, offline assets (no CDN), size, click ids."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from cases.output.casemap import (
    LAYER_NAMES,
    build_case_map,
    case_id_from_tooltip,
    case_tooltips,
    filter_photos_with_cases,
    selection_group,
)
from cases.service import app_store, check_store
from geo.crs import STORAGE_CRS
from geo.webmap.assets import ALL_FILES, external_refs, inline_assets, served_assets
from geo.webmap.filtering import filterable, shown_mask
from geo.webmap.layers import NO_BASEMAP, basemaps, encode_features
from geo.webmap.maps import build_check_map, view_for_bounds
from geo.webmap.photos import add_layer, photo_layer

STATIC = Path(__file__).resolve().parents[3] / "static"


def shows(html: str, text: str) -> bool:
    """``text`` is in ``html`` literally or as a JSON-escaped string (folium escapes layer names)."""
    return text in html or json.dumps(text)[1:-1] in html


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = app_store(tmp_path_factory.mktemp("map") / "demo.db")
    return store.cases(), check_store(store), store.townships(), store.permits(), store.county()


@pytest.fixture(scope="module")
def demo_html(demo):
    cases, checks, towns, permits, county = demo
    return build_case_map(cases, checks=checks, townships=towns, permits=permits, county=county).get_root().render()


class TestCaseMap:
    def test_no_cdn_script_or_stylesheet(self, demo_html):
        assert external_refs(demo_html) == []
        assert not re.search(r"""<(script|link)[^>]+(src|href)=["']https?://""", demo_html)
        for rel in ("vendor/leaflet/leaflet.js", "vendor/jquery/jquery.min.js", "vendor/leaflet/leaflet.css"):
            assert f"/app/static/{rel}" in demo_html
        assert "bootstrap" not in demo_html and "awesome" not in demo_html

    def test_every_layer_named_in_the_layer_control(self, demo_html):
        for name in LAYER_NAMES.values():
            assert shows(demo_html, name)

    def test_township_and_permit_labels(self, demo, demo_html):
        _, _, towns, permits, _ = demo
        assert len(towns) == 11
        for name in towns["name"]:
            assert f'"{name}"]' in demo_html  # a label row [lat, lon, "name"]
        for no in permits["permit_no"]:
            assert f'"{no}"]' in demo_html

    def test_legend_by_status_and_by_category(self, demo):
        cases, checks, *_ = demo
        by_status = build_case_map(cases, checks=checks).get_root().render()
        by_cat = build_case_map(cases, checks=checks, color_by="category").get_root().render()
        assert "办理状态" in by_status and "查处整改中" in by_status
        assert "违法类别" in by_cat and "7. 越界开采" in by_cat

    def test_cases_carry_their_id_first_in_the_tooltip(self, demo, demo_html):
        cases, checks, *_ = demo
        tips = case_tooltips(cases, checks)
        assert len(tips) == 110
        i = list(cases["case_id"]).index("CK-2019-004")
        assert tips[i] == "CK-2019-004｜采矿｜上磨坊乡｜" + cases["status"].iloc[i] + "｜越界开采、许可证过期"
        assert tips[i] in demo_html
        assert case_id_from_tooltip(tips[i], cases["case_id"]) == "CK-2019-004"
        assert case_id_from_tooltip("上馆镇", cases["case_id"]) is None
        assert case_id_from_tooltip(None) is None

    def test_only_requested_layers(self, demo):
        cases, checks, towns, permits, county = demo
        html = build_case_map(cases, checks=checks, townships=towns, permits=permits, county=county,
                              layers=["county", "mining"]).get_root().render()
        assert shows(html, "采矿案件") and not shows(html, "用地案件") and '"上馆镇"]' not in html

    def test_bad_options_are_refused(self, demo):
        cases = demo[0]
        with pytest.raises(ValueError, match="color_by"):
            build_case_map(cases, color_by="colour")
        with pytest.raises(ValueError, match="unknown layers"):
            build_case_map(cases, layers=["roads"])

    def test_each_case_is_numbered_by_its_row_and_its_photos_with_it(self, demo):
        cases, checks, *_ = demo
        m = build_case_map(cases, checks=checks)
        i = list(cases["case_id"]).index("CK-2019-004")
        add_layer(m, photo_layer([113.0, 113.1], [39.0, 39.1], texts=[["CK-2019-004｜现场.jpg"], ["别处｜x.jpg"]],
                                 far=[False, False], targets=[None, None]))
        filter_photos_with_cases(m, cases["case_id"])
        html = m.get_root().render()
        assert '"t":"CK-2019-004｜采矿｜上磨坊乡｜' in html and f'"n":{i}}}' in html
        photos = filterable(m).layers[-1]
        assert [r.get("n") for r in photos.rows] == [i, None]
        assert f"return [{', '.join(layer.get_name() for layer in filterable(m).layers)}];" in html

    def test_the_selection_group_says_which_cases_to_show(self, demo):
        cases = demo[0]
        keep = (cases["kind"] == "mining").to_numpy()
        group = selection_group(cases.iloc[:0], shown=shown_mask(keep))
        m = build_case_map(cases)
        group.add_to(m)
        html = m.get_root().render()
        assert json.dumps(shown_mask(keep)) in html and "_casemapApplied" in html
        assert shown_mask(np.ones(3, bool)) is None

    def test_demo_map_is_small(self, demo_html):
        assert len(demo_html.encode("utf-8")) < 300_000


class TestCheckMap:
    def test_parts_and_draw_tool_are_local(self):
        subject = box(113.0, 39.0, 113.01, 39.01)
        permit = gpd.GeoDataFrame({"permit_no": ["C1"], "holder": ["甲"], "mineral": ["铁矿"]},
                                  geometry=[box(113.0, 39.0, 113.005, 39.01)], crs=STORAGE_CRS)
        outside = subject.difference(permit.geometry.iloc[0])
        html = build_check_map(subject, outside=outside, permit=permit, draw=True,
                               label="CK-1").get_root().render()
        assert external_refs(html) == []
        assert "/app/static/vendor/leaflet-draw/leaflet.draw.js" in html
        assert "许可范围外部分" in html and "画多边形" in html and '"C1"]' in html


class TestOfflineAssets:
    def test_vendored_files_exist(self):
        for rel in ALL_FILES:
            assert (STATIC / rel).stat().st_size > 1000, rel

    def test_inline_assets_need_no_server(self):
        assets = inline_assets(lambda rel: (STATIC / rel).read_bytes())
        assert assets.mode == "inline"
        assert assets["vendor/leaflet/leaflet.js"].startswith("data:text/javascript;base64,")
        import base64
        css = base64.b64decode(assets["vendor/leaflet-draw/leaflet.draw.css"].split(",", 1)[1]).decode()
        assert "url(data:image/svg+xml;base64," in css and "images/spritesheet" not in css

    def test_served_assets_base_url(self):
        assert served_assets("/x/")["vendor/jquery/jquery.min.js"] == "/x/vendor/jquery/jquery.min.js"


class TestHelpers:
    def test_encode_features_rounds_to_6_decimals_and_escapes_script_end(self):
        text = encode_features([Point(112.123456789, 39.987654321)], [{"t": "</script>"}])
        assert "[112.123457,39.987654]" in text and "</script>" not in text

    def test_view_for_bounds(self):
        center, zoom = view_for_bounds((112.7, 38.85, 113.35, 39.3), width_px=900, height_px=600)
        assert center == pytest.approx([39.075, 113.025])
        assert zoom == 10
        _, z_small = view_for_bounds((113.0, 39.0, 113.002, 39.002))
        assert z_small == 17

    def test_basemaps(self):
        assert list(basemaps())[0] == NO_BASEMAP and basemaps()[NO_BASEMAP] is None
        tdt = basemaps(tianditu_key="KEY")
        assert "tk=KEY" in tdt["天地图矢量（需联网）"].url and "cva" in tdt["天地图矢量（需联网）"].overlay_url
        assert "天地图影像（需联网）" not in basemaps()
