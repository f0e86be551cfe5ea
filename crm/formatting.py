"""How Hearth writes numbers, money, percentages and dates for people (Babel, British English)."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import NumberPattern, format_currency, format_decimal, format_percent, parse_pattern

from crm import clock

LOCALE = Locale.parse("en_GB")
# Tables abbreviate months as they always have (Sep, Jun); CLDR's British English writes September "Sept".
ABBREVIATED = Locale.parse("en")


def long_date(day: date, *, weekday: bool = False) -> str:
    """2 December 2026 (GOV.UK style); with `weekday`, Wednesday 2 December 2026. An aware timestamp gives its
    date in London."""
    return format_date(_local(day), "EEEE d MMMM y" if weekday else "d MMMM y", locale=LOCALE)


def date_time(moment: datetime, *, at: bool = False) -> str:
    """2 December 2026 14:05, or 2 December 2026 at 14:05 with `at`, on London's clock."""
    return format_datetime(_local(moment), "d MMMM y 'at' HH:mm" if at else "d MMMM y HH:mm", locale=LOCALE)


def clock_time(moment: datetime) -> str:
    """GOV.UK style times: 10am, 7:30pm, midday, midnight."""
    moment = _local(moment)
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def short_date(day: date, *, weekday: bool = False) -> str:
    """2 Sep 2026, for tables; with `weekday`, Wed 2 Sep 2026."""
    return format_date(_local(day), "EEE d MMM y" if weekday else "d MMM y", locale=ABBREVIATED)


def short_date_time(moment: datetime, *, seconds: bool = False) -> str:
    """2 Sep 2026 14:05 (14:05:09 with `seconds`), for tables, on London's clock."""
    return format_datetime(_local(moment), "d MMM y HH:mm:ss" if seconds else "d MMM y HH:mm", locale=ABBREVIATED)


def month_name(month: date) -> str:
    """December 2026."""
    return format_date(month, "MMMM y", locale=LOCALE)


# A UK postcode without its space: the outward code (2 to 4 characters) then the inward code (a digit, 2 letters).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def postcode(value: str | None) -> str:
    """SW1A 1AA, however it was typed (sw1a1aa, SW1A  1AA); anything that is not a UK postcode is shown as typed,
    trimmed. None is ''."""
    if not value:
        return ""
    match = _POSTCODE.match("".join(value.split()).upper())
    return f"{match.group(1)} {match.group(2)}" if match else value.strip()


_MONTH_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_label(value) -> str:
    """A month key of the reports ('2026-04') written as people read it ('April 2026'); anything else as it is."""
    match = _MONTH_KEY.match(str(value))
    return month_name(date(int(match.group(1)), int(match.group(2)), 1)) if match else str(value)


def number(value: int | float | Decimal, places: int | None = None) -> str:
    """Thousands separated: 1,234; a fraction to one decimal place (1,234.5) and a whole float without one (3.0 is
    3), unless `places` fixes how many there are."""
    if places is None:
        places = 0 if float(value).is_integer() else 1
    return format_decimal(value, _digits(places), locale=LOCALE)


def money(pounds: int | float | Decimal) -> str:
    """Pounds and pence: £1,234.50."""
    return format_currency(pounds, "GBP", locale=LOCALE)


def percent(share: int | float | Decimal, places: int = 0) -> str:
    """A share of 1 as a percentage: 0.25 is 25%; 0.125 is 12.5% to one place."""
    return format_percent(share, _digits(places, "%"), locale=LOCALE)


def _local(value: date | datetime) -> date | datetime:
    """Timestamps are kept in UTC and shown on London's clock; a date, or a naive time, is shown as it is."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return clock.in_london(value)
    return value


@cache  # parsed once: a report table formats thousands of cells
def _digits(places: int, suffix: str = "") -> NumberPattern:
    """Thousands separated, exactly `places` decimal places."""
    return parse_pattern(("#,##0." + "0" * places if places else "#,##0") + suffix)
