"""The London dates of UTC-stamped contacts: a period's bounds in UTC, timestamps as London days.

Contacts are stamped in UTC and counted by their date in London: a contact at 23:30 UTC on 31 March in summer time
is on 1 April.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from crm import clock
from crm.enquiries.models import EnquiryContact


def received_between(first: date, last: date, column=EnquiryContact.received_at):
    """Timestamps (contacts' `received_at` unless another column is given) whose London date is from `first` to
    `last`, both included: from London midnight of `first` to that after `last`."""
    return (column >= clock.start_of_london_day(first)) & (column < clock.start_of_london_day(last + timedelta(days=1)))


def london_days(values) -> pd.Series:
    """UTC timestamps (datetimes, or SQLite's ISO text) as their London dates (datetime64 at midnight)."""
    return pd.to_datetime(values, utc=True).dt.tz_convert(clock.LONDON.key).dt.tz_localize(None).dt.normalize()
