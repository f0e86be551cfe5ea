"""Conversion (SPEC section 5): period conversion between the funnel's steps, and cohort conversion.

SPEC: "period conversion (ROIs in period / enquiries in period, and so on) and cohort conversion (of the households
whose first enquiry fell in a month, the share that reached each later stage, and the median days to reach it)".
Cohort conversion is crm.reports.families.conversion_cohort.

Period conversion takes its counts from the activity report's own figures and drill-down lines
(crm.reports.families.activity), so every count is the activity report's for
the same period and split: households enquiring and households at an information event are households, the later
steps are live events dated in the period, that is applications.
Each step has two conversion rates, rounded to 4 decimals and None when the count divided by is 0:
- `conversion_from_enquiries`: the step's count over the households enquiring in the period;
- `conversion_from_step_before`: the step's count over the step before's (None for the first step; the funnel notes
  it as "N% of the step before", the drop-off being 1 minus it).
They are ratios of the period's flows, not shares of the same households: a registration of interest in the period
may come from an enquiry of last year, and Stage 2 starts include fast-track applications, which go there from
registration of interest without Stage 1, so a rate can be above 1. Cohort conversion follows the same households.

Splits: month and quarter (period conversion by each thing's own date; the cohorts are then the one month or
quarter, and the cohort table groups cohorts by quarter when split by quarter), service line, partner authority,
team and channel, as the activity report splits them (enquiring households by the channel of the contact itself,
the later steps by the household's first contact's channel) and as crm.reports.families.conversion_cohort says for
cohorts.
"""
from __future__ import annotations

import pandas as pd

from crm.formatting import percent
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.split_keys import BY_ROW
from crm.reports.families import activity
from crm.reports.families import conversion_cohort as cohort
from crm.reports.render import charts as svg

NAME = "conversion"
SPLITS = tuple(Split)  # the splits the report offers (the page shows no other)
STEPS = {"enquiry_households": "Households enquiring", "information_event_households": "Information event (households)",
         "initial_visits": "Initial visits", "registrations_of_interest": "Registrations of interest",
         "stage_1_starts": "Stage 1 starts", "stage_1_completions": "Stage 1 completions",
         "stage_2_starts": "Stage 2 starts", "panel_presentations": "Panel presentations", "approvals": "Approvals"}
MEASURES = {**{step: step for step in STEPS}, "approvals": "approvals.total"}  # each step's activity figure
RATES = ("conversion_from_enquiries", "conversion_from_step_before")
PERIOD_COLUMNS = ["measure", "step", "count", *RATES]
ALL = "All"  # the cohort table's last row: every cohort together
LINE_COLUMNS = ["household_id", "application_id", "service_line", "section", "scope", "split", "cohort", "step", "on",
                "days"]
DRILL_COLUMNS = {"on": "Date", "days": "Days from the first enquiry"}  # shown in the lists of households


def compute(params: ReportParams) -> Report:
    """Period and cohort conversion; with `params.by`, the same figures per split value.

    The period's figures are the activity report's, counted in the database (a few rows per split value); the
    cohorts are counted from their lines (issue 17: ten years at national scale)."""
    _check_split(params)
    total, found = activity.counted(params, reasons=False)
    cohort_lines = cohort.lines(params)
    in_total = cohort_lines[cohort_lines["scope"] == "total"]
    totals = {"period": period(total), "cohorts": cohort.figures(in_total, params)}
    splits = _splits(params, found, cohort_lines) if params.by else {}
    return Report(NAME, params, totals, tables(totals, splits, params.by), splits)


def _check_split(params: ReportParams) -> None:
    if params.by is not None and params.by not in tuple(Split):
        choices = ", ".join(split.value.replace("_", " ") for split in Split)
        raise ValueError(f"The conversion report cannot be split by {params.by!r}: choose one of {choices}")


