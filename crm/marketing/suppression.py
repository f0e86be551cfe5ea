"""Small numbers on the marketing figures (SPEC section 1: the marketing officer sees aggregates only): a figure based
on fewer than 5 households is shown as "<5", and so is every figure computed from one (a rate, a cost).

Primary suppression: a figure based on 1 to 4 households. A figure based on no household is shown as 0 (or blank
for a rate or cost with nothing to divide by): a zero names nobody, and hiding it would hide where nothing worked.

Secondary suppression: where rows add up to a total that is shown or can be had (the sub-channels of a channel add
up to it, with the channel's own contacts; the top-level channels and "No channel recorded" add up to every contact
or outcome of the period, which the campaign lift shows for its windows; the home page's pipeline cells add up to
their row's total), one hidden cell could be worked out by subtraction. So no such group ever has exactly one hidden
cell: the smallest other (non-zero first) is hidden too; a hidden channel has at least one hidden sub-channel, so
its sub-channels cannot be added up to it. This does not stop differencing across periods (this year against this
year less a day) or across tables; those are limits of cell suppression, left to the policy that only the marketing
officer and managers see these pages.

The rule works on plain mappings (key -> households), so any page can use it; crm.reports.marketing.suppressed
applies it to the reports' frames.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

THRESHOLD = 5
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Groups:
    """Rows whose values add up: `siblings` are lists of row keys that add up to a total; `children` maps a row to
    the rows inside it (a channel to its sub-channels)."""

    siblings: list[list] = field(default_factory=list)
    children: dict = field(default_factory=dict)


NO_GROUPS = Groups()


def small(households) -> bool:
    """Primary suppression: a figure based on 1 to 4 households."""
    return bool(0 < households < THRESHOLD)


def hidden(households: Mapping[Hashable, int], groups: Groups = NO_GROUPS) -> set:
    """The keys whose figures (based on these households) are shown as "<5": the small ones, and then others until no
    group of keys that add up has exactly one hidden (see the module docstring)."""
    hide = {key for key, count in households.items() if small(count)}
    changed = True
    while changed:
        changed = False
        for keys in groups.siblings:
            if len(keys) > 1 and len(hide.intersection(keys)) == 1:
                changed |= _hide_smallest(households, hide, keys)
        for parent, keys in groups.children.items():
            if keys and parent in hide and hide.isdisjoint(keys):
                changed |= _hide_smallest(households, hide, keys)
    return hide


def _hide_smallest(households: Mapping, hide: set, keys: list) -> bool:
    """Hide the smallest shown key among `keys`, a non-zero one if there is one; False if none was left to hide."""
    shown = [key for key in keys if key not in hide]
    if not shown:
        return False
    hide.add(min(shown, key=lambda key: (households[key] == 0, households[key])))
    return True


def hidden_in_rows(rows: Mapping[Hashable, Mapping[Hashable, int]], total: Hashable = "total") -> set[tuple]:
    """A table of household counts shown with each row's total: the cells, as (row, column) and (row, `total`), shown
    as "<5". A row's cells add up to its total, so they are siblings and the total is the row they are inside."""
    households, siblings, children = {}, [], {}
    for row, cells in rows.items():
        keys = [(row, column) for column in cells]
        households.update(zip(keys, cells.values()))
        households[(row, total)] = sum(cells.values())
        siblings.append(keys)
        children[(row, total)] = keys
    return hidden(households, Groups(siblings, children))
