"""Lean folium elements for casemap maps: compact GeoJSON layers with labels, a legend, basemaps.

folium's own ``GeoJson`` embeds every property and a style per feature; with 10,000 cases that is
tens of megabytes.  ``VectorLayer`` embeds one compact FeatureCollection (coordinates rounded to
6 decimals ≈ 0.1 m, properties reduced to short keys) and a small style table, and builds tooltips
and labels in the browser.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

#: Decimal places kept in lon/lat coordinates sent to the browser (1e-6° ≈ 0.1 m).
COORD_DECIMALS = 6

#: CSS of labels, the legend and an empty-basemap background; CJK fonts first.
MAP_CSS = """
<style>
html .leaflet-container { background: #f3f1ea; font-family: "Noto Sans CJK SC", "Microsoft YaHei",
  "PingFang SC", "Source Han Sans SC", sans-serif; }
.casemap-label { background: none; border: none; box-shadow: none; white-space: nowrap;
  font-size: 13px; font-weight: bold; color: #333; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.casemap-label span { position: absolute; transform: translate(-50%, -50%); }
.casemap-label.permit { font-size: 11px; font-weight: normal; color: #6a3d9a; }
.casemap-label.above span { transform: translate(-50%, -115%); }
.casemap-label.below span { transform: translate(-50%, 15%); }
.casemap-label.selected { font-size: 14px; color: #08306b; }
.leaflet-control-attribution, .leaflet-control-scale-line { font-size: 11px; }
.casemap-legend { background: rgba(255,255,255,0.9); padding: 4px 8px; border-radius: 4px; max-width: 160px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 11px; line-height: 16px; max-height: 300px;
  overflow-y: auto; }
.casemap-legend summary { cursor: pointer; font-weight: bold; }
.casemap-legend i { display: inline-block; width: 14px; height: 11px; margin-right: 5px;
  vertical-align: middle; border: 1px solid #555; }
.casemap-legend b { display: block; margin-top: 3px; }
.casemap-legend-icon svg { width: 15px; height: 15px; margin-right: 4px; vertical-align: middle; }
</style>
"""


def encode_features(geoms: Sequence[shapely.Geometry] | np.ndarray, props: Sequence[dict[str, Any]]) -> str:
    """A GeoJSON FeatureCollection string of lon/lat ``geoms`` with ``props``, coordinates rounded.

    The text is safe to put inside a ``<script>`` element (see :func:`script_json`); a tooltip ``t``
    is plain text, shown as typed (see :class:`VectorLayer`).
    """
    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0:
        return '{"type":"FeatureCollection","features":[]}'
    rounded = shapely.transform(arr, lambda c: np.round(c, COORD_DECIMALS))
    gj = shapely.to_geojson(rounded)
    parts = [
        f'{{"type":"Feature","geometry":{g},"properties":{json.dumps(p, ensure_ascii=False, separators=(",", ":"))}}}'
        for g, p in zip(gj, props)
    ]
    return script_json('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}")


def label_points(geoms: Sequence[shapely.Geometry] | np.ndarray, texts: Sequence[str], *,
                 where: str = "inside") -> list[list]:
    """``[lat, lon, text]`` for a label of each geometry; ``text`` is plain text, shown as typed (the
    browser puts it in a text node, never parses it as HTML).

    ``where="inside"``: at the geometry's representative point.  ``"above"``: at the middle of the
    top edge of its bounding box (a label class such as ``casemap-label above`` then sets the text
    just above that point, so it never covers what lies inside the geometry).  ``"below"``: the same
    at the bottom edge.
    """
    arr = np.asarray(geoms, dtype=object)
    if where == "inside":
        pts = shapely.point_on_surface(arr)
        xs, ys = shapely.get_x(pts), shapely.get_y(pts)
    elif where in ("above", "below"):
        b = shapely.bounds(arr).reshape(-1, 4)
        xs, ys = (b[:, 0] + b[:, 2]) / 2, (b[:, 3] if where == "above" else b[:, 1])
    else:
        raise ValueError(f"where must be 'inside', 'above' or 'below', got {where!r}")
    return [[round(float(y), COORD_DECIMALS), round(float(x), COORD_DECIMALS), str(t)]
            for x, y, t in zip(xs, ys, texts)]


def script_json(text: str) -> str:
    """JSON ``text`` made safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` as ``\\u003c`` … escapes.

    They occur in JSON only inside strings, where the escapes mean the same characters, so no value
    can close the script (``</script>``) or open an HTML comment (``<!--``) in the page.
    """
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Rendered(Element):
    """Text already rendered, put in the page as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class PlainRender(MacroElement):
    """A ``MacroElement`` with only a ``script`` macro, rendered once, as text.  A layer lists it after
    ``Layer`` (``class VectorLayer(Layer, PlainRender)``), so that it takes only ``MacroElement``'s step.

    branca's ``MacroElement.render`` wraps the rendered script in ``Element(text)``, which compiles the
    text as a Jinja template: megabytes of GeoJSON lexed for nothing (0.4 s a map at 10,000 cases, on
    every render; streamlit-folium renders a map twice).
    """

    def render(self, **kwargs) -> None:
        self.get_root().script.add_child(_Rendered(self._template.module.script(self, kwargs)),
                                         name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class VectorLayer(Layer, PlainRender):
    """One switchable overlay: a GeoJSON collection styled from a style table, with optional labels.

    Parameters
    ----------
    data
        FeatureCollection text from ``encode_features``.  A feature's ``s`` property indexes
        ``styles``; ``t`` (if present) is its hover tooltip.
    styles
        Leaflet path options (``color``, ``weight``, ``fillColor``, ``fillOpacity``, ``dashArray``,
        ``radius`` for points).
    labels
        ``[lat, lon, text]`` rows drawn as permanent text labels (``label_class`` CSS class).
    interactive
        False lets clicks pass through to the layers below (e.g. a highlight halo).
    canvas
        Draw on a canvas instead of SVG elements (for thousands of features).
    centroid_markers
        Also mark each polygon with a circle at its centre, so that small parcels stay visible and
        clickable at county scale.
    label_min_zoom
        Labels show only from this zoom level on (e.g. permit numbers, which crowd a county view).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function(group, map) {
            var S = {{ this.styles_json }};
            {%- if this.canvas %}
            // One canvas for every canvas layer of the map: a canvas takes all the clicks over the
            // map, so a second one (another case layer, or the halo ring layer) on top of it would
            // hide the features of the first from the mouse.  Hit-testing on one canvas finds the
            // topmost interactive feature of any layer; ``tolerance`` widens a marker's hit area.
            var R = map._casemapCanvas || (map._casemapCanvas = L.canvas({padding: 0.5, tolerance: 3}));
            S = S.map(function(o) { return Object.assign({renderer: R}, o); });
            {%- endif %}
            // Tooltips and labels are plain text: Leaflet puts a string tooltip in innerHTML, so it
            // gets the text HTML-escaped (and streamlit-folium's click handler reads it back as text);
            // labels are text nodes.
            function esc(s) {
                return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
                    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
            }
            function textSpan(s) {
                var span = document.createElement('span');
                span.textContent = String(s);
                return span;
            }
            L.geoJSON({{ this.data }}, {
                interactive: {{ this.interactive_js }},
                style: function(f) { return S[f.properties.s || 0]; },
                // L.geoJSON's ``interactive`` does not reach markers made here: pass it on, or a
                // non-interactive ring drawn over a case would take the case's clicks.
                pointToLayer: function(f, ll) {
                    return L.circleMarker(ll, Object.assign({interactive: {{ this.interactive_js }}}, S[f.properties.s || 0]));
                },
                onEachFeature: function(f, l) {
                    var t = f.properties.t;
                    if (t) { t = esc(t); l.bindTooltip(t, {sticky: true}); }
                    {%- if this.centroid_markers %}
                    if (f.geometry.type !== 'Point') {
                        var o = Object.assign({}, S[f.properties.s || 0], {interactive: {{ this.interactive_js }}, n: f.properties.n});
                        var c = L.circleMarker(l.getBounds().getCenter(), o).addTo(group);
                        if (t) { c.bindTooltip(t, {sticky: true}); }
                    }
                    {%- endif %}
                }
            }).addTo(group);
            var labels = L.layerGroup();
            {{ this.labels_json }}.forEach(function(r) {
                L.marker([r[0], r[1]], {interactive: false, keyboard: false,
                    icon: L.divIcon({className: {{ this.label_class_json }}, html: textSpan(r[2]),
                                     iconSize: null, iconAnchor: [0, 0]})}).addTo(labels);
            });
            function showLabels() {
                var on = map.getZoom() >= {{ this.label_min_zoom }};
                if (on && !group.hasLayer(labels)) { group.addLayer(labels); }
                if (!on && group.hasLayer(labels)) { group.removeLayer(labels); }
            }
            map.on('zoomend', showLabels);
            showLabels();
        })({{ this.get_name() }}, {{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data: str, styles: Sequence[dict[str, Any]], *, name: str,
                 labels: Sequence[Sequence] = (), label_class: str = "casemap-label",
                 interactive: bool = True, show: bool = True, canvas: bool = False,
                 centroid_markers: bool = False, label_min_zoom: int = 0) -> None:
        super().__init__(name=_esc(name), overlay=True, control=True, show=show)  # the layer control shows HTML
        self._name = "VectorLayer"
        self.data = data
        self.styles_json = script_json(json.dumps(list(styles), ensure_ascii=False))
        self.labels_json = script_json(json.dumps([list(r) for r in labels], ensure_ascii=False))
        self.label_class_json = script_json(json.dumps(label_class))
        self.interactive_js = "true" if interactive else "false"
        self.canvas = canvas
        self.centroid_markers = centroid_markers
        self.label_min_zoom = int(label_min_zoom)


class Highlight(PlainRender):
    """A picked feature: a thick outline (not interactive, so clicks reach the case under it) and a
    plain-text label just below it (e.g. the case id).  Add it to a ``folium.FeatureGroup`` (such a
    group can be swapped on a shown map without redrawing the map: streamlit-folium's
    ``feature_group_to_add``) or to a map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(group) {
            var style = {{ this.style_json }};
            L.geoJSON({{ this.data }}, {
                interactive: false, style: function() { return style; },
                pointToLayer: function(f, ll) { return L.circleMarker(ll, Object.assign({radius: 11}, style)); }
            }).addTo(group);
            {{ this.labels_json }}.forEach(function(r) {
                var span = document.createElement('span');
                span.textContent = String(r[2]);
                L.marker([r[0], r[1]], {interactive: false, keyboard: false, zIndexOffset: 1000,
                    icon: L.divIcon({className: 'casemap-label selected below', html: span,
                                     iconSize: null, iconAnchor: [0, 0]})}).addTo(group);
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, geoms: Sequence[shapely.Geometry] | np.ndarray, labels: Sequence[str], *,
                 color: str = "#08306b") -> None:
        super().__init__()
        self._name = "Highlight"
        self.data = encode_features(geoms, [{} for _ in labels])
        self.style_json = script_json(json.dumps({"color": color, "weight": 4, "fill": False, "opacity": 0.9}))
        self.labels_json = script_json(json.dumps(label_points(geoms, labels, where="below"), ensure_ascii=False))


class FitView(MacroElement):
    """Fit the map to lon/lat ``bounds`` when the group holding this element is added to a map.

    The fit is made in the browser at the map's real size (a phone's 360 px or a wide screen's
    900 px), keeping ``pad_right_px`` clear on the right (the legend) when the map is wide enough.
    Put it in the group given to streamlit-folium's ``feature_group_to_add``: the map is fitted each
    time the group changes (a new case or township picked) and never redrawn for it.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on('add', function(e) {
            var map = e.target._map, b = {{ this.bounds_json }};
            function fit() {
                var w = map.getSize().x, pr = w > 2.5 * {{ this.pad_right }} ? {{ this.pad_right }} : 12;
                map.fitBounds([[b[1], b[0]], [b[3], b[2]]],
                              {paddingTopLeft: [12, 12], paddingBottomRight: [pr, 12], maxZoom: {{ this.max_zoom }},
                               animate: false});
            }
            // An iframe still being laid out (a phone's narrow column) may be resized or moved after this:
            // fit again then, unless the user has taken the map in hand meanwhile.
            var user = false;
            L.DomEvent.on(map.getContainer(), 'mousedown touchstart wheel keydown', function() { user = true; });
            function again() { if (!user) { map.invalidateSize({animate: false}); fit(); } }
            var s = map.getSize();
            if (s.x > 50 && s.y > 50) { fit(); }
            map.once('resize', again);
            setTimeout(again, 400);
        });
        {% endmacro %}
    """)

    def __init__(self, bounds: Sequence[float], *, max_zoom: int = 17, pad_right_px: int = 0) -> None:
        super().__init__()
        self._name = "FitView"
        self.bounds_json = json.dumps([round(float(v), COORD_DECIMALS) for v in bounds])
        self.max_zoom = int(max_zoom)
        self.pad_right = int(pad_right_px)


class Legend(MacroElement):
    """A legend control (bottom right) from ``(title, [(colour, label, border), ...])`` sections."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'casemap-legend');
                div.innerHTML = {{ this.html_json }};
                // on a phone's narrow map the open legend would cover the data: start it folded
                var details = div.querySelector('details');
                if (details && (window.innerWidth || 1000) < 480) { details.open = false; }
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, sections: Sequence[tuple[str, Sequence[tuple[str, str, str]]]]) -> None:
        super().__init__()
        self._name = "Legend"
        self.sections = [(title, list(items)) for title, items in sections]
        self.icons: list[tuple[str, str]] = []
        self.html_json = self._html_json()

    def add_icon(self, svg: str, text: str) -> None:
        """Add a row drawn with an icon (``svg``: casemap's own inline SVG markup, never user text) under
        the last section, e.g. the camera of the 现场照片 layer."""
        self.icons.append((svg, text))
        self.html_json = self._html_json()

    def _html_json(self) -> str:
        rows = ["<details open><summary>图例</summary>"]
        for title, items in self.sections:
            rows.append(f"<b>{_esc(title)}</b>")
            rows += [f'<i style="background:{fill};border-color:{border}"></i>{_esc(text)}<br>'
                     for fill, text, border in items]
        rows += [f'<span class="casemap-legend-icon">{svg}</span>{_esc(text)}<br>' for svg, text in self.icons]
        rows.append("</details>")
        return script_json(json.dumps("".join(rows), ensure_ascii=False))


def _esc(text: str) -> str:
    """``text`` for HTML: ``&``, ``<``, ``>`` and quotes escaped."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Basemap:
    """A tile basemap: ``url`` with {z}/{x}/{y} (and {s}), attribution, subdomains."""

    name: str
    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18
    overlay_url: str = ""  # e.g. Tianditu's annotation layer


NO_BASEMAP = "无底图（离线）"
GCJ02_WARNING = ("注意：高德、腾讯等国内互联网地图使用 GCJ-02 加密坐标，与本系统的 CGCS2000 坐标相差数百米，"
                 "不可作为底图套合；天地图与 CGCS2000 一致，可以使用。")


def basemaps(*, tianditu_key: str = "", custom_url: str = "") -> dict[str, Basemap | None]:
    """Available basemaps by Chinese name; the first (no basemap) always works offline.

    Tianditu needs a key (``tianditu_key``); ``custom_url`` is a tile server on the local network.
    """
    out: dict[str, Basemap | None] = {NO_BASEMAP: None}
    if custom_url:
        out["本地瓦片服务"] = Basemap("本地瓦片服务", custom_url, "本地瓦片", subdomains="")
    out["OpenStreetMap（需联网）"] = Basemap(
        "OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap 贡献者", subdomains="", max_zoom=19)
    if tianditu_key:
        tdt = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
               "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
               "&TILECOL={x}&tk=" + tianditu_key)
        for label, layer, note in (("天地图矢量（需联网）", "vec", "cva"), ("天地图影像（需联网）", "img", "cia")):
            out[label] = Basemap(label, tdt.replace("{layer}", layer), "天地图 &copy; 国家地理信息公共服务平台",
                                 subdomains="01234567", overlay_url=tdt.replace("{layer}", note))
    return out
