"""Drill-down (SPEC section 5): every count of a report links to the households behind it.

Every report module gives the line-level rows behind its counts (`drill_lines`) and each count's selector (`drill`),
and may name the columns a list shows (`DRILL_COLUMNS`): crm.reports.base.ReportModule. The rows whose selector
columns hold the given values (compared as text) are the count's rows. Selector columns are not named like the
filter's arguments (RESERVED): the link carries both in one query string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.audit.services import record_event
from crm.extensions import db
from crm.formatting import month_label, short_date
from crm.funnel.stages import EVENT_LABELS
from crm.households.models import SHORT_NAMES, Household
from crm.pagination import Page, clamp, offset
from crm.reports import registry
from crm.reports.base import Report, ReportModule, ReportParams

# Query-string names the filter and the pages use; never a selector column.
RESERVED = frozenset({*ReportParams.ARGS, "as_stood", "submit", "page"})
NOT_SHOWN = {"split", "in_total", "measure", "service_line"}
# (column, singular, plural): what a list's rows are, the first whose column the rows fill.
UNITS = (("contact_id", "contact", "contacts"), ("person_id", "person", "people"),
         ("application_id", "application", "applications"))
CODE = re.compile(r"[a-z0-9]+(_[a-z0-9]+)+")
# An event kind in a line ("approved", "stage_1") reads as the household page's timeline names it.
EVENT_LABELS_BY_VALUE = {kind.value: label for kind, label in EVENT_LABELS.items()}
EVENT_COLUMNS = frozenset({"kind", "event"})


class NoDrill(LookupError):
    """No report has the name, or the cell asked for is none of its counts."""


def family(name: str) -> ReportModule:
    """The report's module (NoDrill for a name that is no report's)."""
    try:
        return registry.family(name)
    except registry.UnknownReport as error:
        raise NoDrill(str(error)) from None


def cells(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """(table, row position, column) -> the selector of the rows behind that count; none for no report's name."""
    try:
        return family(report.name).drill(report)
    except NoDrill:
        return {}


def selector(args) -> dict[str, str]:
    """The selector in a query string: every argument but the filter's and the page number."""
    return {key: value for key, value in args.items() if key not in RESERVED}


def chosen(name: str, params: ReportParams, wanted: dict[str, str]) -> pd.DataFrame:
    """The lines behind one count of the report `name` (see `pick`)."""
    return pick(family(name).drill_lines(params), wanted)


