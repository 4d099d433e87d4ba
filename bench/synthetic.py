"""A seeded synthetic county for the engine benchmark, drawn in 代县's Gauss-Krüger zone and stored in lon/lat.

Issue 11's data set: 11 townships of about 200 vertices (a Voronoi partition of a wavy county outline,
bent by a smooth displacement so the lines are not straight), 2,000 convex permits (hulls of 6–12
random points, 150–600 m across), and mining parcels of 5–40 vertices (star-shaped, so always valid):
70 % wholly inside the permit they name, 30 % straddling its boundary.  Everything is built in
EPSG:4526 metres around 代县 and converted to EPSG:4490 as the store holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

GK = 4526  # CGCS2000 3-degree zone 38 (代县), easting with the zone prefix
STORE = 4490
#: Centre of the synthetic county, near 代县 town (easting with prefix, northing).
E0, N0 = 38_420_000.0, 4_330_000.0
TOWN_NAMES = ("上馆镇", "阳明堡镇", "峨口镇", "聂营镇", "枣林镇", "滩上镇", "新高乡", "峪口乡", "雁门关乡", "胡峪乡", "磨坊乡")


@dataclass(frozen=True)
class County:
    """The synthetic layers, in lon/lat (EPSG:4490) like a store's."""

    townships: gpd.GeoDataFrame
    permits: gpd.GeoDataFrame
    county: gpd.GeoSeries


def _bend(xy: np.ndarray) -> np.ndarray:
    """A smooth, invertible displacement (amplitude 250 m, wavelength ≥ 3 km) that makes straight lines wavy."""
    x, y = xy[:, 0] - E0, xy[:, 1] - N0
    dx = 250 * np.sin(y / 900.0) + 120 * np.sin((x + y) / 700.0)
    dy = 250 * np.sin(x / 1100.0) + 120 * np.cos((x - y) / 800.0)
    return np.column_stack([xy[:, 0] + dx, xy[:, 1] + dy])


def county(seed: int = 11, *, n_permits: int = 2_000) -> County:
    """The county outline, its 11 townships and ``n_permits`` convex permits (seeded)."""
    rng = np.random.default_rng(seed)
    ang = np.linspace(0, 2 * np.pi, 181)[:-1]
    rad = 21_000 * (1 + 0.12 * np.sin(3 * ang + 0.4) + 0.06 * np.cos(7 * ang) + rng.uniform(-0.01, 0.01, ang.size))
    outline = shapely.Polygon(np.column_stack([E0 + rad * np.cos(ang), N0 + 0.85 * rad * np.sin(ang)]))
    seeds = shapely.multipoints(np.column_stack([E0 + rng.uniform(-15e3, 15e3, 11), N0 + rng.uniform(-13e3, 13e3, 11)]))
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline.buffer(5e3))),
                                 outline)
    # one spacing for all, so a shared line gets the same vertices from both sides (and stays shared once bent)
    cells = shapely.segmentize(cells, shapely.length(cells).mean() / 200)
    cells = shapely.transform(cells, _bend)
    cells = shapely.make_valid(shapely.set_precision(cells, 0.001))
    whole = shapely.union_all(cells)
    towns = gpd.GeoDataFrame({"name": list(TOWN_NAMES)}, geometry=cells, crs=GK)
    permits = _permits(rng, whole, n_permits)
    return County(towns.to_crs(STORE), permits.to_crs(STORE), gpd.GeoSeries([whole], crs=GK).to_crs(STORE))


def _permits(rng: np.random.Generator, whole: shapely.Geometry, n: int) -> gpd.GeoDataFrame:
    """``n`` convex permits: hulls of 6–12 points in an ellipse 150–600 m across, centres inside the county."""
    xmin, ymin, xmax, ymax = whole.bounds
    shapely.prepare(whole)
    centres = np.empty((0, 2))
    while len(centres) < n:
        c = np.column_stack([rng.uniform(xmin, xmax, 2 * n), rng.uniform(ymin, ymax, 2 * n)])
        centres = np.vstack([centres, c[shapely.contains_xy(whole.buffer(-200), c[:, 0], c[:, 1])]])
    centres = centres[:n]
    k = rng.integers(6, 13, n)
    owner = np.repeat(np.arange(n), k)
    a, b = rng.uniform(150, 600, n)[owner], rng.uniform(150, 600, n)[owner]
    t = rng.uniform(0, 2 * np.pi, owner.size)
    pts = shapely.multipoints(np.column_stack([centres[owner, 0] + a * np.cos(t), centres[owner, 1] + b * np.sin(t)]),
                              indices=owner)
    hulls = shapely.convex_hull(pts)
    no = [f"C1400002010{i:06d}" for i in range(n)]
    return gpd.GeoDataFrame({"permit_no": no, "mineral": "煤", "valid_from": "2015-01-01", "valid_to": "2030-12-31"},
                            geometry=hulls, crs=GK)


