"""Field photos on a web map: a camera marker per photo, a dashed line to its case when far, a thumbnail popup.

Pure map building: points and case geometries in CGCS2000 lon/lat in, a folium layer out.  Popup text is
set as text nodes (never HTML); a thumbnail is accepted only as a ``data:image/jpeg;base64,`` URI, so nothing
is fetched from a server and nothing in a note or a file name can become markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from geo.webmap.layers import Legend, PlainRender, script_json

#: The layer's name in the layer control.
LAYER_NAME = "现场照片"
#: A camera, drawn inline (no icon font, no CDN).
CAMERA_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="22" height="22" viewBox="0 0 24 24">'
              '<circle cx="12" cy="12" r="11.5" fill="#ffffff" stroke="{color}" stroke-width="1.5"/>'
              '<path d="M7 9h2l1-1.5h4L15 9h2a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1v-6a1 1 0 0 1 1-1z" '
              'fill="{color}"/><circle cx="12" cy="13" r="2.3" fill="#ffffff"/></svg>')
NEAR_COLOR = "#08519c"
FAR_COLOR = "#c0003c"
_THUMB = re.compile(r"^data:image/jpeg;base64,[A-Za-z0-9+/=]+$")


class PhotoLayer(Layer, PlainRender):
    """Photo markers (camera icons) with popups, and lines from far photos to their cases."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function(group) {
            var icons = {{ this.icons_json }};
            {{ this.rows_json }}.forEach(function(r) {
                if (r.line) {
                    L.polyline(r.line, {color: icons.far_color, weight: 2, dashArray: '6 5', interactive: false, n: r.n})
                        .addTo(group);
                }
                var box = document.createElement('div');
                box.className = 'casemap-photo';
                if (r.thumb) {
                    var img = document.createElement('img');
                    img.src = r.thumb; img.style.maxWidth = '220px'; img.style.display = 'block';
                    box.appendChild(img);
                }
                r.text.forEach(function(t, i) {
                    var line = document.createElement(i === 0 ? 'b' : 'div');
                    line.textContent = String(t);
                    box.appendChild(line);
                    if (i === 0) { box.appendChild(document.createElement('br')); }
                });
                L.marker([r.lat, r.lon], {title: String(r.text[0] || ''), n: r.n,
                    icon: L.divIcon({className: 'casemap-camera', html: r.far ? icons.far : icons.near,
                                     iconSize: [22, 22], iconAnchor: [11, 11]})})
                    .bindPopup(box, {maxWidth: 240}).addTo(group);
            });
        })({{ this.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, rows: list[dict], *, name: str = LAYER_NAME, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PhotoLayer"
        self.any_far = any(r.get("far") for r in rows)
        self.rows = rows
        self.rows_json = script_json(json.dumps(rows, ensure_ascii=False))
        self.icons_json = script_json(json.dumps({"near": CAMERA_SVG.format(color=NEAR_COLOR),
                                                  "far": CAMERA_SVG.format(color=FAR_COLOR),
                                                  "far_color": FAR_COLOR}))

    def number(self, numbers: Sequence[int | None]) -> None:
        """Give each photo the number ``n`` of the feature it belongs to (see ``geo.webmap.filtering``: shown and
        hidden with it); None leaves a photo always shown."""
        for row, n in zip(self.rows, numbers):
            if n is not None:
                row["n"] = int(n)
        self.rows_json = script_json(json.dumps(self.rows, ensure_ascii=False))


def photo_layer(lon: Sequence[float], lat: Sequence[float], *, texts: Sequence[Sequence[str]],
                far: Sequence[bool], targets: Sequence[shapely.Geometry | None],
                thumbs: Sequence[str | None] | None = None, name: str = LAYER_NAME) -> MacroElement:
    """The photo layer: one camera marker per position (lon/lat), popup lines ``texts`` (first one bold) under an
    optional thumbnail (``data:image/jpeg;base64,…`` only), and for a ``far`` photo a dashed line to the nearest
    point of its case geometry ``targets`` (lon/lat)."""
    n = len(lon)
    thumbs = list(thumbs) if thumbs is not None else [None] * n
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)) if n else []
    rows = []
    for i in range(n):
        row = {"lon": float(lon[i]), "lat": float(lat[i]), "text": [str(t) for t in texts[i]], "far": bool(far[i]),
               "thumb": thumbs[i] if thumbs[i] and _THUMB.match(thumbs[i]) else None, "line": None}
        target = targets[i]
        if far[i] and target is not None and not shapely.is_empty(target):
            near = shapely.get_coordinates(shapely.shortest_line(points[i], target))
            row["line"] = [[float(y), float(x)] for x, y in near]
        rows.append(row)
    return PhotoLayer(rows, name=name)


def add_layer(m: folium.Map, layer: MacroElement) -> folium.Map:
    """Add ``layer`` to a finished map, keeping the layer control after it: the control's script names every
    layer of the map and must run after they are defined.  A photo layer also gets its camera rows in the
    map's legend (if it has one).  Returns ``m``."""
    if isinstance(layer, PhotoLayer):
        _legend_rows(m, layer)
    controls = [(key, child) for key, child in m._children.items() if isinstance(child, folium.LayerControl)]
    for key, _ in controls:
        del m._children[key]
    layer.add_to(m)
    for key, child in controls:
        m._children[key] = child
    return m


def _legend_rows(m: folium.Map, layer: PhotoLayer) -> None:
    """The 现场照片 rows of the legend: a blue camera, and a red one when a photo lies far from its case."""
    for child in m._children.values():
        if isinstance(child, Legend):
            child.add_icon(CAMERA_SVG.format(color=NEAR_COLOR), layer.layer_name)
            if layer.any_far:
                child.add_icon(CAMERA_SVG.format(color=FAR_COLOR), f"{layer.layer_name}（离案件较远，虚线连到案件）")
