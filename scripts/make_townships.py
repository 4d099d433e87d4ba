"""Write the approximate township layer (Voronoi cells around township seats) to data/boundaries/."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from cases.divisions import county_divisions
from geo.boundaries import approximate_townships

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    county = gpd.read_file(ROOT / "data" / "boundaries" / "daixian_county.geojson")
    # the seats live with the division they belong to (data/divisions/140923.json, 2018: eleven townships)
    division = next(d for d in county_divisions("140923").divisions if d.seats)
    cells = approximate_townships(county.geometry.iloc[0], division.seats)
    out = ROOT / "data" / "boundaries" / "townships_approx.geojson"
    out.unlink(missing_ok=True)
    cells.to_file(out, driver="GeoJSON", COORDINATE_PRECISION=6)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