def cases(cty: County, n: int, seed: int = 7, *, crossing: float = 0.30) -> gpd.GeoDataFrame:
    """``n`` mining parcels (5–40 vertices) naming a random permit; ``crossing`` of them straddle its boundary."""
    rng = np.random.default_rng(seed)
    pg = np.asarray(cty.permits.to_crs(GK).geometry.values)
    pidx = rng.integers(0, len(pg), n)
    cross = rng.random(n) < crossing
    centre = np.empty((n, 2))
    radius = np.empty(n)
    # straddling: centred on a random point of the permit's boundary
    ring = shapely.get_exterior_ring(pg[pidx[cross]])
    centre[cross] = shapely.get_coordinates(shapely.line_interpolate_point(ring, rng.random(cross.sum()), normalized=True))
    radius[cross] = rng.uniform(20, 120, cross.sum())
    # inside: centred near the permit's centroid, radius below the distance to its boundary
    inside = ~cross
    cen = shapely.get_coordinates(shapely.centroid(pg[pidx[inside]]))
    jitter = rng.uniform(-60, 60, (inside.sum(), 2))
    spots = cen + jitter
    room = shapely.distance(shapely.points(spots), shapely.get_exterior_ring(pg[pidx[inside]]))
    room = np.where(shapely.contains_xy(pg[pidx[inside]], spots[:, 0], spots[:, 1]), room, 0)
    spots = np.where((room > 25)[:, None], spots, cen)
    room = np.where(room > 25, room, shapely.distance(shapely.points(cen), shapely.get_exterior_ring(pg[pidx[inside]])))
    centre[inside] = spots
    radius[inside] = np.minimum(rng.uniform(20, 120, inside.sum()), 0.95 * room)
    geoms = _stars(rng, centre, radius)
    towns = cty.townships.to_crs(GK)
    ci, ti = shapely.STRtree(np.asarray(towns.geometry.values)).query(shapely.points(centre), predicate="intersects")
    declared = np.full(n, "", dtype=object)
    declared[ci] = towns["name"].to_numpy()[ti]
    frame = gpd.GeoDataFrame({
        "case_id": [f"W{i:07d}" for i in range(n)],
        "kind": "mining",
        "category": 7,
        "township": declared,
        "permit_no": cty.permits["permit_no"].to_numpy()[pidx],
        "mineral": "煤",
        "found_date": "2024-05-01",
        "status": "已立案",
        "fine_wan": np.round(rng.uniform(0, 50, n), 2),
        "criminal_persons": rng.integers(0, 2, n),
        "accountability_persons": rng.integers(0, 3, n),
        "area_mu_declared": np.nan,
    }, geometry=geoms, crs=GK)
    return frame.to_crs(STORE)


def _stars(rng: np.random.Generator, centre: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Star-shaped polygons of 5–40 vertices (one angle per sector, radii 45–100 % of ``radius``): simple by construction."""
    n = len(centre)
    k = rng.integers(5, 41, n)
    owner = np.repeat(np.arange(n), k)
    # one angle per sector of 2π/k (random within it): gaps below π, so the centre sees every edge
    j = np.arange(owner.size) - np.repeat(np.cumsum(k) - k, k)
    t = 2 * np.pi * (j + rng.uniform(0.0, 0.9, owner.size)) / k[owner] + rng.uniform(0, 2 * np.pi, n)[owner]
    r = radius[owner] * rng.uniform(0.45, 1.0, owner.size)
    xy = centre[owner] + np.column_stack([r * np.cos(t), r * np.sin(t)])
    # close each ring: repeat its first vertex
    first = np.r_[0, np.cumsum(k)[:-1]]
    closed = np.insert(xy, np.cumsum(k), xy[first], axis=0)
    ring_owner = np.repeat(np.arange(n), k + 1)
    rings = shapely.linearrings(closed, indices=ring_owner)
    return shapely.polygons(rings)


def frame_stats(frame: pd.DataFrame) -> str:
    """A one-line description of a case frame (for the benchmark header)."""
    nv = shapely.get_num_coordinates(np.asarray(frame.geometry.values))
    return f"{len(frame):,} parcels, {nv.mean():.1f} coordinates on average"
