"""Show only some features of a shown map, without redrawing the map.

A map is built once with every feature it may show, each tagged with a number ``n`` (its position in
the list the map was built from: the ``n`` property of a feature made by ``encode_features``, which a
``VectorLayer`` also gives the marker it draws at a polygon's centre).  ``Filterable`` names the layers
whose features are so tagged.  ``ShowOnly`` (put in the group streamlit-folium's ``feature_group_to_add``
swaps on the shown map) says which numbers to show, as a bitmask: the other features are taken off the
map (not drawn, not clickable) and put back when shown again.  A filter then costs a few kB sent and the
features that change, not a new map of tens of thousands of features.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence

import numpy as np
from branca.element import MacroElement
from folium.template import Template


def shown_mask(shown: Sequence[bool] | np.ndarray) -> str | None:
    """The bitmask ``ShowOnly`` takes: bit ``n`` (least significant first in each byte) set when feature
    ``n`` is shown, base64; None when every feature is shown."""
    arr = np.asarray(shown, dtype=bool)
    if arr.all():
        return None
    return base64.b64encode(np.packbits(arr, bitorder="little").tobytes()).decode("ascii")


class Filterable(MacroElement):
    """Name ``layers`` (``VectorLayer``s whose features carry ``n``, a ``PhotoLayer`` whose rows do) as the ones
    ``ShowOnly`` filters (:meth:`add` names one more)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        // a function: a layer added to the map after this element is defined only further down the script
        {{ this._parent.get_name() }}._casemapFilterable = function() {
            return [{% for l in this.layers %}{{ l.get_name() }}{{ ', ' if not loop.last }}{% endfor %}];
        };
        {% endmacro %}
    """)

    def __init__(self, layers: Sequence[MacroElement]) -> None:
        super().__init__()
        self._name = "Filterable"
        self.layers = list(layers)  # named when rendered: streamlit-folium renames the layers it renders

    def add(self, layer: MacroElement) -> None:
        self.layers.append(layer)


def filterable(m: MacroElement) -> Filterable | None:
    """The ``Filterable`` of map ``m``, if it has one."""
    return next((c for c in m._children.values() if isinstance(c, Filterable)), None)


class ShowOnly(MacroElement):
    """Show only the features whose bit is set in ``mask`` (from :func:`shown_mask`; None: show all) when the
    group holding this element is added to a map.  Counts what it did on the map (``_casemapShown``: features
    shown; ``_casemapApplied``: how many times a mask was applied; ``_casemapMs``: how long the last one took), for
    tests and the benchmark."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.on('add', function(e) {
            var map = e.target._map, mask = {{ this.mask_json }}, t0 = performance.now();
            if (!map._casemapIndex) {
                // once, while every feature is still in its layer: [layer holding it, feature, n]
                var index = [];
                (map._casemapFilterable ? map._casemapFilterable() : []).forEach(function(group) {
                    group.eachLayer(function(l) {
                        if (l instanceof L.GeoJSON) {
                            l.eachLayer(function(f) {
                                var n = f.feature && f.feature.properties.n;
                                if (typeof n === 'number') { index.push([l, f, n]); }
                            });
                        } else if (typeof l.options.n === 'number') {
                            index.push([group, l, l.options.n]);
                        }
                    });
                });
                map._casemapIndex = index;
            }
            var bits = mask === null ? null : atob(mask), shown = 0;
            map._casemapIndex.forEach(function(r) {
                var n = r[2], show = bits === null || ((bits.charCodeAt(n >> 3) >> (n & 7)) & 1) === 1;
                var on = r[0].hasLayer(r[1]);
                if (show && !on) { r[0].addLayer(r[1]); }
                if (!show && on) { r[0].removeLayer(r[1]); }
                if (show) { shown += 1; }
            });
            map._casemapShown = shown;
            map._casemapApplied = (map._casemapApplied || 0) + 1;
            map._casemapMs = performance.now() - t0;
        });
        {% endmacro %}
    """)

    def __init__(self, mask: str | None) -> None:
        super().__init__()
        self._name = "ShowOnly"
        self.mask_json = json.dumps(mask)
