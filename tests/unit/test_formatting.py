"""The one way Hearth writes dates, numbers, money and percentages."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from crm import formatting
from crm.clock import LONDON


def test_long_date_is_day_month_year_without_a_leading_zero():
    assert formatting.long_date(date(2027, 4, 1)) == "1 April 2027"
    assert formatting.long_date(date(2026, 12, 2)) == "2 December 2026"


def test_long_date_with_the_weekday():
    assert formatting.long_date(date(2026, 12, 5), weekday=True) == "Saturday 5 December 2026"


def test_long_date_of_a_moment_is_its_own_date():
    assert formatting.long_date(datetime(2026, 6, 30, 23, 30, tzinfo=LONDON)) == "30 June 2026"


def test_date_time_keeps_the_moments_time_zone():
    assert formatting.date_time(datetime(2026, 7, 3, 9, 5, tzinfo=LONDON)) == "3 July 2026 09:05"
    assert formatting.date_time(datetime(2026, 12, 2, 14, 5)) == "2 December 2026 14:05"
    assert formatting.date_time(datetime(2026, 12, 2, 14, 5), at=True) == "2 December 2026 at 14:05"


@pytest.mark.parametrize(("month", "written"), [(6, "2 Jun 2026"), (7, "2 Jul 2026"), (9, "2 Sep 2026")])
def test_short_date_abbreviates_the_month_as_the_tables_always_have(month, written):
    assert formatting.short_date(date(2026, month, 2)) == written


def test_short_date_with_the_weekday_and_short_date_time():
    assert formatting.short_date(date(2026, 9, 2), weekday=True) == "Wed 2 Sep 2026"
    assert formatting.short_date_time(datetime(2026, 9, 2, 7, 5, 9)) == "2 Sep 2026 07:05"
    assert formatting.short_date_time(datetime(2026, 9, 2, 7, 5, 9), seconds=True) == "2 Sep 2026 07:05:09"


def test_month_name_is_the_month_and_year():
    assert formatting.month_name(date(2026, 9, 1)) == "September 2026"


@pytest.mark.parametrize(("value", "places", "written"), [
    (0, None, "0"), (999, None, "999"), (1234, None, "1,234"), (1234567, None, "1,234,567"),
    (1234.0, None, "1,234"), (1234.56, None, "1,234.6"), (2.96, None, "3.0"), (-1234.5, None, "-1,234.5"),
    (3, 1, "3.0"), (1234.5, 2, "1,234.50"), (Decimal("0.125"), 2, "0.12"),
])
def test_number_separates_thousands(value, places, written):
    assert formatting.number(value, places) == written


@pytest.mark.parametrize(("pounds", "written"), [
    (Decimal("1234.5"), "£1,234.50"), (1234.5, "£1,234.50"), (0, "£0.00"), (9999999.99, "£9,999,999.99"),
    (Decimal(1250050) / 100, "£12,500.50"),
])
def test_money_is_pounds_and_pence(pounds, written):
    assert formatting.money(pounds) == written


@pytest.mark.parametrize(("share", "places", "written"), [
    (0.25, 0, "25%"), (1, 0, "100%"), (0.125, 1, "12.5%"), (0.6667, 1, "66.7%"), (0, 1, "0.0%"), (12.5, 0, "1,250%"),
])
def test_percent_of_a_share(share, places, written):
    assert formatting.percent(share, places) == written


def test_filters_are_registered_once_for_every_template(app):
    rendered = app.jinja_env.from_string(
        "{{ day|long_date }}; {{ 1234.5|money }}; {{ 0.5|percent }}; {{ 1234|number }}").render(day=date(2027, 4, 1))
    assert rendered == "1 April 2027; £1,234.50; 50%; 1,234"


@pytest.mark.parametrize(("typed", "shown"), [
    ("SW1A1AA", "SW1A 1AA"), ("sw1a 1aa", "SW1A 1AA"), (" M1  1AE ", "M1 1AE"), ("B338TH", "B33 8TH"),
    ("CR26XH", "CR2 6XH"), ("DN551PT", "DN55 1PT"), ("W1A0AX", "W1A 0AX"), ("EC1A1BB", "EC1A 1BB"),
    ("not a postcode", "not a postcode"), ("", ""), (None, ""),
])
def test_postcodes_are_shown_with_their_space(typed, shown):
    assert formatting.postcode(typed) == shown


@pytest.mark.parametrize(("key", "shown"), [
    ("2026-04", "April 2026"), ("2025-12", "December 2025"), ("2026-13", "2026-13"),
    ("2026 Q2 (Apr-Jun)", "2026 Q2 (Apr-Jun)"), ("adoption", "adoption"),
])
def test_month_keys_are_written_as_months(key, shown):
    assert formatting.month_label(key) == shown
