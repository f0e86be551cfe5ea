"""The London dates of UTC-stamped contacts: a period's bounds in UTC, timestamps as London days, in pandas or in SQL.

Contacts are stamped in UTC and counted by their date in London: a contact at 23:30 UTC on 31 March in summer time
is on 1 April.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import pandas as pd
from sqlalchemy import Date, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from crm import clock
from crm.enquiries.models import EnquiryContact


def received_between(first: date, last: date, column=EnquiryContact.received_at):
    """Timestamps (contacts' `received_at` unless another column is given) whose London date is from `first` to
    `last`, both included: from London midnight of `first` to that after `last`."""
    return (column >= clock.start_of_london_day(first)) & (column < clock.start_of_london_day(last + timedelta(days=1)))


def london_days(values) -> pd.Series:
    """UTC timestamps (datetimes, or SQLite's ISO text) as their London dates (datetime64 at midnight)."""
    return pd.to_datetime(values, utc=True).dt.tz_convert(clock.LONDON.key).dt.tz_localize(None).dt.normalize()


class _london_date(FunctionElement):  # noqa: N801 (reads as the SQL function it is)
    """See `london_date`: clauses are the timestamp and SQLite's shift of it to London's wall clock."""

    type = Date()
    inherit_cache = True


def london_date(column, first: date, last: date):
    """SQL: the London date of a UTC timestamp `column` whose London date is from `first` to `last` (the same day as
    `london_days` gives). PostgreSQL converts with the time zone database; SQLite has no time zones, so its
    timestamps are shifted by London's offset from UTC, a CASE over the spans of the period when London is ahead
    (summer time), read from the same time zone database (clock.LONDON) as every date in Python."""
    shifts = [((column >= start) & (column < end), literal(f"{seconds:+d} seconds"))
              for start, end, seconds in _spans_ahead(first, last)]
    return _london_date(column, case(*shifts, else_=literal("+0 seconds")) if shifts else literal("+0 seconds"))


@compiles(_london_date)
def _london_date_postgresql(element, compiler, **kw) -> str:
    column = list(element.clauses)[0]
    return f"CAST(timezone('{clock.LONDON.key}', {compiler.process(column, **kw)}) AS DATE)"


@compiles(_london_date, "sqlite")
def _london_date_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"  # date(timestamp, '+3600 seconds'): UTC text shifted


@lru_cache(maxsize=64)
def _spans_ahead(first: date, last: date) -> tuple[tuple[datetime, datetime, int], ...]:
    """(from, to, seconds): the UTC spans, from London midnight of `first` to that after `last`, in which London's
    clock differs from UTC's, and by how many seconds."""
    moment, end = clock.start_of_london_day(first), clock.start_of_london_day(last + timedelta(days=1))
    spans = []
    while moment < end:
        following = _next_change(moment, end)
        if seconds := _offset(moment):
            spans.append((moment, following, seconds))
        moment = following
    return tuple(spans)


def _next_change(moment: datetime, end: datetime) -> datetime:
    """The first instant after `moment` at which London's offset from UTC changes, or `end` if none does before it:
    a day at a time (London's clocks never changed twice in a day), then halving to the second."""
    offset, day = _offset(moment), timedelta(days=1)
    while moment + day < end and _offset(moment + day) == offset:
        moment += day
    later = min(moment + day, end)
    if _offset(later) == offset:
        return later
    low, high = 0, int((later - moment).total_seconds())  # the offset at moment + low is `offset`, at + high not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _offset(moment + timedelta(seconds=middle)) == offset else (low, middle)
    return moment + timedelta(seconds=high)


def _offset(moment: datetime) -> int:
    return int(moment.astimezone(clock.LONDON).utcoffset().total_seconds())
