"""Each case's township in a township division, and the names an account or an option may give.

A case keeps the township declared when it was entered (``township`` in the store).  Seen in a
division — the current one by default, or a past one — it counts in:

1. its declared township, if that division has it;
2. else the one township that township became or came from by the change table of
   ``data/divisions/`` (滩上镇 → 峪口镇 after 2021; 雁门关镇 → 雁门关乡 before 2020): the responsible
   government passes on, so the totals of the merged township equal the sum of its parts;
3. else (a township split, a merged one seen in the older division, or a name the table does not
   know) the township of that division it lies in by position (largest share); for a case without a
   position (未定位) the table alone decides, and it stays unassigned when the table cannot.

:func:`in_division` returns the cases with ``township`` so assigned and ``declared_township`` as
entered; statistics, maps and bulletins group by ``township``.  :func:`current_townships` gives the
current division's township of each case (roles, exports), :func:`shown_name` carries a township name of
any division into a shown one (``--township 滩上镇`` → 峪口镇).  The name table is applied to the
distinct declared names, never row by row, and the position only to the cases it leaves open.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cases.divisions import CountyDivisions, county_divisions
from cases.model import COUNTY, township_option
from cases.store import CaseStore
from geo.checks import township_of
from geo.errors import ValidationError

#: Column of :func:`in_division` holding the township as declared.
DECLARED = "declared_township"


def store_divisions(store: CaseStore) -> CountyDivisions | None:
    """The division data (``data/divisions/``) of the store's county (named by its outline; 代县 without one),
    or None for a county without a data file."""
    county = store.county()
    name = str(county["name"].iloc[0]) if len(county) and "name" in county else COUNTY
    return county_divisions(name)


def assign_townships(cases: gpd.GeoDataFrame, layer: gpd.GeoDataFrame,
                     divisions: CountyDivisions | None) -> np.ndarray:
    """The township of ``layer`` each case belongs to (see the module docstring); None where none.

    Parameters
    ----------
    cases : geopandas.GeoDataFrame
        Cases with ``township`` (declared) and geometry (may be missing: 未定位).
    layer : geopandas.GeoDataFrame
        A township layer (``name``), of any division.
    divisions : CountyDivisions or None
        The county's division data; None translates nothing (a declared name not in ``layer`` goes by position).
    """
    names = [str(n) for n in layer["name"]]
    declared = _declared(cases)
    by_name = {d: _by_table(d, names, divisions) for d in pd.unique(declared)}  # the distinct names only
    out = np.array(pd.Series(declared, dtype=object).map(by_name), dtype=object)  # a writable copy
    todo = np.flatnonzero(pd.isna(out))
    if len(todo):
        geoms = np.asarray(cases.geometry.values)[todo]
        located = todo[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if len(located):
            found = pd.Series(township_of(cases.iloc[located], layer), dtype=object).fillna("").to_numpy(dtype=object)
            pairs = pd.DataFrame({"d": declared[located], "f": found})
            distinct = pairs.drop_duplicates()
            distinct = distinct.assign(r=[_hinted(d, names, divisions, f or None)
                                          for d, f in distinct.itertuples(index=False)])
            out[located] = pairs.merge(distinct, on=["d", "f"], how="left")["r"].to_numpy(dtype=object)
    out[pd.isna(out)] = None  # None (not NaN) where no township
    return out


def current_townships(store: CaseStore, cases: gpd.GeoDataFrame) -> np.ndarray:
    """Each of ``cases``' township in the store's current division (None where none); without a township
    layer, the declared township.  The rule of :func:`assign_townships`, with the store's own layer and table."""
    layer = store.townships()
    if layer.empty:
        return np.array([d or None for d in _declared(cases)], dtype=object)
    return assign_townships(cases, layer, store_divisions(store))


def shown_name(store: CaseStore, name: str, *, year: int | None = None) -> tuple[str, str | None]:
    """The township of the division shown (``year``; default the current one) that ``name`` — a township of
    any division, already a full name — stands for, and a note when it was translated.

    ``滩上镇`` in the 2021 division → (``峪口镇``, ``注意：乡镇「滩上镇」在现行区划中为峪口镇（区划调整），按峪口镇的案件``).  A name the
    table gives several townships for, or none, stays as given (no case then counts in it).
    """
    layer = store.townships(year=year)
    names = [str(n) for n in layer["name"]]
    divisions = store_divisions(store)
    if not names or name in names or divisions is None:
        return name, None
    found = divisions.translate(name, names)
    if found is None:
        return name, None
    shown = "现行区划" if year is None else f"{year} 年的区划"
    return found, f"注意：乡镇「{name}」在{shown}中为{found}（区划调整），按{found}的案件"


def shown_names(store: CaseStore, names: tuple[str, ...], *, year: int | None = None) -> tuple[str, ...]:
    """``names`` (townships of any division) carried into the division shown (``year``; default the current one):
    滩上镇 → 峪口镇 in 2021, 峪口镇 → 滩上镇 and 峪口乡 in 2019; a name the table does not connect stays."""
    shown = [str(n) for n in store.townships(year=year)["name"]]
    divisions = store_divisions(store)
    if not shown or divisions is None:
        return tuple(names)
    out = [c for n in names for c in (divisions.candidates(n, shown) or (n,))]
    return tuple(dict.fromkeys(out))