def period(activity_figures: dict) -> dict:
    """{step: {"count", "conversion_from_enquiries", "conversion_from_step_before"}} in funnel order (STEPS; the
    rates are explained in the module's docstring)."""
    counts = [_total(activity_figures[key]) for key in STEPS]
    return {step: {"count": count, "conversion_from_enquiries": _rate(count, counts[0]),
                   "conversion_from_step_before": _rate(count, counts[index - 1]) if index else None}
            for index, (step, count) in enumerate(zip(STEPS, counts))}


def _total(value) -> int:
    return value["total"] if isinstance(value, dict) else value  # approvals are {"total", "fast_track"}


def _rate(count: int, over: int) -> float | None:
    return round(count / over, 4) if over else None


def _splits(params: ReportParams, found: dict[str, dict], cohort_lines: pd.DataFrame) -> dict[str, dict]:
    """Each split value's figures: months and quarters every one the period touches, in order; other values the ones
    found in the period's activity or cohorts, in alphabetical order (a value with none of one has zeros there)."""
    nothing = activity.nothing()
    cohorts = cohort.split_figures(cohort_lines, params)
    keys = sorted(set(found) | set(cohorts)) if params.by in BY_ROW else list(found)
    no_cohorts = cohort.figures(cohort_lines.iloc[:0], params)
    return {key: {"period": period(found.get(key, nothing)), "cohorts": cohorts.get(key, no_cohorts)} for key in keys}


# Tables.

def tables(totals: dict, splits: dict[str, dict], by: Split | None) -> dict[str, pd.DataFrame]:
    """`period_conversion` (one row per step) and `cohort_conversion` (one row per cohort, then `All`); with a
    split, the same per split value, one under another, in `period_conversion_by_<split>` and (splits other than
    month and quarter, whose cohorts are the cohort table's rows) `cohort_conversion_by_<split>`."""
    made = {"period_conversion": period_table(totals["period"]), "cohort_conversion": cohort_table(totals["cohorts"])}
    if by:
        made[f"period_conversion_by_{by.value}"] = _stacked(by, PERIOD_COLUMNS, {
            key: period_table(split["period"]) for key, split in splits.items()})
    if by in BY_ROW:
        made[f"cohort_conversion_by_{by.value}"] = _stacked(by, cohort_columns(), {
            key: cohort_table(split["cohorts"]) for key, split in splits.items()})
    return made


def period_table(figures: dict) -> pd.DataFrame:
    """One row per step: `measure` (the step's path in the JSON, hidden on the page), its label, count and rates."""
    rows = [[f"period.{step}", STEPS[step], step_figures["count"], *[step_figures[rate] for rate in RATES]]
            for step, step_figures in figures.items()]
    return pd.DataFrame(rows, columns=PERIOD_COLUMNS).astype({rate: float for rate in RATES})


def cohort_table(figures: dict) -> pd.DataFrame:
    """One row per cohort and one for them all: households, then each stage's reached, share and median days."""
    rows = [_cohort_row(key, group) for key, group in [*figures["groups"].items(), (ALL, figures["all"])]]
    return pd.DataFrame(rows, columns=cohort_columns())


def cohort_columns() -> list[str]:
    stages = [(f"{label}: reached", f"{label}: share", f"{label}: median days")
              for label in cohort.STAGE_LABELS.values()]
    return ["cohort", "households", *[column for three in stages for column in three]]


def _cohort_row(key: str, group: dict) -> list:
    stages = [(s["reached"], s["share"], s["median_days"]) for s in group["stages"].values()]
    return [key, group["households"], *[value for three in stages for value in three]]


