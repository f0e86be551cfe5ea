"""Timeliness (SPEC section 5): how long the stages and ROI to approval took, when they ended in the period.

SPEC: "for applications completing a stage in the period: count, mean, median, min and max days in the stage
(Stage 1: `stage_1` to `stage_1_completed`; Stage 2: `stage_2` to the ADM decision, `approved` or `not_approved`;
elapsed days, pauses included); the share within the statutory timescale; distribution buckets `<4 months`,
`4-8 months`, `8-12 months`, `12-18 months`, `>18 months` (calendar months, lower bound inclusive). Also
ROI-to-approval for approvals, with and without fast-track applications."

Only live events count (an undone event is ignored, and a stage entered again after an undo is measured from the
live entry). Time on hold is not taken off: elapsed days run from the start event to the end event. Splits by
month or quarter go by the completion date ("2026-04", "2026 Q2 (Apr-Jun)": calendar quarters).

Within timescale, per service line (crm.funnel.timescales.TIMESCALES, the clocks the alerts run); each case names
the timescale it is judged against (`timescale`, its words; None when none applies):
- adoption and early permanence: Stage 1 within 2 months of its start, Stage 2 within 4 months of its start;
- fostering times the whole assessment, and its stages have no timescale of their own (Stage 1 and Stage 2 cases of
  the fostering lines are counted and timed, and left out of the share): the `assessment` measure runs from the
  application (ROI) to the decision (`approved` or `not_approved`) for mainstream fostering, within 8 months, and
  from its start (the first of `stage_1` and `stage_2`) to the decision for connected persons, within 16 weeks;
  adoption and early permanence have no `assessment` cases;
- ROI to approval: mainstream fostering's 8 months; adoption and early permanence 6 months from the ROI (the ASGLB
  return's 6 months run from registration, the start of Stage 1, instead: crm.reports.families.asglb); connected persons
  have no ROI clock and are left out of the share.
The clock falls back to the case's own start when its starting event is missing (an imported history).
`within_timescale` is measured against the statutory time, extensions not added. Extended cases are shown apart
(SPEC section 2): `extended` counts the cases with a live timescale extension recorded while their clock ran, and
`extended_within_extension` those of them that finished within the time plus the extension.
"""
from __future__ import annotations

import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.funnel.service_lines import ADOPTION_LIKE, ServiceLineCode
from crm.funnel.timescales import TIMESCALES
from crm.households.models import Application, Household
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.frames import ordered_events, raw
from crm.reports.data.months import Buckets, add, period_key, period_keys, whole_months
from crm.reports.data.split_keys import split_values, with_split
from crm.reports.render.charts import Bar, funnel

SPLITS = tuple(Split)  # the splits the report offers (the page shows no other)
# measure -> (the event that starts it, the events that end it)
MEASURES: dict[str, tuple[EventKind, tuple[EventKind, ...]]] = {
    "stage_1": (EventKind.STAGE_1, (EventKind.STAGE_1_COMPLETED,)),
    "stage_2": (EventKind.STAGE_2, (EventKind.APPROVED, EventKind.NOT_APPROVED)),
    "roi_to_approval": (EventKind.REGISTRATION_OF_INTEREST, (EventKind.APPROVED,)),
    # fostering's whole assessment: from the ROI (mainstream) or the first of Stage 1 and Stage 2 (connected persons)
    "assessment": (EventKind.REGISTRATION_OF_INTEREST, (EventKind.APPROVED, EventKind.NOT_APPROVED)),
}
END_KINDS = (EventKind.STAGE_1_COMPLETED, EventKind.APPROVED, EventKind.NOT_APPROVED)
MARK_KINDS = tuple(dict.fromkeys([start for start, _ in MEASURES.values()] + list(END_KINDS)))
EXTENDED = EventKind.TIMESCALE_EXTENDED
ADOPTION_ROI_TO_APPROVAL = relativedelta(months=6)
BUCKETS = Buckets((4, 8, 12, 18), ("<4 months", "4-8 months", "8-12 months", "12-18 months", ">18 months"))
APPLICATION_COLUMNS = ["household_id", "service_line", "fast_track", "split"]
LINE_COLUMNS = ["application_id", "measure", *APPLICATION_COLUMNS, "started_on", "ended_on", "days", "bucket",
                "clock_on", "due_on", "timescale", "within_timescale", "extended", "extension_days",
                "within_extension"]
