"""The case filter: what to keep (``CaseFilter``), the ``--filter KEY=VALUE`` parser, the mask and its description.

The one implementation used by the 案件地图 page, the 简报输出 page and ``python -m cases snapshot``.

``--filter`` items (``key=value``, repeatable; several values of one key are alternatives, separated by
commas or given as repeated options; different keys must all hold):

======== ===================================================== ==========================
key      values                                                example
======== ===================================================== ==========================
kind     land / mining (or 用地 / 采矿)                          ``kind=mining``
status   a lifecycle status (排查发现 … 已销号)                   ``status=已立案``
flag     a check flag code or its Chinese label                ``flag=OUT_OF_BOUNDS``
category 1–10 or the short name (越界开采 …)                    ``category=7``
township a township of the county (data/divisions/)            ``township=峨口镇``
======== ===================================================== ==========================

The found-date range and the free-text search are set by the map page only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cases.model import CATEGORIES, CATEGORY_SHORT, KINDS, STATUSES, known_townships
from geo.checks import FLAGS
from geo.errors import ValidationError

#: Pseudo flag meaning "any flag at all".
ANY_FLAG = "ANY"
#: The ``--filter`` keys and their Chinese names, in the order the error message lists them.
FILTER_KEYS: dict[str, str] = {"kind": "类型", "status": "办理状态", "flag": "核查标记", "category": "违法类别",
                               "township": "乡镇"}
#: The parts of a description, in their default order (``CaseFilter.key_order`` may move some first).
DESCRIPTION_KEYS: tuple[str, ...] = ("township", "kind", "category", "status", "flag", "found", "text")


@dataclass(frozen=True, kw_only=True)
class CaseFilter:
    """What to keep: every set field must hold; an empty selection keeps everything.

    Attributes
    ----------
    townships, kinds, categories, statuses : tuple
        Allowed values (alternatives) of the township, kind code (``land``/``mining``), 违法类别
        (1–10) and 办理状态.
    flags : tuple of str
        Check flag codes, any of which a case must have; ``ANY_FLAG`` stands for any flag at all.
    found_from, found_to : datetime.date or None
        Inclusive bounds of the found date.
    text : str
        Case-insensitive search in case id, 违法主体 and 地点.
    key_order : tuple of str
        Keys (of ``DESCRIPTION_KEYS``) whose parts ``describe_filter`` names first, in this order,
        e.g. the order in which ``--filter`` items were given.  Presentation only: it takes no part
        in equality or hashing.
    """

    townships: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    categories: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    text: str = ""
    key_order: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.key_order) - set(DESCRIPTION_KEYS)
        if unknown:
            raise ValueError(f"unknown key_order keys {sorted(unknown)}; expected some of {DESCRIPTION_KEYS}")


def parse_filters(items: Iterable[str] | None, *, townships: Sequence[str] | None = None) -> CaseFilter:
    """The ``CaseFilter`` of ``--filter KEY=VALUE`` items, values normalised to codes.

    Parameters
    ----------
    items : iterable of str or None
        E.g. ``["kind=采矿", "status=已立案,查处整改中"]``: the keys of ``FILTER_KEYS``; values are codes
        or their Chinese names, several separated by commas (also ``，``) or given as repeated items.
    townships : sequence of str, optional
        The townships ``township=`` may name (e.g. the store's current division); default: every township
        of the county in any division (``cases.model.known_townships``).

    Returns
    -------
    CaseFilter
        With ``key_order`` the order in which the keys were first given (the description's order).

    Raises
    ------
    ValidationError
        In Chinese, naming the bad item and the allowed keys or values.
    """
    names = tuple(known_townships() if townships is None else townships)
    values: dict[str, list[str]] = {}
    for item in items or []:
        key, sep, value = str(item).partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise ValidationError(f"筛选条件「{item}」格式不对，应为 键=值，如 kind=mining、status=已立案")
        if key not in FILTER_KEYS:
            raise ValidationError(f"筛选条件「{item}」的键「{key}」无效，应为：{'、'.join(FILTER_KEYS)}")
        for v in value.replace("，", ",").split(","):
            if v.strip():
                values.setdefault(key, []).append(_normalise(key, v.strip(), item, names))
    return CaseFilter(townships=tuple(values.get("township", ())), kinds=tuple(values.get("kind", ())),
                      categories=tuple(int(c) for c in values.get("category", ())),
                      statuses=tuple(values.get("status", ())), flags=tuple(values.get("flag", ())),
                      key_order=tuple(values))


def _normalise(key: str, value: str, item: str, townships: tuple[str, ...]) -> str:
    """The code of ``value`` for ``key`` (category as a digit string); ValidationError if not allowed."""
    if key == "kind":
        rev = {v: k for k, v in KINDS.items()}
        if value in KINDS or value in rev:
            return rev.get(value, value)
        allowed = "land（用地）、mining（采矿）"
    elif key == "status":
        if value in STATUSES:
            return value
        allowed = "、".join(STATUSES)
    elif key == "flag":
        rev = {v: k for k, v in FLAGS.items()}
        if value.upper() in FLAGS or value in rev:
            return rev.get(value, value.upper())
        allowed = "、".join(f"{k}（{v}）" for k, v in FLAGS.items())
    elif key == "category":
        rev = {v: str(k) for k, v in CATEGORY_SHORT.items()}
        if value in rev:
            return rev[value]
        if value.isdigit() and int(value) in CATEGORIES:
            return str(int(value))
        allowed = "1–10 或 " + "、".join(CATEGORY_SHORT.values())
    else:
        if value in townships:
            return value
        allowed = "、".join(townships)
    raise ValidationError(f"筛选条件「{item}」中的「{value}」无效，{FILTER_KEYS[key]}应为：{allowed}")


def filter_mask(cases: pd.DataFrame, checks: pd.DataFrame | None, f: CaseFilter) -> np.ndarray:
    """Boolean mask of the cases ``f`` keeps (vectorised; no loop over cases but the flag lists).

    Parameters
    ----------
    cases : pandas.DataFrame
        Cases with ``case_id``, ``township``, ``kind``, ``category``, ``status`` and, for the date
        and text filters, ``found_date``, ``party`` and ``location``.
    checks : pandas.DataFrame or None
        Check results (``case_id``, ``flags`` lists), needed by a flag filter; without them a flag
        filter keeps nothing.
    f : CaseFilter
        What to keep.

    Returns
    -------
    numpy.ndarray
        One bool per case.  Dates are inclusive; cases without a found date are dropped when a date
        bound is set.
    """
    keep = np.ones(len(cases), bool)
    for column, allowed in (("township", f.townships), ("kind", f.kinds), ("status", f.statuses)):
        if allowed:
            keep &= cases[column].isin(allowed).to_numpy()
    if f.categories:
        keep &= cases["category"].astype(int).isin([int(c) for c in f.categories]).to_numpy()
    if f.found_from or f.found_to:
        found = pd.to_datetime(cases["found_date"], errors="coerce")
        if f.found_from:
            keep &= (found >= pd.Timestamp(f.found_from)).fillna(False).to_numpy(bool)
        if f.found_to:
            keep &= (found <= pd.Timestamp(f.found_to)).fillna(False).to_numpy(bool)
    if f.text.strip():
        needle = f.text.strip().lower()
        hay = (cases["case_id"].astype(str) + "\n" + cases["party"].fillna("").astype(str) + "\n"
               + cases["location"].fillna("").astype(str)).str.lower()
        keep &= hay.str.contains(needle, regex=False).to_numpy()
    if f.flags:
        keep &= _flag_mask(cases, checks, f.flags)
    return keep


def _flag_mask(cases: pd.DataFrame, checks: pd.DataFrame | None, wanted: tuple[str, ...]) -> np.ndarray:
    """Cases having any flag of ``wanted`` (``ANY_FLAG``: any flag); all False without ``checks``."""
    if checks is None:
        return np.zeros(len(cases), bool)
    flags = checks.set_index("case_id")["flags"].reindex(cases["case_id"])
    want = set(wanted)
    return np.array([isinstance(fl, (list, tuple)) and bool(fl) and (ANY_FLAG in want or bool(want.intersection(fl)))
                     for fl in flags], dtype=bool)


def describe_filter(f: CaseFilter) -> str:
    """Chinese description of what ``f`` keeps, for map texts ("" when it keeps everything).

    Parameters
    ----------
    f : CaseFilter
        The filter.

    Returns
    -------
    str
        E.g. ``乡镇=峨口镇；类型=采矿``: values of one key are joined by 或, keys by ；.  The keys of
        ``f.key_order`` come first, in that order; the others follow in ``DESCRIPTION_KEYS`` order.
    """
    parts = _description_parts(f)
    return "；".join(parts[k] for k in dict.fromkeys((*f.key_order, *parts)) if k in parts)


def _description_parts(f: CaseFilter) -> dict[str, str]:
    """The described parts of ``f`` by key, in ``DESCRIPTION_KEYS`` order."""
    parts: dict[str, str] = {}
    if f.townships:
        parts["township"] = "乡镇=" + "或".join(f.townships)
    if f.kinds:
        parts["kind"] = "类型=" + "或".join(KINDS.get(k, k) for k in f.kinds)
    if f.categories:
        parts["category"] = "违法类别=" + "或".join(f"{int(c)}（{CATEGORY_SHORT.get(int(c), '')}）"
                                                  for c in f.categories)
    if f.statuses:
        parts["status"] = "办理状态=" + "或".join(f.statuses)
    if f.flags:
        parts["flag"] = "核查标记=" + "或".join("任一问题" if c == ANY_FLAG else FLAGS.get(c, c) for c in f.flags)
    if f.found_from or f.found_to:
        a = f.found_from.isoformat() if f.found_from else "…"
        b = f.found_to.isoformat() if f.found_to else "…"
        parts["found"] = f"发现日期={a}至{b}"
    if f.text.strip():
        parts["text"] = f"搜索「{f.text.strip()}」"
    return parts
