"""越界核查: no one-option radio, one map (one legend name) after drawing, 度分秒 accepted, swaps said, bad rows named."""

from __future__ import annotations

import json

from tests.ui.conftest import page_app

SQUARE = {"type": "Polygon", "coordinates": [[[113.0, 39.0], [113.001, 39.0], [113.001, 39.001], [113.0, 39.001],
                                              [113.0, 39.0]]]}


def _walk(node, out):
    for child in getattr(node, "children", {}).values():
        out.append(child)
        _walk(child, out)
    return out


def _maps(at) -> list:
    return [e for e in _walk(at.main, []) if getattr(e, "type", "") == "component_instance"]


def _source(at, source: str):
    at.radio(key="check_source").set_value(source).run()
    assert not at.exception
    return at


class TestOneWayIn:
    def test_no_one_option_radio(self, demo_db):
        at = _source(page_app("page_check").run(), "粘贴坐标")
        assert [r.label for r in at.radio] == ["核查对象"]

    def test_one_map_after_drawing_with_one_legend_name(self, demo_db):
        at = _source(page_app("page_check").run(), "在地图上绘制")
        assert len(_maps(at)) == 1
        at.session_state["check_geom_drawn_geometry"] = SQUARE
        at.run()
        assert not at.exception
        maps = _maps(at)
        assert len(maps) == 1
        html = json.dumps(json.loads(maps[0].proto.json_args), ensure_ascii=False)
        assert "核查图形" in html and "核查对象" not in html
        assert "L.Control.Draw" in html
        assert {m.label for m in at.metric} >= {"面积（亩）", "面积（平方米）"}


class TestPastedCoordinates:
    def _paste(self, demo_db, text: str):
        at = _source(page_app("page_check").run(), "粘贴坐标")
        at.text_area(key="check_geom_text").set_value(text).run()
        assert not at.exception
        return at

    def test_degrees_minutes_seconds(self, demo_db):
        at = self._paste(demo_db, "112°57′18″, 39°03′01″\n112度57分30秒 39度3分1秒\nE112°57'30\" N39°03'20\"")
        assert "识别为：经纬度（CGCS2000）" in [c.value for c in at.caption]
        assert {m.label for m in at.metric} >= {"面积（亩）"} and not at.error

    def test_swapped_lat_lon_is_said(self, demo_db):
        at = self._paste(demo_db, "39.02, 113.05\n39.02, 113.056\n39.025, 113.056")
        assert any("纬度, 经度" in i.value and "已自动调换" in i.value for i in at.info)

    def test_bad_row_is_named_with_the_pair_as_written(self, demo_db):
        at = self._paste(demo_db, "113.05, 39.02\n16.8, 38.5\n113.056, 39.025")
        message = at.error[0].value
        assert "第 2 行「16.8, 38.5」" in message
