"""Text for people: dates in Chinese and cell values as plain text, one home each."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pandas as pd

#: The default words for True and False in text for people.
YES_NO: tuple[str, str] = ("是", "否")


def date_text(day: dt.date) -> str:
    """A date as Chinese text: ``2019年7月15日``.

    Parameters
    ----------
    day
        The date; a datetime is shown by its date only.

    Returns
    -------
    str
        Year, month and day without leading zeros, e.g. ``2019年7月5日``.
    """
    return f"{day.year}年{day.month}月{day.day}日"


def is_missing(value: Any) -> bool:
    """True for the values that mean "nothing here": None, NaN, NaT and ``pd.NA``.

    Parameters
    ----------
    value
        Any cell or attribute value.

    Returns
    -------
    bool
        Whether ``value`` is one of the missing markers (text, even blank text, is not missing).
    """
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value)


def value_text(value: Any, *, dates: Literal["iso", "chinese"] = "iso",
               floats: Literal["whole", "g", "plain"] = "whole", bools: tuple[str, str] = YES_NO,
               strip: bool = False) -> str:
    """A cell or attribute value as plain text, the one rule for tables, sheets, KML and the ledger.

    Parameters
    ----------
    value
        Any value: None/NaN/NaT/``pd.NA`` → ``""``.
    dates
        ``"iso"``: ``2019-07-15`` (a datetime with a time of day: ``2019-07-15 08:30:00``);
        ``"chinese"``: ``2019年7月15日`` (see :func:`date_text`).
    floats
        ``"whole"``: whole numbers lose their ``.0`` (7.0 → ``7``, 7.25 → ``7.25``);
        ``"g"``: at most 6 significant digits (``f"{v:g}"``); ``"plain"``: ``str`` (7.0 → ``7.0``).
    bools
        The words for True and False (``("True", "False")`` for machine text).
    strip
        Trim outer whitespace of everything else (so whitespace-only text gives ``""``).

    Returns
    -------
    str
        The text; anything not covered above is ``str(value)`` (a shapely geometry → its WKT).
    """
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return bools[0] if value else bools[1]
    if isinstance(value, float):
        return _float_text(value, floats=floats)
    if isinstance(value, dt.date):
        return _date_value_text(value, dates=dates)
    return str(value).strip() if strip else str(value)


def _float_text(value: float, *, floats: str) -> str:
    if floats == "g":
        return f"{value:g}"
    if floats == "whole" and value.is_integer():
        return str(int(value))
    return str(value)


def _date_value_text(value: dt.date, *, dates: str) -> str:
    if dates == "chinese":
        return date_text(value)
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        return value.isoformat(sep=" ")
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
