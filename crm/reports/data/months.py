"""Calendar-month arithmetic, duration buckets and month / quarter keys for reports, vectorised over pandas.

"N months" are calendar months with dateutil.relativedelta's month-end rule (SPEC sections 4 and 5): 15 January
+ 2 months = 15 March, 31 January + 1 month = 28 February (29 in a leap year). A duration of "N whole months" is
the largest N with start + N months on or before the end, so a stage that took exactly 4 months has 4 whole months
and falls in a bucket whose lower bound is 4 (bucket lower bounds are inclusive).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from crm.reports.base import Split

QUARTER_MONTHS = ("Jan-Mar", "Apr-Jun", "Jul-Sep", "Oct-Dec")


def as_dates(values) -> pd.Series:
    """Dates from the database (date objects or ISO strings) as a datetime64 Series; None becomes NaT."""
    return pd.to_datetime(pd.Series(values, dtype=object), errors="raise").astype("datetime64[s]")


def add_months(dates: pd.Series, months: int) -> pd.Series:
    """dates + relativedelta(months=months), element-wise: the day is kept, or clipped to the month's last day."""
    index = dates.dt.year * 12 + (dates.dt.month - 1) + months
    firsts = pd.to_datetime(pd.DataFrame({"year": index // 12, "month": index % 12 + 1, "day": 1}))
    firsts = firsts.astype(dates.dtype)
    day = np.minimum(dates.dt.day, firsts.dt.days_in_month)
    return firsts + pd.to_timedelta(day - 1, unit="D")


def add(dates: pd.Series, delta: relativedelta) -> pd.Series:
    """dates + delta for a delta of years, months, weeks and days (months first, then days, as relativedelta does)."""
    shifted = add_months(dates, delta.years * 12 + delta.months) if delta.years or delta.months else dates
    return shifted + pd.Timedelta(days=delta.days)


def whole_months(start: pd.Series, end: pd.Series) -> pd.Series:
    """The number of whole calendar months from start to end: the largest N with start + N months <= end.

    start + N months lands in end's month on day min(start day, days in end's month); if end's day is before
    that, the last month is not complete yet."""
    raw = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    landing_day = np.minimum(start.dt.day, end.dt.days_in_month)
    return (raw - (end.dt.day < landing_day).astype(int)).astype(int)


@dataclass(frozen=True)
class Buckets:
    """Duration buckets in whole months: `bounds` are the lower bounds (inclusive) of every bucket but the first."""

    bounds: tuple[int, ...]
    labels: tuple[str, ...]

    def __post_init__(self):
        if len(self.labels) != len(self.bounds) + 1:
            raise ValueError("A bucket set needs one label more than it has bounds")

    def label(self, months: pd.Series) -> pd.Series:
        """Each duration's bucket label (a categorical with every label, in order)."""
        edges = [-np.inf, *self.bounds, np.inf]
        return pd.cut(months, bins=edges, right=False, labels=list(self.labels))

    def counts(self, labels: pd.Series) -> dict[str, int]:
        """How many durations fall in each bucket, every bucket present (zeros included), in order."""
        tally = labels.value_counts(sort=False)
        return {label: int(tally.get(label, 0)) for label in self.labels}


def month_key(dates: pd.Series) -> pd.Series:
    """'2026-04' for any date in April 2026."""
    return dates.dt.strftime("%Y-%m")


def quarter_key(dates: pd.Series) -> pd.Series:
    """Calendar quarters, labelled with their months so nobody reads them as financial quarters:
    '2026 Q2 (Apr-Jun)'. The labels sort in time order within and across years."""
    quarter = (dates.dt.month - 1) // 3
    return dates.dt.year.astype(str) + " Q" + (quarter + 1).astype(str) + " (" + quarter.map(
        dict(enumerate(QUARTER_MONTHS))) + ")"


def period_key(dates: pd.Series, by: Split) -> pd.Series:
    """The month or quarter key of each date."""
    if by is Split.MONTH:
        return month_key(dates)
    if by is Split.QUARTER:
        return quarter_key(dates)
    raise ValueError(f"{by.value} is not a split by time")


def period_keys(date_from: date, date_to: date, by: Split) -> list[str]:
    """Every month or quarter key the period touches, in order (so months with nothing still show, as 0)."""
    months = pd.Series(pd.period_range(date_from, date_to, freq="M").to_timestamp()).astype("datetime64[s]")
    return list(dict.fromkeys(period_key(months, by)))
