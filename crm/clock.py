"""The one clock: the current instant (UTC), today in London, a timestamp's London date, the financial year.

Nothing else reads the system clock, so a test (or `crm jobs run-once --today`) moves every reader at once
with `travel`."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
FINANCIAL_YEAR_STARTS = (4, 1)  # 1 April

_offset = timedelta()
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc) + _offset


def today() -> date:
    """Today's date where the services are: England."""
    return london_date(now())


def london_date(moment: datetime) -> date:
    """The date in London at an aware instant."""
    return moment.astimezone(LONDON).date()


def in_london(moment: datetime) -> datetime:
    """An aware instant on London's wall clock (for showing times)."""
    return moment.astimezone(LONDON)


def london_time(day: date, at: time = time()) -> datetime:
    """The instant a London wall clock shows `at` on `day` (midnight by default)."""
    return datetime.combine(day, at, tzinfo=LONDON)


def start_of_london_day(day: date) -> datetime:
    """The UTC instant London's `day` begins."""
    return london_time(day).astimezone(timezone.utc)


def financial_year_starting(year: int) -> date:
    """The first day of the financial year that starts in `year` (2026: 1 April 2026)."""
    return date(year, *FINANCIAL_YEAR_STARTS)


def financial_year_start(day: date) -> date:
    """The first day of the financial year containing `day`: the 1 April on or before it."""
    start = financial_year_starting(day.year)
    return start if day >= start else financial_year_starting(day.year - 1)


def financial_year(day: date) -> tuple[date, date]:
    """The financial year (1 April - 31 March) containing `day`, as its first and last dates."""
    start = financial_year_start(day)
    return start, date(start.year + 1, start.month, start.day) - timedelta(days=1)


@contextmanager
def travel(instant: datetime, *, tick: bool = True) -> Iterator[None]:
    """Move the clock to `instant` (aware) for the block: with `tick` time runs on from there, else it stands."""
    global _offset, _frozen
    if instant.tzinfo is None:
        raise ValueError("travel needs an aware datetime")
    saved = _offset, _frozen
    if tick:
        _offset, _frozen = instant - datetime.now(timezone.utc), None
    else:
        _offset, _frozen = timedelta(), instant.astimezone(timezone.utc)
    try:
        yield
    finally:
        _offset, _frozen = saved
