"""What every report takes and gives: its parameters, its result, and the functions a report module provides.

A report takes a period (default the financial year), a snapshot date and an optional split (ReportParams, read
from a query string or the command line by `from_args` and written back by `to_args`), and gives a result that is
JSON-able (the stable shape the README documents) and tabular (pages, CSV, XLSX).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from crm import clock
from crm.clock import financial_year


class Split(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    SERVICE_LINE = "service_line"
    PARTNER_AUTHORITY = "partner_authority"
    TEAM = "team"
    CHANNEL = "channel"


# The years a report's dates may fall in: pandas' timestamps end in 2262, and no agency's history starts before 1900.
FIRST_YEAR, LAST_YEAR = 1900, 2100
WRITTEN_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadArgument(ValueError):
    """A report argument that cannot be read: `name` is which (as `ARGS` names it), the message says why."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


class OutOfRange(BadArgument):
    """A real date outside FIRST_YEAR to LAST_YEAR."""


def parse_day(text: str | None, name: str = "date") -> date | None:
    """The day written YYYY-MM-DD in `text`, None for no text; BadArgument (OutOfRange for a real date outside
    FIRST_YEAR to LAST_YEAR) otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not WRITTEN_DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise BadArgument(name, f"{text!r} is not a real date written YYYY-MM-DD, for example 2025-04-01") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise OutOfRange(name, f"{text!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def parse_split(text: str | None) -> Split | None:
    if not (text or "").strip():
        return None
    try:
        return Split(text.strip())
    except ValueError:
        raise BadArgument("by", f"{text!r} is not a split: choose one of {', '.join(Split)}") from None


@dataclass(frozen=True)
class ReportParams:
    """The period (both days included), the snapshot date and the split of a report.

    The page's filter, its drill-down links, the marketing filter and `crm report` all read them with `from_args`,
    so a missing argument has one default wherever it is missing."""

    date_from: date
    date_to: date  # inclusive
    at: date | None = None  # the snapshot date, and the day conversion's cohorts are followed to: see snapshot_date
    by: Split | None = None

    ARGS = ("date_from", "date_to", "at", "by")  # their names in a query string and as `crm report`'s options

    def __post_init__(self):
        if self.date_to < self.date_from:
            raise BadArgument("date_to", "The end of the period must be on or after its start")

    @classmethod
    def from_args(cls, args: Mapping[str, Any], today: date) -> ReportParams:
        """The parameters in `args` (text keyed by ARGS; other keys ignored). Without dates, the financial year of
        today; with one end only, the other end of its financial year; without `at`, `snapshot_date(today)`."""
        date_from, date_to = parse_day(args.get("date_from"), "date_from"), parse_day(args.get("date_to"), "date_to")
        date_from = date_from or financial_year(date_to or today)[0]
        date_to = date_to or financial_year(date_from)[1]
        made = cls(date_from, date_to, at=parse_day(args.get("at"), "at"), by=parse_split(args.get("by")))
        return replace(made, at=made.snapshot_date(today))

    def snapshot_date(self, today: date | None = None) -> date:
        """The day a snapshot is taken and conversion's cohorts are followed to: `at`, else today, or the end of the
        period when that is earlier (a snapshot is of a day that has happened)."""
        return self.at or min(self.date_to, today or clock.today())

    def to_args(self) -> dict[str, str]:
        """The parameters as query-string arguments, read back by `from_args` (links to the same figures)."""
        written = dict(zip(self.ARGS, self.as_json().values()))  # as_json keeps ARGS' order
        return {name: text for name, text in written.items() if text is not None}

    def as_json(self) -> dict[str, str | None]:
        """The parameters as a report's JSON and the audit log write them: {"from", "to", "at", "by"}."""
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(),
                "at": self.at.isoformat() if self.at else None, "by": self.by.value if self.by else None}

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ReportParams:
        """The parameters of a report's JSON (`as_json`'s keys; `at` and `by` may be missing)."""
        return cls(date.fromisoformat(body["from"]), date.fromisoformat(body["to"]),
                   at=parse_day(body.get("at")), by=parse_split(body.get("by")))


@dataclass
class Report:
    """One report's figures: `figures` is the JSON shape; `tables` the same figures as named DataFrames; `splits`
    the same figures per split value (when `by` is given), each in the JSON shape."""

    name: str
    params: ReportParams
    figures: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    splits: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        params = self.params.as_json()
        body = {"report": self.name, "from": params["from"], "to": params["to"],
                **({"at": params["at"]} if params["at"] else {}), "figures": self.figures}
        if self.params.by:
            body["by"] = params["by"]
            body["splits"] = self.splits
        return body


@runtime_checkable
class ReportModule(Protocol):
    """What every report module (crm.reports.families) provides; crm.reports.registry names them.

    A module may also set DRILL_COLUMNS ({column of its lines: heading}): the columns a list of the households
    behind a count shows, in order (crm.reports.drill shows every column but ids and selectors otherwise)."""

    SPLITS: tuple[Split, ...]  # the splits the report can make, the only ones its page offers

    def compute(self, params: ReportParams) -> Report:
        """The report's figures, tables and figures per split value; ValueError for a split it cannot make."""

    def drill_lines(self, params: ReportParams) -> pd.DataFrame:
        """The line-level rows behind its counts: `household_id`, `application_id` and the columns its cells select
        on (selector columns are never named like ReportParams.ARGS: a link carries both in one query string)."""

    def drill(self, report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
        """(table, row position, column) -> {column of the lines: value}: the lines behind that count are those
        holding the values (compared as text)."""

    def charts(self, report: Report) -> list[tuple[str, str]]:
        """(caption, SVG) of each chart of its page, drawn from its figures (crm.reports.render.charts)."""
