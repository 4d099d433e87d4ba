"""Map controls every casemap map carries: a metric scale bar, a Chinese attribution, Chinese Leaflet.draw texts."""

from __future__ import annotations

import html
import json

from branca.element import MacroElement
from folium.template import Template

from geo.webmap.layers import script_json

#: The note in the map's corner (replacing Leaflet's own English attribution).
DATA_NOTE = "数据：本系统案件库、采矿许可证与县乡界线（CGCS2000）"


class MapControls(MacroElement):
    """A metric-only scale bar and a Chinese attribution (``note``) without Leaflet's English prefix.

    Add it right after the map is made (``folium.Map(..., attribution_control=False)``, without
    ``control_scale``), so that basemap tile layers added later put their attribution in it.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map) {
            L.control.scale({metric: true, imperial: false}).addTo(map);
            // Leaflet focuses the map on the first press after it lost focus (its keyboard handler).  In a
            // frame that runs below the window's edge that focus scrolls the page to show the whole frame,
            // between the press and the release: the click then lands some pixels off the marker pressed
            // (on another case, or none).  Focus without scrolling.
            var box = map.getContainer();
            box.focus = function(o) { HTMLElement.prototype.focus.call(box, Object.assign({}, o, {preventScroll: true})); };
            map.attributionControl = L.control.attribution({prefix: false}).addTo(map);
            map.attributionControl.addAttribution({{ this.note_json }});
            // Leaflet's own button titles are English: once every control is on the map, name them in Chinese
            setTimeout(function() {
                var c = map.getContainer(), names = {'.leaflet-control-zoom-in': '放大', '.leaflet-control-zoom-out': '缩小',
                                                     '.leaflet-control-layers-toggle': '图层'};
                Object.keys(names).forEach(function(sel) {
                    c.querySelectorAll(sel).forEach(function(a) {
                        a.title = names[sel]; a.setAttribute('aria-label', names[sel]);
                    });
                });
            }, 0);
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, note: str = DATA_NOTE) -> None:
        super().__init__()
        self._name = "MapControls"
        self.note_json = script_json(json.dumps(html.escape(note, quote=True), ensure_ascii=False))


class DrawLocalZh(MacroElement):
    """Chinese button and hint texts for Leaflet.draw (add before the ``Draw`` plugin)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        if (L.drawLocal) {
            var d = L.drawLocal.draw, e = L.drawLocal.edit;
            d.toolbar.actions.text = '取消'; d.toolbar.actions.title = '取消绘制';
            d.toolbar.finish.text = '完成'; d.toolbar.finish.title = '完成绘制';
            d.toolbar.undo.text = '撤销最后一点'; d.toolbar.undo.title = '撤销最后一点';
            d.toolbar.buttons.polygon = '画多边形（地块范围）';
            d.toolbar.buttons.rectangle = '画矩形';
            d.toolbar.buttons.marker = '标点';
            d.handlers.polygon.tooltip.start = '单击开始画多边形';
            d.handlers.polygon.tooltip.cont = '单击继续画';
            d.handlers.polygon.tooltip.end = '单击第一个点结束';
            d.handlers.rectangle.tooltip.start = '按住并拖动画矩形';
            d.handlers.marker.tooltip.start = '单击地图放置点';
            d.handlers.simpleshape.tooltip.end = '松开鼠标结束';
            e.toolbar.actions.save.text = '保存'; e.toolbar.actions.cancel.text = '取消';
            e.toolbar.actions.clearAll.text = '全部清除';
            e.toolbar.buttons.edit = '编辑图形'; e.toolbar.buttons.remove = '删除图形';
            e.toolbar.buttons.editDisabled = '没有可编辑的图形'; e.toolbar.buttons.removeDisabled = '没有可删除的图形';
            e.toolbar.actions.save.title = '保存修改'; e.toolbar.actions.cancel.title = '放弃修改';
            e.toolbar.actions.clearAll.title = '清除全部图形';
            e.handlers.edit.tooltip.text = '拖动拐点或标记修改图形';
            e.handlers.edit.tooltip.subtext = '单击“取消”放弃修改';
            e.handlers.remove.tooltip.text = '单击要删除的图形';
            d.toolbar.buttons.polyline = '画线'; d.toolbar.buttons.circle = '画圆';
            d.toolbar.buttons.circlemarker = '画圆点';
            d.handlers.polyline.tooltip.start = '单击开始画线';
            d.handlers.polyline.tooltip.cont = '单击继续画线';
            d.handlers.polyline.tooltip.end = '单击最后一点结束';
            d.handlers.polyline.error = '<strong>错误：</strong>边不能相交！';
            d.handlers.circle.tooltip.start = '按住并拖动画圆';
            d.handlers.circle.radius = '半径';
            d.handlers.circlemarker.tooltip.start = '单击地图放置圆点';
        }
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "DrawLocalZh"
