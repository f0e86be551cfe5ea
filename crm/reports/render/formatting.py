"""How a report's table cell reads on a page: shares and percentages with a % sign, blanks, thousands separated."""
from __future__ import annotations

from crm.formatting import month_label, number, percent


def report_cell(value, column: str = "") -> str:
    """A table cell: blank for no value (None or NaN); a share (0 to 1: `within_timescale`, `conversion_from_...`,
    `...: share`) or a percentage (0 to 100: `percent...`, `% ...`) with a % sign; other fractions to one decimal
    place; thousands separated."""
    if value is None or value != value:  # NaN is the one value not equal to itself
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float)) and _is_share(column):
        return percent(value, 1)
    if isinstance(value, (int, float)) and _is_percent(column):
        return percent(value / 100, 1)
    if isinstance(value, (int, float)):
        return number(value)
    return month_label(value)


def _is_share(column: str) -> bool:
    return column == "within_timescale" or column.startswith("conversion_from") or column.endswith("share")


def _is_percent(column: str) -> bool:
    return column.startswith(("percent", "%")) or column.endswith("percent")
