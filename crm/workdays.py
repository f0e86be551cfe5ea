"""Working days in England: weekends and England's bank holidays (the `holidays` package) skipped."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import holidays

from crm import clock

START_OF_DAY = time(9, 0)
_BANK_HOLIDAYS = holidays.UK(subdiv="ENG")  # fills itself year by year as dates are asked about


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _BANK_HOLIDAYS


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(moment: datetime, days: int) -> datetime:
    """The moment `days` working days later, at the same local time.

    Something received outside a working day counts from 09:00 on the next one: an enquiry on
    Saturday with 2 working days to answer is due on Wednesday at 09:00 (Tuesday if Monday is not a holiday).
    """
    local = clock.in_london(moment)
    day, at = local.date(), local.timetz().replace(tzinfo=None)
    if not is_working_day(day):
        day, at = next_working_day(day), START_OF_DAY
    for _ in range(days):
        day = next_working_day(day)
    return clock.london_time(day, at)
