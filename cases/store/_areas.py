"""Each case's area, measured once when it is saved: the ``area_m2`` and ``area_crs`` columns.

A polygon case's area is measured (``geo.projection.projected_area``, the numbers of
``GeoSeries.to_crs(crs).area``) in the store's county zone when it is written, and kept with the name of
that CRS (``EPSG:4526`` for 代县's zone 38).  A point or a case not yet located keeps NULL.  When the
store's county or zone changes (:meth:`set_meta` of ``county_adcode``/``zone``, or a new county outline),
every area measured in another CRS is measured again in the same transaction, and an older store gets its
areas when it is upgraded: a stored area is always the one of the stored geometry in the stored CRS.

The frames of ``cases()`` and ``deleted_case_rows()`` carry the area as :data:`AREA_COLUMN` (NaN where it is
of another CRS), the lon/lat planar area of the geometry it was measured from as :data:`AREA_CHECK`, and
the CRS in ``attrs[AREA_CRS_ATTR]``.  :func:`cases.stats.case_area_mu` takes a stored area only where the
frame's geometry still has that planar area (a frame whose geometry was replaced, as a replayed past day,
is measured again) and the CRS is the one asked for.

The county's zone is read as :func:`cases.county.county_of` reads it (that module sits above the store):
the ``zone`` meta, else 代县's zone 38 for a store without a county, else the zone of the stored outline's
centroid.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from geo.crs import STORAGE_CRS, ZONE, gk_epsg, zone_of_longitude
from geo.errors import CRSError
from geo.projection import projected_area

#: The store-kept columns of ``cases`` and ``deleted_cases`` after the case fields: (name, SQLite type).
AREA_COLUMNS: tuple[tuple[str, str], ...] = (("area_m2", "REAL"), ("area_crs", "TEXT"))
#: Frame column: the stored area (m²) in ``attrs[AREA_CRS_ATTR]``, NaN where there is none.
AREA_COLUMN = "area_m2"
#: Frame column: the planar area (degrees², EPSG:4490) of the geometry the stored area was measured from.
AREA_CHECK = "area_deg2"
#: Frame attribute: the CRS of :data:`AREA_COLUMN` (``EPSG:n``).
AREA_CRS_ATTR = "area_crs"
#: Meta keys whose change may change the zone areas are measured in.
ZONE_META_KEYS = ("county_adcode", "zone")
_POLYGONAL = (3, 6)  # Polygon, MultiPolygon
_DEFAULT_ADCODE = "140923"


def area_crs_text(con: Any) -> str | None:
    """``EPSG:n`` of the store's county zone (with the zone prefix), or None when the meta names no usable zone."""
    meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('county_adcode', 'zone')").fetchall())
    zone_text, adcode = (meta.get("zone") or "").strip(), meta.get("county_adcode")
    try:
        if zone_text:
            return f"EPSG:{gk_epsg(int(zone_text))}" if zone_text.isdigit() else None
        if not adcode or adcode == _DEFAULT_ADCODE:
            return f"EPSG:{gk_epsg(ZONE)}"
        rows = con.execute("SELECT geom FROM boundaries WHERE layer = 'county'").fetchall()
        if not rows:
            return None
        outline = shapely.union_all(shapely.from_wkb([r[0] for r in rows]))
        return f"EPSG:{gk_epsg(zone_of_longitude(shapely.centroid(outline).x))}"
    except CRSError:
        return None


def measure(geoms: np.ndarray, crs_text: str | None) -> np.ndarray:
    """Area (m²) in ``crs_text`` of each polygon of ``geoms`` (lon/lat); NaN for points, None and without a CRS."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), np.nan)
    poly = np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    if crs_text and poly.any():
        out[poly] = projected_area(geoms[poly], STORAGE_CRS, CRS.from_user_input(crs_text))
    return out


def row_values(geoms: list, crs_text: str | None) -> list[tuple[float | None, str | None]]:
    """(area_m2, area_crs) to store with each geometry of ``geoms`` (NULL area for a point or a case not located)."""
    areas = measure(np.asarray(geoms, dtype=object), crs_text)
    return [(None if a != a else float(a), crs_text) for a in areas.tolist()]


def frame_values(geoms: np.ndarray, stored: list, crs_text: list, current: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The frame's :data:`AREA_COLUMN` (stored areas of ``current``'s CRS, else NaN) and :data:`AREA_CHECK`."""
    area = np.array([np.nan if a is None else a for a in stored], dtype=float)
    if len(area):
        area[np.asarray(crs_text, dtype=object) != current] = np.nan
    return area, shapely.area(np.asarray(geoms, dtype=object)) if len(area) else np.zeros(0)


def fill(con: sqlite3.Connection, *, crs_text: str | None = None) -> int:
    """Measure every case and deleted case whose area is missing or of another CRS than the store's; return how many.

    A deleted case is matched on (case_id, deleted_at); the rare copies sharing both stay NULL (measured when read).
    """
    crs_text = crs_text or area_crs_text(con)
    if crs_text is None:
        return 0
    n = 0
    rows = con.execute("SELECT case_id, geom FROM cases WHERE area_crs IS NULL OR area_crs <> ?", (crs_text,)).fetchall()
    if rows:
        vals = row_values([_geom(r[1]) for r in rows], crs_text)
        con.executemany("UPDATE cases SET area_m2 = ?, area_crs = ? WHERE case_id = ?",
                        [(*v, r[0]) for v, r in zip(vals, rows)])
        n += len(rows)
    rows = con.execute("SELECT case_id, deleted_at, geom FROM deleted_cases WHERE area_crs IS NULL OR area_crs <> ?",
                       (crs_text,)).fetchall()
    twice = {k for k, c in Counter((r[0], r[1]) for r in rows).items() if c > 1}
    rows = [r for r in rows if (r[0], r[1]) not in twice]
    if rows:
        vals = row_values([_geom(r[2]) for r in rows], crs_text)
        con.executemany("UPDATE deleted_cases SET area_m2 = ?, area_crs = ? WHERE case_id = ? AND deleted_at = ?",
                        [(*v, r[0], r[1]) for v, r in zip(vals, rows)])
        n += len(rows)
    return n


def _geom(value: Any) -> Any:
    return shapely.from_wkb(value) if value is not None else None
