"""Two other ways to compute the check engine's spatial answers, for the engine benchmark.

Both return the answers :func:`geo.checks.check_cases` gives for mining parcels that name their permit
(the synthetic data's cases), one row per case in input order: primary township (the largest share over
1 m²; shares within 0.1 % of it are a tie, which the declared township wins), number of townships, outside
the county (more than 1 m² outside), area outside the permit (m²) and largest distance of the part outside (m).

- :func:`naive`: what a first geopandas script does, ``gpd.overlay`` for townships and county and a
  per-row ``apply`` (difference, a Point per vertex) for permits.
- :func:`reference`: tuned vectorized shapely 2: one STRtree query, prepared ``contains_properly`` to skip
  cases wholly inside, array set operations and ``shapely.distance`` on vertex points, the cases split
  over two threads (each with its own prepared copies: GEOS prepared geometries are not thread-safe).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

GK = 4526
SLIVER_M2 = 1.0
#: Shares within this fraction of the largest are a tie, won by the declared township (geo.checks.TIE_REL).
TIE_REL = 1e-3
COLUMNS = ("township", "n_towns", "outside_county", "outside_area_m2", "max_outside_distance_m")


def naive(cases: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, permits: gpd.GeoDataFrame,
          county: gpd.GeoSeries) -> pd.DataFrame:
    """The overlay + apply pipeline."""
    c = cases[["case_id", "township", "permit_no", "geometry"]].to_crs(GK)
    t = towns[["name", "geometry"]].to_crs(GK)
    p = permits[["permit_no", "geometry"]].to_crs(GK)
    cty = gpd.GeoDataFrame(geometry=county.to_crs(GK))
    pieces = gpd.overlay(c[["case_id", "township", "geometry"]], t, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.area
    pieces = pieces[pieces["share"] > SLIVER_M2].copy()
    pieces["tied"] = pieces["share"] >= pieces.groupby("case_id")["share"].transform("max") * (1 - TIE_REL)
    pieces["declared"] = pieces["name"] == pieces["township"]
    pieces = pieces.sort_values(["case_id", "tied", "declared", "share"], ascending=[True, False, False, False])
    primary = pieces.groupby("case_id")["name"].first()
    n_towns = pieces.groupby("case_id").size()
    beyond = gpd.overlay(c[["case_id", "geometry"]], cty, how="difference", keep_geom_type=True)
    out_cty = beyond.set_index("case_id").area > SLIVER_M2
    m = c.merge(p.rename_geometry("permit"), on="permit_no", how="left")
    outside = m.apply(lambda r: r.geometry.difference(r.permit), axis=1)
    far = pd.Series([max((Point(xy).distance(pg) for xy in shapely.get_coordinates(o)), default=0.0)
                     for o, pg in zip(outside, m["permit"])], index=m.index)
    ids = c["case_id"]
    return pd.DataFrame({
        "township": primary.reindex(ids).to_numpy(),
        "n_towns": n_towns.reindex(ids).fillna(0).astype(int).to_numpy(),
        "outside_county": out_cty.reindex(ids).fillna(False).astype(bool).to_numpy(),
        "outside_area_m2": outside.apply(lambda g: g.area).to_numpy(),
        "max_outside_distance_m": far.to_numpy(),
    })


def reference(cases: gpd.GeoDataFrame, towns: gpd.GeoDataFrame, permits: gpd.GeoDataFrame,
              county: gpd.GeoSeries, *, threads: int = 2) -> pd.DataFrame:
    """The tuned vectorized shapely 2 pipeline, in ``threads`` threads."""
    g = np.asarray(cases.to_crs(GK).geometry.values)
    tg = np.asarray(towns.to_crs(GK).geometry.values)
    names = towns["name"].astype(str).to_numpy()
    declared = pd.Index(names).get_indexer(cases["township"].astype(str))  # -1: none of them
    p = permits.to_crs(GK)
    lookup = pd.Series(np.arange(len(p)), index=p["permit_no"].astype(str))
    pidx = lookup.reindex(cases["permit_no"].astype(str)).to_numpy()
    pg = np.asarray(p.geometry.values)
    cty = county.to_crs(GK).union_all()
    tree = shapely.STRtree(tg)
    tree.query(tg[:1])  # build the tree before the threads share it
    bounds = np.linspace(0, len(g), threads + 1).astype(int)

    def chunk(lo: int, hi: int) -> tuple:
        own_t, own_p, own_c = (shapely.from_wkb(shapely.to_wkb(a)) for a in (tg, pg, np.array([cty])))
        shapely.prepare(own_t)
        shapely.prepare(own_p)
        shapely.prepare(own_c)
        return _reference_chunk(g[lo:hi], pidx[lo:hi], declared[lo:hi], tree, own_t, own_p, own_c[0])

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda b: chunk(*b), zip(bounds[:-1], bounds[1:])))
    best, n_towns, out_cty, out_m2, dist = (np.concatenate(x) for x in zip(*parts))
    return pd.DataFrame({"township": np.where(best >= 0, names[best], None), "n_towns": n_towns,
                         "outside_county": out_cty, "outside_area_m2": out_m2, "max_outside_distance_m": dist})


def _reference_chunk(g, pidx, declared, tree, towns, permits, county):
    n = len(g)
    ci, ti = tree.query(g, predicate="intersects")
    inside = shapely.contains_properly(towns[ti], g[ci])
    share = np.empty(len(ci))
    share[inside] = shapely.area(g[ci[inside]])
    share[~inside] = shapely.area(shapely.intersection(g[ci[~inside]], towns[ti[~inside]]))
    keep = share > SLIVER_M2
    ci, ti, share = ci[keep], ti[keep], share[keep]
    top = np.zeros(n)
    np.maximum.at(top, ci, share)
    tied = share >= top[ci] * (1 - TIE_REL)
    o = np.lexsort((ti, -share, declared[ci] != ti, ~tied, ci))  # tied first, the declared one first among them
    first = np.r_[True, ci[o][1:] != ci[o][:-1]]
    best = np.full(n, -1)
    best[ci[o][first]] = ti[o][first]
    n_towns = np.bincount(ci, minlength=n)
    in_cty = shapely.contains_properly(county, g)
    out_cty = np.zeros(n, bool)
    out_cty[~in_cty] = shapely.area(shapely.difference(g[~in_cty], county)) > SLIVER_M2
    perm = permits[pidx]
    in_p = shapely.contains_properly(perm, g)
    outside = np.full(n, None, dtype=object)
    outside[~in_p] = shapely.difference(g[~in_p], perm[~in_p])
    out_m2 = np.where(in_p, 0.0, shapely.area(outside))
    xy, owner = shapely.get_coordinates(outside, return_index=True)
    d = shapely.distance(shapely.points(xy), perm[owner])
    dist = np.zeros(n)
    np.maximum.at(dist, owner, d)
    return best, n_towns, out_cty, out_m2, dist
