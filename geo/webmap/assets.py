"""Offline web assets for folium maps: point Leaflet, jQuery and Leaflet.draw at local copies.

A stock ``folium.Map`` loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, so on a closed
network it shows a blank frame.  The files casemap needs are vendored in ``static/vendor/`` (see its
README); this module says which file each folium element needs and rewrites the element's
``default_js``/``default_css`` *on the instance* (never on the folium class), either to URLs where
the files are served (Streamlit static serving: ``/app/static/vendor/...``) or to ``data:`` URIs
built from their bytes.  Nothing here reads files: the caller passes a ``read`` function.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import branca
import folium
import folium.elements

#: Where Streamlit serves the repository's ``static/`` folder (server.enableStaticServing).
STREAMLIT_STATIC_URL = "/app/static"

#: Vendored files, relative to ``static/``, keyed by what they are.
LEAFLET_JS = "vendor/leaflet/leaflet.js"
LEAFLET_CSS = "vendor/leaflet/leaflet.css"
JQUERY_JS = "vendor/jquery/jquery.min.js"
DRAW_JS = "vendor/leaflet-draw/leaflet.draw.js"
DRAW_CSS = "vendor/leaflet-draw/leaflet.draw.css"
ALL_FILES = (LEAFLET_JS, LEAFLET_CSS, JQUERY_JS, DRAW_JS, DRAW_CSS)

#: What each folium element class needs: (js files, css files).  Bootstrap, Font Awesome and
#: awesome-markers are dropped on purpose: casemap draws no awesome-marker icons.
NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Map": ((LEAFLET_JS, JQUERY_JS), (LEAFLET_CSS,)),
    "Draw": ((DRAW_JS,), (DRAW_CSS,)),
}

_MIME = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:|#|https?:|/)([^'")]+)\1\s*\)""")
_EXTERNAL = re.compile(
    r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)["']""", re.IGNORECASE
)


@dataclass(frozen=True)
class AssetUrls:
    """URL (or ``data:`` URI) of every vendored file, keyed by its path under ``static/``."""

    urls: dict[str, str]
    mode: str  # "served" | "inline"

    def __getitem__(self, rel: str) -> str:
        return self.urls[rel]


def served_assets(base_url: str = STREAMLIT_STATIC_URL) -> AssetUrls:
    """URLs of the vendored files where a web server serves ``static/`` at ``base_url``."""
    base = base_url.rstrip("/")
    return AssetUrls({rel: f"{base}/{rel}" for rel in ALL_FILES}, "served")


def inline_assets(read: Callable[[str], bytes]) -> AssetUrls:
    """``data:`` URIs of the vendored files; ``read(rel)`` returns the bytes of ``static/<rel>``.

    Images a stylesheet refers to with ``url(...)`` are inlined into the stylesheet too, so the map
    needs no server at all (e.g. a map saved as one HTML file).
    """
    urls = {}
    for rel in ALL_FILES:
        data = read(rel)
        if rel.endswith(".css"):
            data = _inline_css_urls(data.decode("utf-8"), rel, read).encode("utf-8")
        urls[rel] = _data_uri(rel, data)
    return AssetUrls(urls, "inline")


def _data_uri(rel: str, data: bytes) -> str:
    mime = _MIME.get(rel[rel.rfind("."):], "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _inline_css_urls(css: str, css_rel: str, read: Callable[[str], bytes]) -> str:
    folder = css_rel.rsplit("/", 1)[0]

    def repl(m: re.Match) -> str:
        ref = f"{folder}/{m[2]}"
        return f"url({_data_uri(ref, read(ref))})"

    return _CSS_URL.sub(repl, css)


def _elements(root: branca.element.Element) -> Iterator[branca.element.Element]:
    yield root
    for child in list(root._children.values()):
        yield from _elements(child)


def localize(m: folium.Map, assets: AssetUrls) -> folium.Map:
    """Point ``m`` and every element on it at ``assets`` instead of CDNs; returns ``m``.

    Call it after every child is added.  Raises ValueError for an element with CDN files that
    casemap has no local copy of, so a new plugin cannot quietly bring a CDN back.
    """
    for el in _elements(m):
        if not isinstance(el, folium.elements.JSCSSMixin):
            continue
        kind = type(el).__name__
        if kind in NEEDS:
            js, css = NEEDS[kind]
            el.default_js = [(rel.rsplit("/", 1)[-1], assets[rel]) for rel in js]
            el.default_css = [(rel.rsplit("/", 1)[-1], assets[rel]) for rel in css]
        elif el.default_js or el.default_css:
            raise ValueError(f"{kind} loads {el.default_js + el.default_css}; add local copies to geo.webmap.assets.NEEDS")
    return m


def external_refs(html: str) -> list[str]:
    """Every ``<script src>``/``<link href>`` in ``html`` that points to another host (should be none)."""
    return _EXTERNAL.findall(html)
