"""Campaign lift (SPEC section 6): enquiries during the campaign window against the same-length window before it.

The contacts counted are every enquiry contact the service received, whatever channel or campaign it names: a
campaign raises enquiries that never mention it ("I saw a poster somewhere"), and a contact has no service line of
its own, so the campaign's service line does not narrow the count. The campaign's own contacts are in the campaign
table.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from crm.reports.marketing import lines
from crm.reports.marketing import suppressed as suppression

COLUMNS = ("window_from", "window_to", "before_from", "before_to", "contacts_during", "households_during",
           "contacts_before", "households_before")
COUNTS = [column for column in COLUMNS if column.startswith(("contacts", "households"))]
DEPENDS = {"contacts_during": ("during",), "contacts_before": ("before",), "difference": ("during", "before"),
           "ratio": ("during", "before")}


@dataclass(frozen=True)
class Windows:
    """The campaign window and the window before it, London dates, both ends included."""

    start: date
    end: date
    before_start: date
    before_end: date


def windows(start_on: date, end_on: date | None, today: date) -> Windows | None:
    """The window from the campaign's start to its end (a campaign still running, or ending later: to today), and the
    same number of days immediately before the start; None for a campaign that has not started."""
    end = min(end_on or today, today)
    if start_on > end:
        return None
    length = timedelta(days=(end - start_on).days + 1)
    return Windows(start_on, end, start_on - length, start_on - timedelta(days=1))


def lift(campaigns: pd.DataFrame, today: date) -> pd.DataFrame:
    """One row per campaign (indexed by id): the two windows, the contacts in each, the difference (during - before)
    and the ratio (during / before, blank when there were none before); "<5" for counts of fewer than 5 households
    and for what is computed from them."""
    rows = [_row(campaign.start_on, campaign.end_on, today) for campaign in campaigns.itertuples()]
    frame = pd.DataFrame(rows, index=pd.Index(campaigns["id"], name="row"), columns=list(COLUMNS))
    frame[COUNTS] = frame[COUNTS].astype("Int64")  # blank for a campaign not started
    frame["difference"] = frame["contacts_during"] - frame["contacts_before"]
    frame["ratio"] = (frame["contacts_during"] / frame["contacts_before"].where(frame["contacts_before"] > 0)).round(2)
    masks = {"during": suppression.small(frame.pop("households_during").fillna(0)),
             "before": suppression.small(frame.pop("households_before").fillna(0))}
    return suppression.apply(frame, masks, DEPENDS)


def _row(start_on: date | None, end_on: date | None, today: date) -> dict:
    found = windows(start_on, end_on, today) if start_on else None
    if found is None:
        return dict.fromkeys(COLUMNS)
    during, before = lines.contact_count(found.start, found.end), lines.contact_count(found.before_start,
                                                                                       found.before_end)
    return {"window_from": found.start, "window_to": found.end, "before_from": found.before_start,
            "before_to": found.before_end, "contacts_during": during[0], "households_during": during[1],
            "contacts_before": before[0], "households_before": before[1]}