TOTAL = "total"
# The statistics' rows: (group, name) in the JSON.
ROWS = {"stage_1": ("stages", "stage_1"), "stage_2": ("stages", "stage_2"),
        "roi_to_approval": ("roi_to_approval", "all"),
        "excluding_fast_track": ("roi_to_approval", "excluding_fast_track"),
        "assessment": ("fostering_assessment", "all")}
TABLE_ROWS = {"Stage 1": ("stages", "stage_1"), "Stage 2": ("stages", "stage_2"),
              "ROI to approval": ("roi_to_approval", "all"),
              "ROI to approval, fast track left out": ("roi_to_approval", "excluding_fast_track"),
              "Fostering: whole assessment to the decision": ("fostering_assessment", "all")}


def compute(params: ReportParams) -> Report:
    """The timeliness report: figures, the table the page shows, and the same figures per split value."""
    measured = lines(params)
    result = figures(measured)
    splits = split_figures(measured, params) if params.by else {}
    return Report("timeliness", params, result, tables(result, splits, params.by), splits)


def lines(params: ReportParams) -> pd.DataFrame:
    """One row per measured case (application and measure) completed in the period: the line-level data behind
    every figure, for drill-down. Columns: LINE_COLUMNS."""
    events = _events(params)
    if events.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    marks = events[events["kind"] != EXTENDED].drop_duplicates(["application_id", "kind"], keep="last")
    marks = marks.set_index(["application_id", "kind"])
    on = marks["occurred_on"].unstack().reindex(columns=list(MARK_KINDS)).astype(events["occurred_on"].dtype)
    seq = marks["seq"].unstack().reindex(columns=list(MARK_KINDS))
    applications = events.drop_duplicates("application_id").set_index("application_id")[APPLICATION_COLUMNS]
    extensions = events.loc[events["kind"] == EXTENDED, ["application_id", "seq", "extension_days"]]
    measured = pd.concat([_measure(name, on, seq, applications, extensions, params) for name in MEASURES],
                         ignore_index=True)[LINE_COLUMNS]
    measured["timescale"] = measured["timescale"].astype(object).where(measured["timescale"].notna(), None)
    return measured


def _events(params: ReportParams) -> pd.DataFrame:
    """The one query: every live start, end and extension event of the applications with a live stage completion
    or ADM decision in the period, with the application's line, fast track and split value; in event order,
    numbered (`seq`) so that "between two events" is exact even on the same date."""
    ending = aliased(StageEvent)
    completing = select(ending.application_id).where(
        ending.undone_at.is_(None), ending.kind.in_(END_KINDS), ending.occurred_on.between(params.date_from,
                                                                                         params.date_to))
    statement = (select(StageEvent.id, StageEvent.application_id, raw(StageEvent.kind), raw(StageEvent.occurred_on),
                        StageEvent.extension_days, Application.household_id,
                        Application.service_line_code.label("service_line"), Application.fast_track)
                 .join(Application, Application.id == StageEvent.application_id)
                 .join(Household, Household.id == Application.household_id)
                 .where(StageEvent.undone_at.is_(None), StageEvent.kind.in_((*MARK_KINDS, EXTENDED)),
                        StageEvent.application_id.in_(completing)))
    return ordered_events(with_split(statement, params.by))


