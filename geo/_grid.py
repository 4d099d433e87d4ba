"""A raster pre-filter, exact: which boxes lie wholly in the interior of one polygon of a layer (and meet no other).

The layer's extent is cut into square cells.  Every cell a boundary segment comes near (within ``EPS_M``)
is a boundary cell; the other cells each lie wholly inside or wholly outside every polygon, so one point
per run of such cells along a row tells which polygon holds them.  A box whose cells include no boundary
cell and no cell outside every polygon lies, closed, in that polygon's interior: ``contains_properly`` holds
for anything inside the box, without asking GEOS.  Boxes near a boundary get -1 and are decided exactly.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo._engine import own_copy, segment_table

#: Cells along the longer side of the layer's extent.
CELLS = 1024
#: Margin (m) by which boundary segments are widened: far above rounding in the cell arithmetic.
EPS_M = 1e-3


class InteriorGrid:
    """Cells of ``polygons``' extent labelled with the one polygon whose interior holds them (-1: none, or a boundary).

    Parameters
    ----------
    polygons
        A layer of polygons in a projected CRS (missing and empty ones are ignored).
    cells
        Cells along the longer side of the layer's extent.
    """

    def __init__(self, polygons: np.ndarray, *, cells: int = CELLS) -> None:
        polygons = np.asarray(polygons, dtype=object)
        x0, y0, x1, y1 = shapely.total_bounds(polygons)
        span = max(x1 - x0, y1 - y0) if np.isfinite(x0) else 0.0
        self.size = span / cells if span > 0 else 1.0
        self.x0, self.y0 = x0, y0
        self.nx = int((x1 - x0) / self.size) + 1 if span > 0 else 0
        self.ny = int((y1 - y0) / self.size) + 1 if span > 0 else 0
        if not (self.nx and self.ny):
            self.label = np.full((0, 0), -1)
            self._bad = np.zeros((1, 1), dtype=np.int32)
            return
        boundary = self._boundary_cells(polygons)
        self.label = self._labels(polygons, ~boundary)
        bad = (self.label < 0).astype(np.int32)
        self._bad = np.zeros((self.ny + 1, self.nx + 1), dtype=np.int32)  # summed-area table of bad cells
        self._bad[1:, 1:] = bad.cumsum(0).cumsum(1)

    def _cell_range(self, lo: np.ndarray, hi: np.ndarray, origin: float) -> tuple[np.ndarray, np.ndarray]:
        """First and last cell index of the intervals ``[lo, hi]`` along an axis starting at ``origin``."""
        return (np.floor((lo - origin) / self.size).astype(np.int64), np.floor((hi - origin) / self.size).astype(np.int64))

    def _boundary_cells(self, polygons: np.ndarray) -> np.ndarray:
        """Cells that some boundary segment comes within ``EPS_M`` of (segments cut to at most one cell long)."""
        segs, _ = segment_table(shapely.segmentize(polygons, self.size))
        xa, xb = np.minimum(segs[:, 0], segs[:, 2]) - EPS_M, np.maximum(segs[:, 0], segs[:, 2]) + EPS_M
        ya, yb = np.minimum(segs[:, 1], segs[:, 3]) - EPS_M, np.maximum(segs[:, 1], segs[:, 3]) + EPS_M
        ix0, ix1 = self._cell_range(xa, xb, self.x0)
        iy0, iy1 = self._cell_range(ya, yb, self.y0)
        marked = np.zeros((self.ny, self.nx), dtype=bool)
        span = int(max((ix1 - ix0).max(initial=0), (iy1 - iy0).max(initial=0)))  # 2 once cut to a cell's length
        for a in range(span + 1):
            for b in range(span + 1):
                ok = (ix0 + a <= ix1) & (iy0 + b <= iy1)
                marked[np.clip(iy0[ok] + b, 0, self.ny - 1), np.clip(ix0[ok] + a, 0, self.nx - 1)] = True
        return marked

    def _labels(self, polygons: np.ndarray, free: np.ndarray) -> np.ndarray:
        """Each free cell's polygon: one test point per run of free cells along a row (a run meets no boundary)."""
        flat = free.ravel()
        first = np.zeros(flat.size, dtype=bool)
        first[:: self.nx] = True
        starts = flat & (first | ~np.r_[False, flat[:-1]])
        run = np.cumsum(starts) - 1
        reps = np.flatnonzero(starts)
        cx = self.x0 + (reps % self.nx + 0.5) * self.size
        cy = self.y0 + (reps // self.nx + 0.5) * self.size
        owner = np.full(len(reps), -1)
        count = np.zeros(len(reps), dtype=np.int64)
        for i, poly in enumerate(own_copy(polygons)):  # prepared
            if poly is None or shapely.is_empty(poly):
                continue
            inside = shapely.contains_xy(poly, cx, cy)
            owner[inside] = i
            count += inside
        label = np.full(flat.size, -1)
        label[flat] = np.where(count == 1, owner, -1)[run[flat]]
        return label.reshape(self.ny, self.nx)

    def polygon_of(self, bounds: np.ndarray) -> np.ndarray:
        """For boxes ``(xmin, ymin, xmax, ymax)`` (rows of ``bounds``): the polygon whose interior holds the box, else -1."""
        bounds = np.asarray(bounds, dtype=float).reshape(-1, 4)
        res = np.full(len(bounds), -1)
        ok = np.isfinite(bounds).all(axis=1)
        if not (self.nx and self.ny) or not ok.any():
            return res
        ix0, ix1 = self._cell_range(bounds[ok, 0], bounds[ok, 2], self.x0)
        iy0, iy1 = self._cell_range(bounds[ok, 1], bounds[ok, 3], self.y0)
        inside = (ix0 >= 0) & (iy0 >= 0) & (ix1 < self.nx) & (iy1 < self.ny)
        ix0, ix1, iy0, iy1 = (np.where(inside, v, 0) for v in (ix0, ix1, iy0, iy1))
        s = self._bad
        bad = s[iy1 + 1, ix1 + 1] - s[iy0, ix1 + 1] - s[iy1 + 1, ix0] + s[iy0, ix0]
        res[np.flatnonzero(ok)] = np.where(inside & (bad == 0), self.label[iy0, ix0], -1)
        return res
