"""The marketing suppression rule (crm.marketing.suppression) on the reports' frames: which rows of a column of
household counts are hidden, and a frame as shown with "<5" in the columns that depend on them."""
from __future__ import annotations

import pandas as pd

from crm.marketing import suppression as rule
from crm.marketing.suppression import NO_GROUPS, SUPPRESSED, THRESHOLD, Groups

__all__ = ["NO_GROUPS", "THRESHOLD", "Groups", "small", "hidden", "apply"]


def small(households: pd.Series) -> pd.Series:
    """Primary suppression, row by row: the figures based on 1 to 4 households."""
    return households.map(rule.small).astype(bool)


def hidden(households: pd.Series, groups: Groups = NO_GROUPS) -> pd.Series:
    """Which rows' figures are shown as "<5", primary and secondary suppression (crm.marketing.suppression.hidden)."""
    hide = rule.hidden(households, groups)
    return pd.Series([key in hide for key in households.index], index=households.index, dtype=bool)


def apply(frame: pd.DataFrame, masks: dict[str, pd.Series], depends: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The frame as shown: each column in `depends` is "<5" on the rows where any of the masks it depends on is
    set (a rate is hidden when its numerator or its denominator is). A blank stays blank: a cost with no spend
    entered says nothing about the households."""
    shown = frame.astype(object).where(frame.notna(), None)
    for column, bases in depends.items():
        if column not in shown.columns:
            continue
        mask = pd.Series(False, index=frame.index)
        for base in bases:
            mask |= masks[base]
        shown.loc[mask & shown[column].notna(), column] = SUPPRESSED
    return shown
