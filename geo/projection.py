"""Reprojection of large geometry arrays in threads: the same numbers as ``GeoSeries.to_crs``, sooner.

PROJ releases the GIL, so the coordinates of many geometries are transformed in chunks, one thread and one
``Transformer`` (made exactly as geopandas makes it: ``always_xy=True``) per chunk.  Small arrays, and
geometries with Z, go through geopandas itself.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo._engine import in_chunks, join

#: Below this many coordinates per thread, threads cost more than they save.
MIN_COORDS = 200_000


def project(geoms: np.ndarray, src: CRS, dst: CRS) -> np.ndarray:
    """``geoms`` (in ``src``) transformed to ``dst``: new geometries, as ``GeoSeries(geoms, crs=src).to_crs(dst)``."""
    geoms = np.asarray(geoms, dtype=object)
    if CRS.from_user_input(src).is_exact_same(CRS.from_user_input(dst)):
        return geoms.copy()
    counts = shapely.get_num_coordinates(geoms)
    if counts.sum() < 2 * MIN_COORDS or shapely.has_z(geoms).any():
        return np.asarray(gpd.GeoSeries(geoms, crs=src).to_crs(dst).values, dtype=object)
    return join(in_chunks(lambda lo, hi: _transformed(geoms[lo:hi], src, dst), len(geoms),
                          min_chunk=_chunk_size(counts)))


def projected_area(geoms: np.ndarray, src: CRS, dst: CRS) -> np.ndarray:
    """Area (in ``dst`` units²) of each geometry of ``geoms`` (in ``src``) once projected to ``dst``.

    The same numbers as ``GeoSeries(geoms, crs=src).to_crs(dst).area``; the projected geometries are
    dropped chunk by chunk instead of being kept.
    """
    geoms = np.asarray(geoms, dtype=object)
    counts = shapely.get_num_coordinates(geoms)
    if counts.sum() < 2 * MIN_COORDS or shapely.has_z(geoms).any():
        return shapely.area(project(geoms, src, dst))
    return join(in_chunks(lambda lo, hi: shapely.area(_transformed(geoms[lo:hi], src, dst)), len(geoms),
                          min_chunk=_chunk_size(counts)))


def _chunk_size(counts: np.ndarray) -> int:
    """Geometries per chunk holding about ``MIN_COORDS`` coordinates."""
    return max(1, int(MIN_COORDS / max(counts.mean(), 1.0)))


def _transformed(geoms: np.ndarray, src: CRS, dst: CRS) -> np.ndarray:
    """``geoms`` (2D) with every coordinate transformed, as geopandas does it (its own Transformer)."""
    xy = shapely.get_coordinates(geoms)
    x, y = Transformer.from_crs(src, dst, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return shapely.set_coordinates(geoms.copy(), np.column_stack([x, y]))
