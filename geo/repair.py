"""Geometry repair shared by every reader: keep the polygonal part of what make_valid returns."""

from __future__ import annotations

import shapely


def polygonal_part(g: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a repaired geometry (make_valid may add stray lines or points to a bow-tie)."""
    if g.geom_type == "GeometryCollection":
        polys = [p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(polys) if polys else g
    return g


def make_valid_polygon(g: shapely.Geometry) -> shapely.Geometry:
    """``make_valid`` keeping only the polygonal part."""
    return polygonal_part(shapely.make_valid(g))
