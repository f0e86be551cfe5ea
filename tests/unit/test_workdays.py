"""Working days across weekends and England's bank holidays."""
from datetime import date, datetime

import pytest

from crm.clock import LONDON
from crm.workdays import add_working_days, is_working_day


@pytest.mark.parametrize("received, due", [
    (datetime(2026, 11, 23, 14, 30), datetime(2026, 11, 25, 14, 30)),  # Monday -> Wednesday
    (datetime(2026, 11, 27, 16, 0), datetime(2026, 12, 1, 16, 0)),    # Friday -> Tuesday
    (datetime(2026, 11, 28, 11, 0), datetime(2026, 12, 2, 9, 0)),     # Saturday counts from Monday 09:00
    (datetime(2026, 12, 24, 10, 0), datetime(2026, 12, 30, 10, 0)),   # Christmas, Boxing Day observed on the 28th
    (datetime(2026, 4, 2, 12, 0), datetime(2026, 4, 8, 12, 0)),       # Good Friday and Easter Monday
    (datetime(2026, 5, 22, 9, 15), datetime(2026, 5, 27, 9, 15)),     # Spring bank holiday
])
def test_two_working_days(received, due):
    assert add_working_days(received.replace(tzinfo=LONDON), 2) == due.replace(tzinfo=LONDON)


def test_bank_holidays_are_englands():
    assert not is_working_day(date(2026, 8, 31))      # late summer bank holiday (England)
    assert is_working_day(date(2026, 8, 3))           # Scotland's summer holiday is a working day in England
    assert not is_working_day(date(2026, 11, 29))     # a Sunday
