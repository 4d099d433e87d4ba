"""Photos on the web map: camera markers, thumbnails as data URIs, a dashed line to the case only when far, text as text."""

from __future__ import annotations

import json
import re

import folium

from cases.evidence import attach_photos
from cases.evidence.maplayer import photo_points, photos_map_layer
from geo.webmap.photos import photo_layer
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"


def _rows(layer) -> list[dict]:
    m = folium.Map()
    layer.add_to(m)
    html = m.get_root().render()
    found = re.search(r"\n\s*(\[\{.*?\}\])\.forEach", html, re.S)
    return json.loads(found.group(1)), html


def test_layer_of_a_case_with_a_near_and_a_far_photo(demo_copy):
    (x0, y0), (x1, y1) = inside_and_far(demo_copy, CASE)
    attach_photos(demo_copy, CASE, [("近.jpg", photo(lon=x0, lat=y0)), ("远.jpg", photo(lon=x1, lat=y1, color=(5, 5, 5))),
                                    ("无GPS.jpg", photo(color=(9, 9, 9)))])
    cases = demo_copy.cases()
    points = photo_points(demo_copy, cases)
    assert len(points["lon"]) == 2  # the photo without a position is not drawn
    rows, html = _rows(photos_map_layer(demo_copy, cases))
    near, far = rows
    assert near["line"] is None and far["line"] is not None and far["far"] is True
    assert near["thumb"].startswith("data:image/jpeg;base64,")
    assert far["text"][0] == f"{CASE}｜远.jpg" and any(t.startswith("距案件：") for t in far["text"])
    assert abs(far["line"][0][0] - y1) < 1e-6 and abs(far["line"][0][1] - x1) < 1e-6  # from the photo to the case
    assert "\\u003csvg" in html  # the camera icon, inline (escaped inside the script)


def test_text_stays_text_and_only_jpeg_data_thumbnails():
    layer = photo_layer([113.0], [39.0], texts=[["<img src=x onerror=alert(1)>", "备注：</script><b>"]], far=[False],
                        targets=[None], thumbs=["javascript:alert(1)"])
    rows, html = _rows(layer)
    assert rows[0]["thumb"] is None and rows[0]["text"][0] == "<img src=x onerror=alert(1)>"
    assert "</script><b>" not in html and "<img src=x" not in html