def _measure(name: str, on: pd.DataFrame, seq: pd.DataFrame, applications: pd.DataFrame,
             extensions: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """The cases of one measure: started, then ended (in that order, both live), the end within the period."""
    start_kind, end_kinds = MEASURES[name]
    ended_on, end_seq = on[end_kinds[0]], seq[end_kinds[0]]
    for kind in end_kinds[1:]:  # an ADM decision is one or the other, never both (either closes the application)
        ended_on, end_seq = ended_on.combine_first(on[kind]), end_seq.combine_first(seq[kind])
    started_on, start_seq = on[start_kind], seq[start_kind]
    if name == "assessment":
        started_on, start_seq = _assessment_start(on, seq, applications)
    cases = pd.DataFrame({"started_on": started_on, "ended_on": ended_on,
                          "start_seq": start_seq, "end_seq": end_seq}).dropna()
    period = cases["ended_on"].between(pd.Timestamp(params.date_from), pd.Timestamp(params.date_to))
    cases = cases[(cases["start_seq"] < cases["end_seq"]) & period].join(applications)
    cases["measure"] = name
    cases["days"] = (cases["ended_on"] - cases["started_on"]).dt.days.astype(int)
    cases["bucket"] = BUCKETS.label(whole_months(cases["started_on"], cases["ended_on"]))
    _judge(cases, name, on, seq, extensions)
    return cases.rename_axis("application_id").reset_index()


def _assessment_start(on: pd.DataFrame, seq: pd.DataFrame, applications: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The start of each fostering application's whole assessment: the ROI (mainstream), the first of Stage 1 and
    Stage 2 (connected persons: the stage it opened at, or Stage 1); none for the other lines."""
    line = applications["service_line"].reindex(on.index)
    stage_1_first = seq[EventKind.STAGE_1].notna() & ~(seq[EventKind.STAGE_2] < seq[EventKind.STAGE_1])
    connected_on = on[EventKind.STAGE_1].where(stage_1_first, on[EventKind.STAGE_2])
    connected_seq = seq[EventKind.STAGE_1].where(stage_1_first, seq[EventKind.STAGE_2])
    mainstream = line == ServiceLineCode.FOSTERING_MAINSTREAM
    connected = line == ServiceLineCode.FOSTERING_CONNECTED
    started_on = on[EventKind.REGISTRATION_OF_INTEREST].where(mainstream, connected_on.where(connected))
    start_seq = seq[EventKind.REGISTRATION_OF_INTEREST].where(mainstream, connected_seq.where(connected))
    return started_on, start_seq


def timescale_rule(measure: str, service_line: str) -> tuple[EventKind | None, relativedelta, str] | None:
    """The clock a measure is judged against for a service line: the event it runs from (None: the case's own
    start), the time allowed and its words (see the module docstring); None when the line has no timescale for it."""
    rules = {rule.key: rule for rule in TIMESCALES if service_line in rule.lines}
    if measure in ("stage_1", "stage_2"):
        rule = rules.get(measure)
        return (EventKind(rule.clock[0].value), rule.allowed, rule.label) if rule else None
    whole = next((rule for rule in rules.values() if rule.whole), None)
    if measure == "assessment":
        return (None, whole.allowed, whole.label) if whole else None
    if service_line == ServiceLineCode.FOSTERING_MAINSTREAM:
        return EventKind.REGISTRATION_OF_INTEREST, whole.allowed, whole.label
    if service_line in ADOPTION_LIKE:
        return EventKind.REGISTRATION_OF_INTEREST, ADOPTION_ROI_TO_APPROVAL, "ROI to approval: 6 months"
    return None


def _judge(cases: pd.DataFrame, name: str, on: pd.DataFrame, seq: pd.DataFrame, extensions: pd.DataFrame) -> None:
    """Add each case's clock start and due date, its extensions, and whether it ended within the time allowed
    (None where its line has no timescale for the measure) and within the time plus its extensions."""
    _add_due_dates(cases, name, on, seq)
    _add_extensions(cases, extensions)
    judged = cases["due_on"].notna()
    cases["within_timescale"] = (cases["ended_on"] <= cases["due_on"]).astype("boolean").where(judged, pd.NA)
    extended_due = cases["due_on"] + pd.to_timedelta(cases["extension_days"], unit="D")
    cases["within_extension"] = (cases["ended_on"] <= extended_due).astype("boolean").where(judged, pd.NA)


def _add_due_dates(cases: pd.DataFrame, name: str, on: pd.DataFrame, seq: pd.DataFrame) -> None:
    """The clock runs from the rule's event when it is there (and not after the stage began), else from the
    stage's own start; one vectorised pass per service line."""
    cases["clock_on"], cases["clock_seq"] = cases["started_on"], cases["start_seq"]
    cases["due_on"] = pd.Series(pd.NaT, index=cases.index, dtype=cases["started_on"].dtype)
    cases["timescale"] = pd.Series(None, index=cases.index, dtype=object)
    for line, rows in cases.groupby("service_line"):
        rule = timescale_rule(name, line)
        if rule is None:
            continue
        clock_kind, allowed, label = rule
        cases.loc[rows.index, "timescale"] = label
        if clock_kind is None:
            cases.loc[rows.index, "due_on"] = add(rows["started_on"], allowed)
            continue
        clock_on, clock_seq = on.loc[rows.index, clock_kind], seq.loc[rows.index, clock_kind]
        found = clock_on.notna() & (clock_seq <= rows["start_seq"])
        cases.loc[rows.index, "clock_on"] = clock_on.where(found, rows["started_on"])
        cases.loc[rows.index, "clock_seq"] = clock_seq.where(found, rows["start_seq"])
        cases.loc[rows.index, "due_on"] = add(cases.loc[rows.index, "clock_on"], allowed)


def _add_extensions(cases: pd.DataFrame, extensions: pd.DataFrame) -> None:
    """The live extensions recorded while each case's clock ran (after its clock event, before its end)."""
    window = extensions.merge(cases[["clock_seq", "end_seq"]].rename_axis("application_id").reset_index(),
                              on="application_id")
    window = window[(window["seq"] > window["clock_seq"]) & (window["seq"] < window["end_seq"])]
    days = window.groupby("application_id")["extension_days"].sum()
    cases["extension_days"] = days.reindex(cases.index, fill_value=0).astype(int)
    cases["extended"] = cases["extension_days"] > 0


def figures(measured: pd.DataFrame) -> dict:
    """The JSON shape (README, Reports): {"stages": {"stage_1": {...}, "stage_2": {...}}, "roi_to_approval":
    {"all": {...}, "excluding_fast_track": {...}}, "fostering_assessment": {"all": {...}}}, each {...} the
    `statistics` of its cases."""
    return _figures_by(measured, pd.Series(TOTAL, index=measured.index, dtype=object), [TOTAL])[TOTAL]


def _figures_by(measured: pd.DataFrame, keys: pd.Series, order: list[str]) -> dict[str, dict]:
    """The figures for each split value in `order` (`keys`: each case's), in one pass: every case under its
    measure's row, and the ROI-to-approval cases that are not fast track under `excluding_fast_track` too."""
    roi = measured[(measured["measure"] == "roi_to_approval") & ~measured["fast_track"].astype(bool)]
    rows = pd.concat([measured.assign(key=keys, row=measured["measure"]),
                      roi.assign(key=keys.loc[roi.index], row="excluding_fast_track")], ignore_index=True)
    stats = statistics(rows, pd.MultiIndex.from_product([order, list(ROWS)], names=["key", "row"]))
    result = {}
    for key in order:
        result[key] = {"stages": {}, "roi_to_approval": {}, "fostering_assessment": {}}
        for row, (group, name) in ROWS.items():
            result[key][group][name] = stats[(key, row)]
    return result


def statistics(rows: pd.DataFrame, index: pd.MultiIndex) -> dict[tuple, dict]:
    """For each (key, row) group of cases in `index` (zeros and None for one without cases): count; mean_days
    (1 decimal), median_days, min_days, max_days: elapsed days from start to end, pauses included (None when there
    are no cases); within_timescale: the share (0 to 1, 4 decimals) of the cases with a timescale
    (`timescale_applies`) that ended on or before the statutory due date, `within_timescale_count` of them;
    extended: cases with a live timescale extension, `extended_within_extension` of them finished within the
    extended time; buckets: whole calendar months from start to end, lower bound inclusive."""
    groups = [rows["key"], rows["row"]]
    days, extended = rows["days"].astype(float).groupby(groups), rows["extended"].astype(bool)
    flags = pd.DataFrame({"within_timescale_count": rows["within_timescale"].fillna(False).astype(bool),
                          "timescale_applies": rows["within_timescale"].notna(), "extended": extended,
                          "extended_within_extension": extended & rows["within_extension"].fillna(False).astype(bool)})
    found = pd.concat([days.size().rename("count"), days.mean().rename("mean_days"),
                       days.median().rename("median_days"), days.min().rename("min_days"),
                       days.max().rename("max_days"), flags.groupby(groups).sum()], axis=1).reindex(index)
    buckets = rows.groupby([*groups, rows["bucket"].astype(object)]).size().unstack()
    buckets = buckets.reindex(index=index, columns=list(BUCKETS.labels)).fillna(0).astype(int)
    buckets = buckets.to_dict(orient="index")
    return {group: _statistics(values, buckets[group]) for group, values in found.to_dict(orient="index").items()}


def _statistics(found: dict, buckets: dict[str, int]) -> dict:
    applies = int(_count(found["timescale_applies"]))
    return {
        "count": _count(found["count"]),
        "mean_days": _number(found["mean_days"], 1), "median_days": _number(found["median_days"], 1),
        "min_days": _number(found["min_days"], 0), "max_days": _number(found["max_days"], 0),
        "within_timescale": round(_count(found["within_timescale_count"]) / applies, 4) if applies else None,
        "within_timescale_count": _count(found["within_timescale_count"]), "timescale_applies": applies,
        "extended": _count(found["extended"]), "extended_within_extension": _count(found["extended_within_extension"]),
        "buckets": {label: int(buckets[label]) for label in BUCKETS.labels},
    }


def _count(value) -> int:
    return 0 if pd.isna(value) else int(value)


def _number(value, decimals: int):
    """A statistic as plain JSON: None for an empty set, an int for whole days, else a rounded float."""
    if pd.isna(value):
        return None
    return int(value) if decimals == 0 else round(float(value), decimals)


def split_figures(measured: pd.DataFrame, params: ReportParams) -> dict[str, dict]:
    """The same figures per split value: by month or quarter of the completion (every month or quarter of the
    period, empty ones too), else by the application's or household's value ('Not recorded' when missing)."""
    keys = split_keys(measured, params.by)
    if params.by in (Split.MONTH, Split.QUARTER):
        order = period_keys(params.date_from, params.date_to, params.by)
    else:
        order = sorted(keys.unique())
    return _figures_by(measured, keys, order)


def split_keys(measured: pd.DataFrame, by: Split) -> pd.Series:
    """Each case's split value: the month or quarter of its completion, or its application's or household's."""
    if by in (Split.MONTH, Split.QUARTER):
        return period_key(measured["ended_on"].astype("datetime64[s]"), by)
    return split_values(measured["split"])


def table(result: dict) -> pd.DataFrame:
    """The figures as the page's table: one row per measure (its label; `measure`, its path in the JSON), the
    statistics then the buckets as columns."""
    rows = {}
    for label, (group, name) in TABLE_ROWS.items():
        stats = result[group][name]
        rows[label] = {"measure": f"{group}.{name}", **{key: value for key, value in stats.items() if key != "buckets"},
                       **stats["buckets"]}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("label")


def split_table(splits: dict[str, dict], by: Split) -> pd.DataFrame:
    """The figures per split value as one long table: a row per split value and measure, the value first."""
    frames = {key: table(result).reset_index() for key, result in splits.items()}
    return pd.concat(frames, names=[by.value, None]).reset_index(level=0).reset_index(drop=True)


def tables(result: dict, splits: dict[str, dict], by: Split | None) -> dict[str, pd.DataFrame]:
    """The page's tables: the totals, and with a split (that found any value) the figures per value."""
    made = {"timeliness": table(result)}
    if by and splits:
        made[f"timeliness_by_{by.value}"] = split_table(splits, by)
    return made


# Drill-down (crm.reports.drill).

DRILL_COLUMNS = {"started_on": "Started", "ended_on": "Ended", "days": "Days", "bucket": "Time taken",
                 "timescale": "Timescale applied", "due_on": "Due", "within_timescale": "Within timescale",
                 "extension_days": "Days of extension"}
# The cases behind each count: a table row's (by its JSON path) and a column's.
ROW_CASES = {"stages.stage_1": {"measure": "stage_1"}, "stages.stage_2": {"measure": "stage_2"},
             "roi_to_approval.all": {"measure": "roi_to_approval"},
             "roi_to_approval.excluding_fast_track": {"measure": "roi_to_approval", "fast_track": "False"},
             "fostering_assessment.all": {"measure": "assessment"}}
COLUMN_CASES = {"count": {}, "within_timescale_count": {"within_timescale": "True"},
                "timescale_applies": {"timescale_applies": "True"}, "extended": {"extended": "True"},
                "extended_within_extension": {"extended": "True", "within_extension": "True"},
                **{label: {"bucket": label} for label in BUCKETS.labels}}


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """Each count (cases, those within timescale, with a timescale, extended, and each bucket) of each row; on a
    split value's row that value too."""
    by = report.params.by.value if report.params.by else None
    cells = {}
    for table, frame in report.tables.items():
        for position, row in enumerate(frame.to_dict(orient="records")):
            split = {"split": row[by]} if by in row else {}
            cells.update({(table, position, column): {**ROW_CASES[row["measure"]], **cases, **split}
                          for column, cases in COLUMN_CASES.items()})
    return cells


def drill_lines(params: ReportParams) -> pd.DataFrame:
    """`lines`, with each case's split value as the report names it and whether a timescale applies to it."""
    measured = lines(params)
    measured["split"] = split_keys(measured, params.by) if params.by else None
    measured["timescale_applies"] = measured["within_timescale"].notna()
    return measured.sort_values(["ended_on", "application_id"], kind="stable", ignore_index=True)


def charts(report: Report) -> list[tuple[str, str]]:
    """Each stage's completions by the time they took (its buckets)."""
    shown = []
    for stage, label in (("stage_1", "Stage 1"), ("stage_2", "Stage 2")):
        buckets = report.figures.get("stages", {}).get(stage, {}).get("buckets", {})
        if buckets:
            bars = [Bar(name, count) for name, count in buckets.items()]
            shown.append((f"{label}: completions by time taken", funnel(bars, f"{label} time taken")))
    return shown
