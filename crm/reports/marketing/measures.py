"""The figures of SPEC section 6 for one set of rows (channels or campaigns).

Each line (contact, credit, spend, ROI) already carries the `row` it counts under; each figure's docstring is its
definition.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm.reports.marketing import suppressed as suppression

OUTCOME_PLURALS = {"roi": "rois", "approval": "approvals"}
LAST_TOUCH = "last_touch"
# Each shown column and the household counts it is based on: hidden ("<5") when any of them is.
DEPENDS = {
    "contacts": ("households",), "households": ("households",), "cost_per_enquiry": ("households",),
    "rois": ("rois_households",), "approvals": ("approvals_households",),
    "rois_last_touch": ("rois_last_touch_households",), "approvals_last_touch": ("approvals_last_touch_households",),
    "conversion_to_roi": ("households", "rois_households"),
    "conversion_to_approval": ("households", "approvals_households"),
    "cost_per_roi": ("rois_households",), "cost_per_approval": ("approvals_households",),
    "median_days_to_roi": ("median_households",),
}
COLUMNS = ("contacts", "households", "rois", "approvals", "rois_last_touch", "approvals_last_touch",
           "conversion_to_roi", "conversion_to_approval", "spend", "cost_per_enquiry", "cost_per_roi",
           "cost_per_approval", "median_days_to_roi")
ADDITIVE = ("households", "rois_households", "approvals_households", "rois_last_touch_households",
            "approvals_last_touch_households")


@dataclass(frozen=True)
class Lines:
    """The period's lines, each with its `row`: contacts (household_id), credits (model, outcome, household_id,
    credit), spend (amount in pounds), rois (application_id, household_id, roi_on, day)."""

    contacts: pd.DataFrame
    credits: pd.DataFrame
    spend: pd.DataFrame
    rois: pd.DataFrame


def shown(keys: list, lines: Lines, model: str, groups: suppression.Groups) -> pd.DataFrame:
    """The rows' figures as shown: numbers, None where there is nothing to divide by, "<5" where suppressed."""
    numbers = figures(keys, lines, model)
    masks = {base: suppression.hidden(numbers[base], groups if base in ADDITIVE else suppression.NO_GROUPS)
             for base in {base for bases in DEPENDS.values() for base in bases}}
    return suppression.apply(numbers[list(COLUMNS)], masks, DEPENDS)


def figures(keys: list, lines: Lines, model: str) -> pd.DataFrame:
    """Every figure (and the household count each is based on), one row per key."""
    frame = pd.DataFrame(index=pd.Index(keys, name="row"))
    frame["contacts"], frame["households"] = contacts(lines.contacts), households(lines.contacts)
    for outcome, plural in OUTCOME_PLURALS.items():
        for column, chosen in ((plural, model), (f"{plural}_last_touch", LAST_TOUCH)):
            frame[column], frame[f"{column}_households"] = credited_outcomes(lines.credits, chosen, outcome)
    frame["spend"] = spend(lines.spend)
    frame["median_days_to_roi"], frame["median_households"] = median_days_to_roi(lines.rois)
    frame = frame.fillna({column: 0 for column in frame.columns if column != "median_days_to_roi"})
    return _rounded(_derived(frame))


def contacts(lines: pd.DataFrame) -> pd.Series:
    """Contacts: the enquiry contacts received in the period (by their date in London) through the row's channel (a
    channel's include its sub-channels') or naming the row's campaign. A household that enquires three times is 3."""
    return lines.groupby("row").size()


def households(lines: pd.DataFrame) -> pd.Series:
    """Unique households: the different households among those contacts. Three contacts from one household: 1."""
    return lines.groupby("row")["household_id"].nunique()


def spend(lines: pd.DataFrame) -> pd.Series:
    """Spend in the period, in pounds: each month's spend on the row's campaign (on a channel: the share of each
    campaign on it, split equally among the campaign's channels), times the share of the month's days in the
    period (crm.reports.marketing.lines.spend)."""
    return lines.groupby("row")["amount"].sum()


def credited_outcomes(credits: pd.DataFrame, model: str, outcome: str) -> tuple[pd.Series, pd.Series]:
    """ROIs (or approvals) credited to each row under `model`: the sum of the row's credits for outcomes dated in the
    period (fractional: a linear model gives each of 4 touches 0.25). And the households given any credit, which
    the figure is based on."""
    chosen = credits[(credits["model"] == model) & (credits["outcome"] == outcome)]
    return chosen.groupby("row")["credit"].sum(), households(chosen[chosen["credit"] > 0])


def median_days_to_roi(rois: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Median days from enquiry to ROI: for each ROI dated in the period whose household had a contact through the
    row's channel (or campaign) on or before it, the days from the household's first such contact to the ROI; the
    median of those, one decimal place. And the households it is based on."""
    first = rois.groupby(["row", "application_id"]).agg(household_id=("household_id", "first"),
                                                         roi_on=("roi_on", "first"), day=("day", "min"))
    first["days"] = (first["roi_on"] - first["day"]).dt.days
    by_row = first.groupby("row")
    return by_row["days"].median(), by_row["household_id"].nunique()


def _derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Conversion: approvals (ROIs) credited / unique households enquiring through the row. Cost per enquiry:
    spend in the period / contacts; cost per ROI and per approval: spend in the period / outcomes credited under the
    model. Blank where there is nothing to divide by, or no spend entered."""
    frame["conversion_to_roi"] = ratio(frame["rois"], frame["households"])
    frame["conversion_to_approval"] = ratio(frame["approvals"], frame["households"])
    spend = frame["spend"].where(frame["spend"] > 0)
    frame["cost_per_enquiry"] = ratio(spend, frame["contacts"])
    frame["cost_per_roi"] = ratio(spend, frame["rois"])
    frame["cost_per_approval"] = ratio(spend, frame["approvals"])
    return frame


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN (shown blank) where the denominator is 0."""
    return (numerator.astype(float) / denominator.where(denominator > 0)).replace([np.inf, -np.inf], np.nan)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts as whole numbers, credits and days to one decimal place, money to the penny, rates to 0.1%."""
    whole = ["contacts", "households", *[column for column in frame.columns if column.endswith("_households")]]
    frame[whole] = frame[whole].astype(int)
    tenths = ["rois", "approvals", "rois_last_touch", "approvals_last_touch", "median_days_to_roi"]
    pence = ["spend", "cost_per_enquiry", "cost_per_roi", "cost_per_approval"]
    return frame.round({**dict.fromkeys(tenths, 1), **dict.fromkeys(pence, 2),
                        "conversion_to_roi": 3, "conversion_to_approval": 3})