def pick(lines: pd.DataFrame, wanted: dict[str, str]) -> pd.DataFrame:
    """The lines whose selector columns hold the wanted values, compared as text. NoDrill when the selector is
    empty or names a column the lines do not have."""
    if not wanted or not set(wanted) <= set(lines.columns):
        raise NoDrill(f"The lines cannot be chosen by {', '.join(wanted) or 'nothing'}")
    keep = pd.Series(True, index=lines.index)
    for column, value in wanted.items():
        keep &= lines[column].astype(str) == value
    return lines[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Cell:
    """Where a count is on the report's page, to name the list: its table (none for the report's main table), its
    row's labels, its column."""

    table: str
    row: str
    column: str


def cell(report: Report, wanted: dict[str, str]) -> Cell | None:
    """The cell of the report whose selector is `wanted` (None when no cell has exactly it)."""
    found = next((key for key, chosen_ in cells(report).items() if chosen_ == wanted), None)
    if found is None:
        return None
    table, position, column = found
    frame = report.tables[table]
    frame = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    labels = [month_label(value) for key, value in frame.iloc[position].items()
              if key != "measure" and isinstance(value, str)]
    return Cell("" if table == report.name else humanise(table).capitalize(), ", ".join(labels), humanise(column))


def unit(lines: pd.DataFrame) -> tuple[str, str]:
    """What the rows are: contacts, people or applications when every row names one, else households."""
    for column, singular, plural in UNITS:
        if column in lines.columns and len(lines) and lines[column].notna().all():
            return singular, plural
    return "household", "households"


def columns(name: str, lines: pd.DataFrame, wanted: dict[str, str]) -> dict[str, str]:
    """The lines' columns to show ({column: heading}): the module's DRILL_COLUMNS, or every column but the ids, the
    selector's and the bookkeeping ones; either way only those with a value on some row."""
    listed = getattr(family(name), "DRILL_COLUMNS", None) or {
        column: humanise(column).capitalize() for column in lines.columns
        if not str(column).endswith("_id") and column not in NOT_SHOWN and column not in wanted}
    return {column: text for column, text in listed.items()
            if column in lines.columns and column not in wanted and lines[column].notna().any()}


def rows(lines: pd.DataFrame, shown: dict[str, str]) -> list[dict]:
    """One row to list per line: its household (people loaded), service line and shown values."""
    households = _households({int(i) for i in lines["household_id"]})
    made = []
    for line in lines.to_dict(orient="records"):
        household = households[int(line["household_id"])]
        made.append({"household": household, "service_line": _service_line(line, household),
                     "values": [display(line[column], column) for column in shown]})
    return made


def _households(ids: set[int]) -> dict[int, Household]:
    query = (select(Household).where(Household.id.in_(ids))
             .options(selectinload(Household.people), selectinload(Household.applications)))
    return {household.id: household for household in db.session.scalars(query)}


def _service_line(line: dict, household: Household) -> str:
    """The line's service line; else its application's; else (a household's line) every line it applied to."""
    code = line.get("service_line")
    application_id = line.get("application_id")
    if not isinstance(code, str) and not pd.isna(application_id):
        code = next((a.service_line_code for a in household.applications if a.id == int(application_id)), None)
    codes = [code] if isinstance(code, str) else sorted({a.service_line_code for a in household.applications})
    return ", ".join(SHORT_NAMES.get(c, c) for c in codes)


def display(value, column: str = "") -> str:
    """A line's value as text: dates as 3 Jun 2026, Yes / No, event kinds as the timeline names them, codes as
    words, blanks for missing values."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return short_date(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value)
    if column in EVENT_COLUMNS and text in EVENT_LABELS_BY_VALUE:
        return EVENT_LABELS_BY_VALUE[text]
    return humanise(text) if CODE.fullmatch(text) else text


def humanise(code: str) -> str:
    """A table or column code as the page names it: a month key ('2025-05') as 'May 2025'."""
    return month_label(code).replace("_", " ")


PAGE_SIZE = 100


@dataclass(frozen=True)
class Listing:
    """One count's list: the report and filter, the selector, the cell it is behind, what its rows are, the columns
    shown and one page of rows."""

    name: str
    params: ReportParams
    wanted: dict[str, str]
    cell: Cell | None
    unit: tuple[str, str]
    columns: dict[str, str]
    page: Page


def listing(name: str, params: ReportParams, wanted: dict[str, str], number: int) -> Listing:
    """Page `number` of the list behind the count `wanted` selects (NoDrill when it selects none; ValueError when
    the report refuses the filter)."""
    report = registry.compute(name, params)
    lines = chosen(name, params, wanted)
    shown = columns(name, lines, wanted)
    number = clamp(number, len(lines), PAGE_SIZE)
    start = offset(number, PAGE_SIZE)
    page = Page(rows(lines.iloc[start:start + PAGE_SIZE], shown), len(lines), number, PAGE_SIZE)
    return Listing(name, params, wanted, cell(report, wanted), unit(lines), shown, page)


def record_view(listing: Listing, *, actor) -> None:
    """Audit who saw which list (the names behind a count are personal data), in the caller's transaction."""
    record_event(db.session, "viewed_report_households", actor=actor, object_type="report", object_id=listing.name,
                 detail={**listing.params.to_args(), "selector": listing.wanted, "rows": listing.page.total})
