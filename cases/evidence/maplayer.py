"""The photos of the cases an account may read, as a web-map layer (camera icons, thumbnails, lines when far)."""

from __future__ import annotations

import base64
from typing import Any

import geopandas as gpd
from branca.element import MacroElement

from cases.evidence.measure import max_distance_m
from cases.evidence.storage import photo_bytes, photos_frame
from cases.store import CaseStore
from geo.crs import STORAGE_CRS
from geo.errors import ValidationError
from geo.webmap.photos import photo_layer

#: At most this many thumbnails are put into one map (each ≈ 10–20 kB inside the page).
MAX_THUMBS = 200


def photo_lines(rec: dict, *, limit_m: float) -> list[str]:
    """The popup / list lines of one photo record: case and name, time, position, distance, flags, note."""
    where = f"东经 {rec['lon']:.6f}°，北纬 {rec['lat']:.6f}°" if _has(rec.get("lon")) else "无位置"
    lines = [f"{rec['case_id']}｜{rec['original_name']}", f"拍摄时间：{str(rec['taken_at']).replace('T', ' ') if _has(rec.get('taken_at')) and rec['taken_at'] else '不详'}",
             f"位置：{where}"]
    if _has(rec.get("distance_m")):
        lines.append(f"距案件：{rec['distance_m']:.1f} 米")
    if rec.get("flag_labels"):
        lines.append("标记：" + "、".join(rec["flag_labels"]))
    if _has(rec.get("note")) and rec["note"]:
        lines.append(f"备注：{rec['note']}")
    return lines


def photo_points(store: CaseStore, cases: gpd.GeoDataFrame, *, case_id: str | None = None,
                 thumbnails: bool = True) -> dict[str, Any] | None:
    """What :func:`geo.webmap.photos.photo_layer` draws for the photos (with a usable position) of ``cases`` (those
    shown; the account's GuardedStore decides which it reads), or of one case: its keyword arguments, plain data
    (cacheable); None when there is nothing to draw."""
    photos = photos_frame(store, case_id)
    photos = photos[photos["case_id"].isin(set(cases["case_id"])) & photos["lon"].notna()]
    if photos.empty:
        return None
    limit = max_distance_m(store.get_meta("photo_max_distance_m"))
    geoms = gpd.GeoSeries(cases.geometry.values, index=cases["case_id"].values, crs=cases.crs or STORAGE_CRS)
    geoms = geoms[~geoms.index.duplicated()].to_crs(STORAGE_CRS)
    records = photos.to_dict("records")
    thumbs = []
    for i, rec in enumerate(records):
        uri = None
        if thumbnails and i < MAX_THUMBS:
            try:
                uri = "data:image/jpeg;base64," + base64.b64encode(
                    photo_bytes(store, rec["case_id"], rec["sha256"], thumb=True)).decode("ascii")
            except ValidationError:
                uri = None  # the file is missing: the marker stays, without its picture
        thumbs.append(uri)
    return {"lon": [r["lon"] for r in records], "lat": [r["lat"] for r in records],
            "texts": [photo_lines(r, limit_m=limit) for r in records],
            "far": ["FAR_FROM_CASE" in r["flags"] for r in records],
            "targets": [geoms.get(r["case_id"]) for r in records], "thumbs": thumbs}


def _has(value: Any) -> bool:
    """Not None and not NaN (records of a DataFrame carry NaN for a missing number)."""
    return value is not None and value == value


def photos_map_layer(store: CaseStore, cases: gpd.GeoDataFrame, *, case_id: str | None = None,
                     thumbnails: bool = True) -> MacroElement | None:
    """The layer of the photos of ``cases`` (or of one case); None when there is none to draw."""
    points = photo_points(store, cases, case_id=case_id, thumbnails=thumbnails)
    return None if points is None else photo_layer(**points)
