"""Which township a case belongs to in a township division (see :mod:`cases.assignment.townships`)."""

from cases.assignment.townships import (
    DECLARED,
    assign_townships,
    current_townships,
    declared_in,
    derived_division,
    in_division,
    row_names,
    shown_name,
    shown_names,
    store_cases,
    store_divisions,
    township_scope,
)

__all__ = ["DECLARED", "assign_townships", "current_townships", "declared_in", "derived_division", "in_division", "row_names",
           "shown_name", "shown_names", "store_cases", "store_divisions", "township_scope"]