def township_scope(store: CaseStore, cases: gpd.GeoDataFrame,
                   township: str | None) -> tuple[str | None, np.ndarray | None, list[str]]:
    """What a ``--township NAME`` option selects among ``cases``: the township of the current division
    (translated from an older name), each case's current township, and the note of the translation.

    (None, None, []) without a township; LedgerFormatError (``--township …``) for a name of no division.
    """
    if not township:
        return None, None, []
    name, note = shown_name(store, township_option(township))
    return name, current_townships(store, cases), [note] if note else []


def _declared(cases: pd.DataFrame) -> np.ndarray:
    """The declared township of each case as text ("" for none)."""
    if not len(cases):
        return np.array([], dtype=object)
    return cases["township"].fillna("").astype(str).to_numpy(dtype=object)


def declared_in(cases: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, divisions: CountyDivisions | None) -> np.ndarray:
    """Each case's declared township in ``layer``'s division, to compare like with like (TOWNSHIP_MISMATCH).

    The declared township itself or its one successor/predecessor in ``layer``; where the table gives
    several (峪口镇 seen among 滩上镇 and 峪口乡), the one the case lies in if it is among them, else the
    first; a name the table does not connect stays as declared.
    """
    names = [str(n) for n in layer["name"]]
    declared = cases["township"].fillna("").astype(str).to_numpy() if len(cases) else np.array([], dtype=object)
    if divisions is None:
        return declared
    found = [divisions.candidates(d, names) if d else () for d in declared]
    out = np.array([f[0] if len(f) == 1 else d for d, f in zip(declared, found)], dtype=object)
    several = np.array([len(f) > 1 for f in found], dtype=bool)
    if several.any():
        idx = np.flatnonzero(several)
        where = township_of(cases.iloc[idx], layer)
        out[idx] = [w if w in found[i] else found[i][0] for i, w in zip(idx, where)]
    return out


def in_division(cases: gpd.GeoDataFrame, layer: gpd.GeoDataFrame,
                divisions: CountyDivisions | None) -> gpd.GeoDataFrame:
    """``cases`` with ``township`` = their township in ``layer``'s division ("" where none) and
    ``declared_township`` = as declared; a new frame, the input is not changed.  Without a township
    layer (a county whose townships are not loaded) the declared townships stand."""
    out = cases.copy()
    out[DECLARED] = cases["township"].to_numpy() if len(cases) else []
    if layer.empty:
        return out
    assigned = assign_townships(cases, layer, divisions)
    out["township"] = [a if isinstance(a, str) else "" for a in assigned]
    return out


def row_names(cases: pd.DataFrame, layer: gpd.GeoDataFrame) -> list[str]:
    """The townships a per-township table lists: the layer's, or without a layer the declared ones (sorted)."""
    if not layer.empty:
        return [str(n) for n in layer["name"]]
    return sorted({str(t) for t in cases["township"].dropna() if str(t)})


def store_cases(store: CaseStore, *, year: int | None = None,
                cases: gpd.GeoDataFrame | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The store's cases (or ``cases``) in its division in force in ``year`` (default: current), and that layer."""
    layer = store.townships(year=year)
    frame = store.cases() if cases is None else cases
    return in_division(frame, layer, store_divisions(store)), layer


def _by_table(declared: str, names: list[str], divisions: CountyDivisions | None) -> str | None:
    if not declared:
        return None
    if divisions is None:
        return declared if declared in names else None
    return divisions.translate(declared, names)


def _hinted(declared: str, names: list[str], divisions: CountyDivisions | None, found: str | None) -> str | None:
    """A located case the table could not place: the candidate it lies in, else where it lies."""
    if divisions is not None and declared:
        chosen = divisions.translate(declared, names, hint=found)
        if chosen is not None:
            return chosen
    return found


def derived_division(layer: gpd.GeoDataFrame, divisions: CountyDivisions, year: int) -> gpd.GeoDataFrame:
    """The township layer of the division in force in ``year``, made from ``layer`` (an older division's) by the
    change table: each township becomes the one it was renamed or merged into (滩上镇 + 峪口乡 → 峪口镇) and the
    parts are dissolved.  Marked approximate (示意), with the source saying how it was made.

    Only renames and merges can be derived: ValidationError (Chinese) naming the townships of ``year`` that no
    township of ``layer`` leads to (a new or split township needs its official boundary file).
    """
    target = divisions.at(year)
    names = [str(n) for n in layer["name"]]
    into = [divisions.candidates(n, list(target.names)) for n in names]
    unknown = [n for n, c in zip(names, into) if len(c) != 1]
    missing = [t for t in target.names if t not in {c[0] for c in into if len(c) == 1}]
    if unknown or missing:
        why = (f"{'、'.join(unknown)} 在 {target.valid_from} 年区划中没有唯一对应的乡镇" if unknown else
               f"{target.valid_from} 年区划中的 {'、'.join(missing)} 不是由现有乡镇更名或合并而来")
        raise ValidationError(f"无法由现有乡镇界线推算 {year} 年的区划：{why}；请用 load-townships 载入该年的官方乡镇界线")
    groups = pd.Series([c[0] for c in into])
    geoms = np.asarray(layer.geometry.values)
    merged = [shapely.union_all(geoms[(groups == t).to_numpy()]) for t in target.names]  # one union per township
    sources = ["由" + "、".join(n for n, g in zip(names, groups) if g == t) + f"的界线按区划调整合并（示意，{year} 年起）"
               for t in target.names]
    return gpd.GeoDataFrame({"name": list(target.names), "approximate": True, "source": sources},
                            geometry=merged, crs=layer.crs)
