"""The 现场照片 section of a 案件核查单: up to four photos with their time, position and distance, on a page of its own.

:func:`sheet_photos` reads what the section shows (called by ``cases.output.sheets`` while it gathers a sheet);
:func:`photo_page` lays the section out as an A4 page that follows the case's sheet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from cases.evidence.images import heif_opener
from cases.evidence.maplayer import photo_lines
from cases.evidence.measure import max_distance_m
from cases.evidence.storage import photo_bytes, photos_frame
from cases.store import CaseStore
from geo.errors import CasemapError
from geo.printmap.page import Page

#: Photos printed per sheet; more are counted in a note.
MAX_SHEET_PHOTOS = 4
#: Longest side (px) of a printed photo (≈ 220 dpi at 90 mm).
PRINT_PX = 800


@dataclass(frozen=True)
class SheetPhotos:
    """The photos of one case as a sheet prints them: pixels and text lines, and how many the case has."""

    images: list[np.ndarray | None]
    lines: list[list[str]]
    total: int


def sheet_photos(store: CaseStore, case_id: str, *, limit: int = MAX_SHEET_PHOTOS) -> SheetPhotos:
    """The first ``limit`` photos of ``case_id`` (upright, at most 800 px) with their lines; a missing or
    unreadable file prints as a frame with its lines."""
    frame = photos_frame(store, case_id)
    meters = max_distance_m(store.get_meta("photo_max_distance_m"))
    images, lines = [], []
    for rec in frame.head(limit).to_dict("records"):
        images.append(_pixels(store, case_id, rec["sha256"]))
        lines.append(photo_lines(rec, limit_m=meters))
    return SheetPhotos(images, lines, len(frame))


def _pixels(store: CaseStore, case_id: str, sha256: str) -> np.ndarray | None:
    heif_opener()  # a HEIC photo is decoded itself where pillow-heif is installed (a requirement)
    for thumb in (False, True):  # the photo itself; its thumbnail when that cannot be decoded here
        try:
            with Image.open(io.BytesIO(photo_bytes(store, case_id, sha256, thumb=thumb))) as img:
                img = ImageOps.exif_transpose(img).convert("RGB")
                img.thumbnail((PRINT_PX, PRINT_PX))
                return np.asarray(img)
        except (CasemapError, OSError, ValueError):
            continue
    return None


def photo_page(case_id: str, photos: SheetPhotos, *, font: str, title: str, footer: str, dpi: float = 150) -> Page:
    """An A4 portrait page: ``title``, then the photos two by two, each above its time, position, distance and flags."""
    page = Page(font=font, size="A4", landscape=False, dpi=dpi)
    page.text(105, 12, title, size=16, weight="bold", ha="center")
    more = f"，仅列前 {len(photos.images)} 张" if photos.total > len(photos.images) else ""
    page.text(12, 24, f"案件编号：{case_id}　　现场照片共 {photos.total} 张{more}。位置为照片中记录的卫星定位（WGS84，按 CGCS2000），"
                      "距离为照片位置到案件图形的最近距离（在地块内为 0）。", size=8, width=186)
    for i, (pixels, lines) in enumerate(zip(photos.images, photos.lines)):
        x, y = 12 + (i % 2) * 96, 36 + (i // 2) * 112
        ax = page.axes(x, y, 90, 70, label=f"photo{i}")
        ax.set_xticks([])
        ax.set_yticks([])
        if pixels is not None:
            ax.imshow(pixels)
            ax.set_aspect("equal")
        else:
            ax.text(0.5, 0.5, "照片文件缺失", ha="center", va="center", fontfamily=font, transform=ax.transAxes)
        page.text(x, y + 72, f"{i + 1}. " + "\n".join(lines[:1] + lines[1:6]), size=7, width=90)
    page.footer(footer)
    return page
