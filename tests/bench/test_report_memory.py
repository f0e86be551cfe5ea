"""bench/report_memory.py's period and its reading of this process's memory (Linux /proc)."""
from __future__ import annotations

from datetime import date

from bench import report_memory


def test_ten_financial_years_end_with_the_one_today_is_in():
    assert report_memory.period(date(2026, 11, 23), 10) == (date(2017, 4, 1), date(2027, 3, 31))
    assert report_memory.period(date(2026, 3, 31), 1) == (date(2025, 4, 1), date(2026, 3, 31))


def test_the_peak_is_reset_to_what_is_resident_now():
    ballast = bytearray(64 * 1024 * 1024)  # 64 MB touched, then let go
    ballast[::4096] = b"x" * len(ballast[::4096])
    del ballast
    before = report_memory._status_mb("VmHWM")
    report_memory._reset_peak()
    after = report_memory._status_mb("VmHWM")
    assert after < before and after <= report_memory._status_mb("VmRSS") + 1
