"""Field photos in exports: a 现场照片 folder in KMZ (files inside, ``<img>`` in each description) and a GeoPackage table.

KMZ: each photo is a placemark at its GPS position (a photo without a usable one at its case, said so), named
``案件编号 照片n``; its description is HTML — the picture (``files/<sha256>.<ext>`` inside the KMZ) and its
time, position, distance and flags as escaped text — which Google Earth and 奥维互动地图 show in the balloon.
ExtendedData carries ``layer`` = photo, so reading the export back never takes a photo for a case.
GeoPackage: a ``photos`` point layer, one row per photo (every field of ``python -m cases photos``), the
bytes not included (they stay beside the store).
"""

from __future__ import annotations

import html
import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from cases.evidence import photo_bytes, photos_frame
from cases.evidence.maplayer import photo_lines
from cases.evidence.measure import max_distance_m
from cases.store import CaseStore
from geo.crs import STORAGE_CRS
from geo.errors import CasemapError

#: The ExtendedData ``layer`` value, and the GeoPackage layer name, of exported photos.
PHOTO_LAYER, PHOTO_TABLE = "photo", "photos"
#: The folder in a KMZ holding the pictures.
KMZ_FILES = "files"
_SHOWN = {"image/jpeg", "image/png"}


def export_photos(store: CaseStore, cases: gpd.GeoDataFrame) -> pd.DataFrame:
    """The photos of ``cases`` (those exported), as :func:`cases.evidence.photos_frame` lists them."""
    if cases.empty:
        return pd.DataFrame()
    frame = photos_frame(store)
    return frame[frame["case_id"].isin(set(cases["case_id"]))].reset_index(drop=True)


def photos_layer(photos: pd.DataFrame) -> gpd.GeoDataFrame:
    """The GeoPackage ``photos`` layer: points at the GPS positions (none without), flags as text."""
    flat = photos.drop(columns=["flag_labels"]).copy()
    flat["flags"] = [",".join(f) for f in photos["flags"]]
    flat["flag_labels"] = ["、".join(f) for f in photos["flag_labels"]]
    geoms = [shapely.Point(x, y) if pd.notna(x) and pd.notna(y) else None for x, y in zip(photos["lon"], photos["lat"])]
    return gpd.GeoDataFrame(flat, geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS), crs=STORAGE_CRS)


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def kml_photo_placemarks(photos: pd.DataFrame, cases: gpd.GeoDataFrame, *, limit_m: float) -> list[str]:
    """One KML ``<Placemark>`` per photo (text for :attr:`cases.io.kml.Folder.parts`)."""
    where = cases.drop_duplicates("case_id").set_index("case_id").geometry
    out, number = [], {}
    for rec in photos.to_dict("records"):
        number[rec["case_id"]] = number.get(rec["case_id"], 0) + 1
        lines = photo_lines(rec, limit_m=limit_m)
        if pd.notna(rec["lon"]) and pd.notna(rec["lat"]):
            lon, lat = float(rec["lon"]), float(rec["lat"])
        else:
            spot = shapely.point_on_surface(where[rec["case_id"]])
            lon, lat = spot.x, spot.y
            lines.append("（照片无可用位置，标在案件位置）")
        picture = _kmz_name(rec, thumb=rec["media_type"] not in _SHOWN)
        body = (f'<img src="{_esc(picture)}" width="400"/><br/>'
                + "<br/>".join(html.escape(t, quote=False) for t in lines))
        data = {"layer": PHOTO_LAYER, "photo_case": rec["case_id"], "file": rec["file"], "sha256": rec["sha256"],
                "original_name": rec["original_name"], "taken_at": rec["taken_at"], "distance_m": rec["distance_m"],
                "flags": ",".join(rec["flags"])}
        extended = "".join(f'<Data name="{k}"><value>{_esc(_value(v))}</value></Data>' for k, v in data.items())
        out.append(f"\n      <Placemark><name>{_esc(rec['case_id'])} 照片{number[rec['case_id']]}</name>"
                   f"<description>{_esc(body)}</description><ExtendedData>{extended}</ExtendedData>"
                   f"<Point><coordinates>{lon:.7f},{lat:.7f}</coordinates></Point></Placemark>")
    return out


def _value(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _kmz_name(rec: dict, *, thumb: bool) -> str:
    return f"{KMZ_FILES}/{rec['sha256']}.thumb.jpg" if thumb else f"{KMZ_FILES}/{rec['file']}"


def add_kmz_files(path: Path, store: CaseStore, photos: pd.DataFrame) -> list[str]:
    """Put each photo (and, for a type the viewers cannot show, its thumbnail) into the KMZ at ``path``; notes."""
    notes, missing = [], []
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:  # JPEG/PNG are compressed already
        for rec in photos.drop_duplicates("sha256").to_dict("records"):
            try:
                z.writestr(_kmz_name(rec, thumb=False), photo_bytes(store, rec["case_id"], rec["sha256"]))
                if rec["media_type"] not in _SHOWN:
                    z.writestr(_kmz_name(rec, thumb=True), photo_bytes(store, rec["case_id"], rec["sha256"], thumb=True))
            except CasemapError:
                missing.append(rec["original_name"])
    if missing:
        notes.append(f"{len(missing)} 张照片的文件缺失，KMZ 中只有其位置和说明：{'、'.join(missing[:10])}")
    return notes


def photo_limit(store: CaseStore) -> float:
    """The far-from-case distance of the store."""
    return max_distance_m(store.get_meta("photo_max_distance_m"))
