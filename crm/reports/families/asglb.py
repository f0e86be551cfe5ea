"""The quarterly adopter-recruitment return (ASGLB, SPEC section 5) of adoption and early permanence applications.

SPEC: "the quarterly adopter-recruitment return (ASGLB: approvals and approvals within 6 months of registration,
where registration is the agency's acceptance of the ROI, the `stage_1` date, so the 6 months are the statutory 2 +
4; fast-track applications left out of timeliness; matches and matches within 3 months of approval; adopters who
left after approval; approved and waiting)".

Every count is of applications to `adoption` and `early_permanence` (one per household and line: a household
approved in both lines counts in each). The rows are every calendar quarter the period touches (crm.reports.data.months
keys, "2026 Q2 (Apr-Jun)"), empty ones as 0, then the whole period; only live events dated in the period count, so
a period starting mid-quarter gives that quarter's part. "N months" are calendar months with relativedelta's
month-end rule: Stage 1 from 31 August + 6 months = 28 (29) February.

Splits: service line (adoption against early permanence), partner authority, team, channel
(crm.reports.data.split_keys). The return is by quarter already, so a split by quarter or month is refused (a month
is a period of its own). The rows behind the counts come from crm.reports.families.asglb_lines.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crm.formatting import percent
from crm.reports.base import Report, ReportParams, Split
from crm.reports.families.asglb_lines import lines, quarters
from crm.reports.render.charts import Bar, funnel

NAME = "asglb"
SPLITS = (Split.SERVICE_LINE, Split.PARTNER_AUTHORITY, Split.TEAM, Split.CHANNEL)  # by quarter already
TABLE = "by_quarter"
WHOLE_PERIOD = "Whole period"
# table column -> (its figure's path in the JSON, the drill-down selector of a count; None for a share)
COLUMNS: dict[str, tuple[str, dict[str, str] | None]] = {
    "Approvals": ("approvals.total", {"measure": "approval"}),
    "Fast-track approvals": ("approvals.fast_track", {"measure": "approval", "fast_track": "yes"}),
    "Approvals timed (fast track left out)": ("approvals.timed", {"measure": "approval", "timed": "yes"}),
    "Approved within 6 months of registration": ("approvals.within_6_months", {"measure": "approval",
                                                                                "within": "yes"}),
    "% approved within 6 months": ("approvals.percent_within_6_months", None),
    "Matches": ("matches.total", {"measure": "match"}),
    "Matched within 3 months of approval": ("matches.within_3_months", {"measure": "match", "within": "yes"}),
    "% matched within 3 months": ("matches.percent_within_3_months", None),
    "Left after approval": ("left_after_approval.total", {"measure": "left_after_approval"}),
    "Approved and waiting at the end": ("approved_waiting.total", {"measure": "approved_waiting"}),
}
# the drill-down list's columns (crm.reports.drill); not applicable values are None, so they show blank
DRILL_COLUMNS = {"quarter": "Quarter", "on": "Date (of the approval, match or withdrawal; approval, if waiting)",
                 "fast_track": "Fast track", "timed": "Timed", "within": "Within the time", "found": "Match",
                 "reason": "Reason for leaving"}
SPLIT_HEADINGS = {Split.SERVICE_LINE: "Service line", Split.PARTNER_AUTHORITY: "Partner authority",
                  Split.TEAM: "Team", Split.CHANNEL: "Channel"}


def compute(params: ReportParams) -> Report:
    """The return: figures per quarter and for the whole period, its tables, and the figures per split value."""
    counted = lines(params)
    result = figures(counted, params)
    splits = {}
    if params.by:
        splits = {key: figures(counted[counted["split"] == key], params) for key in sorted(counted["split"].unique())}
    return Report(NAME, params, result, tables(result, splits, params), splits)


drill_lines = lines  # the drill-down's rows (ReportModule.drill_lines)


# The figures: each docstring is the figure's SPEC definition.

def figures(counted: pd.DataFrame, params: ReportParams) -> dict:
    """The JSON shape (README, Reports): {"quarters": {quarter key: {...}}, "whole_period": {...}}, each {...} the
    `period_figures` (whole period: "approved and waiting" at the period's end)."""
    periods = quarters(params)
    by_quarter = {key: period_figures(counted[counted["quarter"] == key], as_at) for key, as_at in periods}
    last_key, last_day = periods[-1]
    waiting_at_end = (counted["measure"] == "approved_waiting") & (counted["quarter"] == last_key)
    whole = counted[(counted["measure"] != "approved_waiting") | waiting_at_end]
    return {"quarters": by_quarter, "whole_period": period_figures(whole, last_day)}


def period_figures(rows: pd.DataFrame, as_at: date) -> dict:
    """{"approvals": {"total", "fast_track", "timed", "within_6_months", "percent_within_6_months"}, "matches":
    {"total", "within_3_months", "percent_within_3_months"}, "left_after_approval": {"total", "by_reason"},
    "approved_waiting": {"as_at", "total"}}; percentages 0 to 100 (1 decimal), None when there is nothing to time
    (so an empty quarter reads blank, not 0%)."""
    approved, matched = rows[rows["measure"] == "approval"], rows[rows["measure"] == "match"]
    timed = approved[approved["timed"] == "yes"]
    return {
        "approvals": {"total": approvals(approved), "fast_track": fast_track_approvals(approved),
                      "timed": timed_approvals(approved), "within_6_months": approved_within_6_months(approved),
                      "percent_within_6_months": _percent(approved_within_6_months(approved), len(timed))},
        "matches": {"total": matches(matched), "within_3_months": matched_within_3_months(matched),
                    "percent_within_3_months": _percent(matched_within_3_months(matched), len(matched))},
        "left_after_approval": left_after_approval(rows[rows["measure"] == "left_after_approval"]),
        "approved_waiting": {"as_at": as_at.isoformat(), "total": approved_waiting(rows)},
    }


def approvals(approved: pd.DataFrame) -> int:
    """Approvals: live `approved` events (the Agency Decision Maker's decision) dated in the quarter."""
    return len(approved)


def fast_track_approvals(approved: pd.DataFrame) -> int:
    """Of the approvals, fast-track applications (second-time adopters, foster carers adopting): counted in the
    approvals, left out of the timeliness."""
    return int((approved["fast_track"] == "yes").sum())


def timed_approvals(approved: pd.DataFrame) -> int:
    """The timeliness denominator: approvals of applications that are not fast track and have a live `stage_1`
    event (the registration: the agency's acceptance of the ROI) before the approval."""
    return int((approved["timed"] == "yes").sum())


def approved_within_6_months(approved: pd.DataFrame) -> int:
    """Approvals within 6 months of registration: of the timed approvals, those on or before the registration (the
    `stage_1` date) + 6 calendar months, the statutory 2 + 4 (relativedelta's month-end rule)."""
    return int((approved["within"] == "yes").sum())


def matches(matched: pd.DataFrame) -> int:
    """Matches: live `matched` events dated in the quarter, or `placed` where a placement was recorded instead (an
    early permanence household's fostering-for-adoption placement): the event that ends "approved and waiting",
    at most one per application."""
    return len(matched)


def matched_within_3_months(matched: pd.DataFrame) -> int:
    """Of the matches, those on or before the approval + 3 calendar months."""
    return int((matched["within"] == "yes").sum())


def left_after_approval(left: pd.DataFrame) -> dict:
    """Adopters who left after approval: live `withdrawn` events dated in the quarter, after the application's live
    `approved` event, by reason (most frequent first, then alphabetical)."""
    reasons = left["reason"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    return {"total": len(left), "by_reason": {str(reason): int(n) for reason, n in reasons.items()}}


def approved_waiting(rows: pd.DataFrame) -> int:
    """Approved and waiting at the quarter's end (the period's end when sooner): approved, with no match or
    placement and not withdrawn by that day (crm.reports.families.snapshot's category)."""
    return int((rows["measure"] == "approved_waiting").sum())


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Tables, drill-down and charts.

def tables(result: dict, splits: dict[str, dict], params: ReportParams) -> dict[str, pd.DataFrame]:
    """`by_quarter`: a row per quarter, then the whole period, a column per figure (COLUMNS);
    `left_after_approval_reasons`: a row per reason, a column per quarter and the whole period; with a split,
    `by_<split>`: a row per split value, the whole period's figures."""
    rows = {**result["quarters"], WHOLE_PERIOD: result["whole_period"]}
    made = {TABLE: _figure_rows("Quarter", rows), "left_after_approval_reasons": _reasons_table(rows)}
    if params.by:
        made[f"by_{params.by.value}"] = _figure_rows(SPLIT_HEADINGS[params.by],
                                                     {key: split["whole_period"] for key, split in splits.items()})
    return made


def _figure_rows(heading: str, rows: dict[str, dict]) -> pd.DataFrame:
    frame = pd.DataFrame([[_at(period, path) for path, _ in COLUMNS.values()] for period in rows.values()],
                         columns=list(COLUMNS))
    frame.insert(0, heading, _text(list(rows)))
    return frame


def _at(figures_: dict, path: str):
    for key in path.split("."):
        figures_ = figures_[key]
    return np.nan if figures_ is None else figures_


def _text(values: list[str]) -> pd.Series:
    """A text column typed as text even when empty, so the CSV keeps it before the figures."""
    return pd.Series(values, dtype=object)


def _reasons_table(rows: dict[str, dict]) -> pd.DataFrame:
    """Reasons in the whole period's order (most frequent first), a count per quarter and for the whole period."""
    reasons = list(rows[WHOLE_PERIOD]["left_after_approval"]["by_reason"])
    frame = pd.DataFrame({key: [period["left_after_approval"]["by_reason"].get(reason, 0) for reason in reasons]
                          for key, period in rows.items()}, dtype=int)
    frame.insert(0, "Reason", _text(reasons))
    return frame


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """(table, row position, column) -> the selector of `lines` rows behind that count (ReportModule.drill). A
    whole-period (or split value's) "approved and waiting" is the last quarter's."""
    keys = list(report.figures["quarters"])
    selectors = {}
    for column, (_, selector) in COLUMNS.items():
        if selector is None:
            continue
        at_end = {"quarter": keys[-1]} if selector["measure"] == "approved_waiting" else {}
        selectors.update({(TABLE, row, column): {**selector, "quarter": key} for row, key in enumerate(keys)})
        selectors[(TABLE, len(keys), column)] = {**selector, **at_end}
        selectors.update({(f"by_{report.params.by}", row, column): {**selector, "split": value, **at_end}
                          for row, value in enumerate(report.splits)})
    reasons = report.figures["whole_period"]["left_after_approval"]["by_reason"]
    for row, reason in enumerate(reasons):
        chosen = {"measure": "left_after_approval", "reason": reason}
        selectors[("left_after_approval_reasons", row, WHOLE_PERIOD)] = chosen
        selectors.update({("left_after_approval_reasons", row, key): {**chosen, "quarter": key} for key in keys})
    return selectors


def charts(report: Report) -> list[tuple[str, str]]:
    """Approvals by quarter noting the share within 6 months of registration; matches noting within 3 months."""
    quarters_ = [(key.replace("(", "").replace(")", ""), q) for key, q in report.figures["quarters"].items()]
    approved = [Bar(key, q["approvals"]["total"], _note(q["approvals"], "timed", "within_6_months",
                                                        "timed within 6 months")) for key, q in quarters_]
    matched = [Bar(key, q["matches"]["total"], _note(q["matches"], "total", "within_3_months", "within 3 months"))
               for key, q in quarters_]
    return [("Approvals by quarter, with the share of timed approvals within 6 months of registration",
             funnel(approved, "Approvals by quarter")),
            ("Matches by quarter, with the share within 3 months of approval", funnel(matched, "Matches by quarter"))]


def _note(figures_: dict, whole: str, part: str, words: str) -> str:
    if not figures_[whole]:
        return ""
    return f"({figures_[part]} of {figures_[whole]} {words}, {percent(figures_[part] / figures_[whole])})"
