"""What every report takes and gives: a period (default the financial year), an optional snapshot date and
split, and a result that is JSON-able (the stable shape the README documents) and tabular (pages, CSV, XLSX)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import pandas as pd

from crm import clock
from crm.clock import financial_year  # noqa: F401 (the reports' callers import it from here)


class Split(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    SERVICE_LINE = "service_line"
    PARTNER_AUTHORITY = "partner_authority"
    TEAM = "team"
    CHANNEL = "channel"


@dataclass(frozen=True)
class ReportParams:
    date_from: date
    date_to: date  # inclusive
    at: date | None = None  # the snapshot date (snapshot report); default date_to
    by: Split | None = None

    @classmethod
    def default(cls, today: date | None = None, **overrides) -> ReportParams:
        start, end = financial_year(today or clock.today())
        return cls(**{"date_from": start, "date_to": end, **overrides})

    def __post_init__(self):
        if self.date_to < self.date_from:
            raise ValueError("The end of the period must be on or after its start")


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
        body = {"report": self.name, "from": self.params.date_from.isoformat(), "to": self.params.date_to.isoformat(),
                **({"at": self.params.at.isoformat()} if self.params.at else {}), "figures": self.figures}
        if self.params.by:
            body["by"] = self.params.by.value
            body["splits"] = self.splits
        return body
