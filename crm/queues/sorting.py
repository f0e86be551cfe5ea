"""Server-side sorting: which column and direction the query string asks for, and the header links that toggle it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

ASCENDING, DESCENDING = "asc", "desc"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # The direction a first click sorts by: longest waits and latest dates read best from the top.
    first_direction: str = ASCENDING
    numeric: bool = False
    sortable: bool = True
    label_hidden: bool = False  # for screen readers only, like the column of buttons


@dataclass(frozen=True)
class Sort:
    key: str
    direction: str

    @property
    def descending(self) -> bool:
        return self.direction == DESCENDING


def requested_sort(key: str | None, direction: str | None, columns: list[Column], default: Sort) -> Sort:
    """The sort asked for; an unknown column or direction falls back to the default's."""
    keys = {column.key: column for column in columns if column.sortable}
    if key not in keys:
        return default
    if direction not in (ASCENDING, DESCENDING):
        direction = keys[key].first_direction
    return Sort(key, direction)


def headers(columns: list[Column], sort: Sort, href: Callable[[Sort], str]) -> list[dict]:
    """Each column's header: its aria-sort, and a link sorting by it (the other way if it is the current sort)."""
    return [{"label": column.label, "numeric": column.numeric, "label_hidden": column.label_hidden,
             "aria_sort": _aria(column, sort),
             "href": href(_next(column, sort)) if column.sortable else None} for column in columns]


def _aria(column: Column, sort: Sort) -> str | None:
    if not column.sortable:
        return None
    if column.key != sort.key:
        return "none"
    return "descending" if sort.descending else "ascending"


def _next(column: Column, sort: Sort) -> Sort:
    if column.key == sort.key:
        return Sort(column.key, ASCENDING if sort.descending else DESCENDING)
    return Sort(column.key, column.first_direction)
