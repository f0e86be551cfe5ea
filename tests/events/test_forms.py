"""Reading times of day typed into the event form (GOV.UK has no time input)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from crm.events.forms import at, parse_time
from crm.formatting import clock_time


@pytest.mark.parametrize("text, expected", [
    ("19:00", time(19)), ("7pm", time(19)), ("7.30pm", time(19, 30)), ("7:30 PM", time(19, 30)),
    ("09:15", time(9, 15)), ("12am", time(0)), ("12pm", time(12)), ("midday", time(12)), ("Midnight", time(0)),
    ("7", None), ("13pm", None), ("24:00", None), ("19:60", None), ("0pm", None), ("seven", None), ("", None),
])
def test_times_of_day(text, expected):
    assert parse_time(text) == expected


def test_a_london_time_becomes_utc_either_side_of_the_clocks_changing():
    assert at(date(2027, 1, 15), time(19)) == datetime(2027, 1, 15, 19, tzinfo=timezone.utc)
    assert at(date(2027, 7, 15), time(19)) == datetime(2027, 7, 15, 18, tzinfo=timezone.utc)


@pytest.mark.parametrize("hour, minute, text", [(10, 0, "10am"), (19, 30, "7:30pm"), (12, 0, "midday"),
                                                (0, 0, "midnight"), (0, 15, "12:15am")])
def test_times_are_shown_in_govuk_style(hour, minute, text):
    assert clock_time(datetime(2027, 1, 1, hour, minute)) == text
