"""Cases as they were on a past day, rebuilt from the store's audit log (the rule: :mod:`cases.history.replay`).

:func:`cases_as_of` gives the cases of a day; :class:`StoreAsOf` is a read-only store of that day that the
map and the statistics draw from, so a bulletin made later says what it said then.
"""

from cases.history.replay import History, HistoryError, cases_as_of, day_end, first_record_day
from cases.history.view import StoreAsOf, division_on

__all__ = ["History", "HistoryError", "StoreAsOf", "cases_as_of", "day_end", "division_on", "first_record_day"]