def _stacked(by: Split, columns: list[str], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The split values' tables one under another, the split value in a first column named after the split (a table
    with no rows when no value was found)."""
    stacked = [frame.assign(**{by.value: key}) for key, frame in frames.items()]
    frame = pd.concat(stacked, ignore_index=True) if stacked else pd.DataFrame(columns=[by.value, *columns])
    return frame[[by.value, *columns]]


# Charts.

def charts(report: Report) -> list[tuple[str, str]]:
    """The period's funnel, each bar noting its share of the step before; and the share of each cohort (with any
    households) that registered interest."""
    bars = [svg.Bar(STEPS[step], s["count"], "" if s["conversion_from_step_before"] is None
                    else f"({percent(s['conversion_from_step_before'])} of the step before)")
            for step, s in report.figures["period"].items()]
    shown = [("Conversion in the period: households and applications at each step",
              svg.funnel(bars, "Conversion in the period"))]
    groups = report.figures["cohorts"]["groups"]
    roi = [svg.Bar(" ".join(key.split()[:2]), round(100 * group["stages"]["registration_of_interest"]["share"], 1))
           for key, group in groups.items() if group["households"]]
    if roi:
        shown.append(("Registered interest: % of the households whose first enquiry was in each "
                      f"{report.figures['cohorts']['grouped_by']}", svg.columns(roi, "Cohort conversion to ROI")))
    return shown


# Drill-down.

def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """(table, row position, column) -> the selector of `drill_lines` rows behind that count: every step's count
    and every cohort's households and stage reached counts."""
    cells = {}
    by = report.params.by.value if report.params.by else None
    for name, table in report.tables.items():
        split = by if by and name.endswith(f"_by_{by}") else None
        for position, row in enumerate(table.to_dict("records")):
            scope = {"scope": "split", "split": str(row[split])} if split else {"scope": "total"}
            if name.startswith("period_conversion"):
                step = row["measure"].removeprefix("period.")
                cells[(name, position, "count")] = {**scope, "section": "period", "step": step}
            else:
                cells.update(_cohort_cells(name, position, row, scope))
    return cells


def _cohort_cells(name: str, position: int, row: dict, scope: dict) -> dict:
    selector = {**scope, "section": "cohort", **({"cohort": row["cohort"]} if row["cohort"] != ALL else {})}
    cells = {(name, position, "households"): {**selector, "step": cohort.HOUSEHOLDS}}
    for stage, label in cohort.STAGE_LABELS.items():
        cells[(name, position, f"{label}: reached")] = {**selector, "step": stage.value}
    return cells


def drill_lines(params: ReportParams) -> pd.DataFrame:
    """The rows behind every count: `section` "period" (one row per household enquiring or at an information event,
    one per event for the later steps) or "cohort" (crm.reports.families.conversion_cohort.lines); `scope` "total" rows
    make the totals, "split" rows the split values' figures (`split`); `step` the step or stage; `cohort` the
    cohort key ("" in the period section); `on` the date counted; `days` (cohort stages) days from the first enquiry.
    Columns: LINE_COLUMNS."""
    _check_split(params)
    cohorts = cohort.lines(params).assign(section="cohort")
    lines = pd.concat([_period_lines(params), cohorts], ignore_index=True)[LINE_COLUMNS]
    lines["household_id"] = lines["household_id"].astype(int)
    lines["application_id"] = lines["application_id"].astype(object).where(lines["application_id"].notna(), None)
    return lines


def _period_lines(params: ReportParams) -> pd.DataFrame:
    """The activity report's lines of the steps' figures (crm.reports.families.activity.drill_lines): its `in_total`
    rows make the totals; with a split, every row counts under its `split` value."""
    lines = activity.drill_lines(params)
    lines = lines[lines["measure"].isin(MEASURES.values())].assign(
        step=lambda rows: rows["measure"].map({measure: step for step, measure in MEASURES.items()}),
        on=lambda rows: pd.to_datetime(rows["day"]).dt.date)
    parts = [lines[lines["in_total"] == 1].assign(scope="total", split="")]
    if params.by:
        parts.append(lines.assign(scope="split"))
    return pd.concat(parts, ignore_index=True).assign(section="period", cohort="", days=None, service_line=None)
