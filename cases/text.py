"""Text for people: dates in Chinese and cell values as plain text, one home each."""

from __future__ import annotations

import datetime as dt


def date_text(day: dt.date) -> str:
    """A date as Chinese text: ``2019年7月15日``."""
    return f"{day.year}年{day.month}月{day.day}日"
