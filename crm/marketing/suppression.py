"""Small numbers on the marketing figures (SPEC section 1: the marketing officer sees aggregates only): a figure based
on fewer than 5 households is shown as "<5", and so is every figure computed from one (a rate, a cost).

Primary suppression: a figure based on 1 to 4 households. A figure based on no household is shown as 0 (or blank
for a rate or cost with nothing to divide by): a zero names nobody, and hiding it would hide where nothing worked.

Secondary suppression: where rows add up to a total that is shown or can be had (the sub-channels of a channel add
up to it, with the channel's own contacts; the top-level channels and "No channel recorded" add up to every contact
or outcome of the period, which the campaign lift shows for its windows), one hidden cell could be worked out by
subtraction. So no such group ever has exactly one hidden cell: the smallest other (non-zero first) is hidden too;
a hidden channel has at least one hidden sub-channel, so its sub-channels cannot be added up to it. This does not
stop differencing across periods (this year against this year less a day) or across tables; those are limits of
cell suppression, left to the policy that only the marketing officer and managers see these pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

THRESHOLD = 5
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Groups:
    """Rows whose values add up: `siblings` are lists of row keys that add up to a total; `children` maps a row to
    the rows inside it (a channel to its sub-channels)."""

    siblings: list[list] = field(default_factory=list)
    children: dict = field(default_factory=dict)


NO_GROUPS = Groups()


def small(households: pd.Series) -> pd.Series:
    """Primary suppression: the figures based on 1 to 4 households."""
    return (households > 0) & (households < THRESHOLD)


def hidden(households: pd.Series, groups: Groups = NO_GROUPS) -> pd.Series:
    """Which rows' figures (based on these households) are shown as "<5": the small ones, and then others until no
    group of rows that add up has exactly one hidden (see the module docstring)."""
    hide = small(households)
    changed = True
    while changed:
        changed = False
        for keys in groups.siblings:
            if len(keys) > 1 and hide[keys].sum() == 1:
                changed |= _hide_smallest(households, hide, keys)
        for parent, keys in groups.children.items():
            if keys and hide[parent] and not hide[keys].any():
                changed |= _hide_smallest(households, hide, keys)
    return hide


def _hide_smallest(households: pd.Series, hide: pd.Series, keys: list) -> bool:
    """Hide the smallest shown row among `keys`, a non-zero one if there is one; False if none was left to hide."""
    shown = [key for key in keys if not hide[key]]
    if not shown:
        return False
    smallest = min(shown, key=lambda key: (households[key] == 0, households[key]))
    hide[smallest] = True
    return True


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
