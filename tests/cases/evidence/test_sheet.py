"""The 案件核查单 of a case with photos gets a 现场照片 page: up to four photos with time, position and distance."""

from __future__ import annotations

import io

import pypdf

from cases.evidence import attach_photos
from cases.output.sheets import write_sheets
from tests.cases.evidence.photo_fixtures import inside_and_far, photo

CASE = "CK-2019-001"


def _pages(store, ids) -> list[str]:
    buf = io.BytesIO()
    write_sheets(store, buf, ids)
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages]


def test_sheet_with_five_photos_prints_four_on_a_following_page(demo_copy):
    (x0, y0), (x1, y1) = inside_and_far(demo_copy, CASE)
    photos = [("近.jpg", photo(lon=x0, lat=y0)), ("远.jpg", photo(lon=x1, lat=y1, color=(1, 2, 3)))]
    photos += [(f"无位置{i}.jpg", photo(color=(i, i, i))) for i in range(3)]
    attach_photos(demo_copy, CASE, photos)
    other = demo_copy.cases()["case_id"].iloc[3]
    pages = _pages(demo_copy, [CASE, other])
    assert len(pages) == 3  # the sheet, its photo page, the other case's sheet (no photos: no page)
    text = pages[1].replace("\n", "")
    assert "案件核查单（续）：现场照片" in text and "现场照片共 5 张，仅列前 4 张" in text
    assert "拍摄时间：2019-07-01 10:20:30" in text and "距案件：0.0 米" in text
    assert "距案件超过200米" in text and "位置：无位置" in text and "无位置2.jpg" not in text
    assert "nan" not in text
