"""Cohort conversion (SPEC section 5): how far the households who first enquired in a month went.

SPEC: "of the households whose first enquiry fell in a month, the share that reached each later stage, and the
median days to reach it".

Decisions, each one a manager can check on the household page:

- A household's first enquiry is `households.first_enquiry_on`, the field the code keeps for it: the London date
  of its first contact when the enquiry is logged (crm.enquiries.services.log_enquiry; a contact at 23:30 UTC on
  31 March in summer time is on 1 April), the earliest tracker date on import (crm.transfer), and the only date a
  household without any contact has. Logging an older contact on an existing household does not move that field
  back, so when a contact's London date is earlier, that earlier date is the first enquiry.
- Cohorts are the months (calendar quarters when the report is split by quarter) of those first enquiries, for the
  first enquiries in the period; every month or quarter the period touches is shown, empty ones too.
- A household reached a stage when any of its applications has a live event of that kind (undone events never
  count) dated on or before the "as at" date: the report's snapshot date (ReportParams.snapshot_date: `at` when
  given, else today, or the end of the period when that is earlier). An event dated before the first enquiry (an
  imported history, say) still counts, with negative days, rather than being dropped without trace.
- A household counts once per cohort whatever its service lines: it reached a stage on the date of the first live
  event of that kind on any of its applications; days are calendar days from its first enquiry to that date.
- Stages are event kinds, not positions: a household that went straight to an initial visit did not reach the
  information event, and a fast-track application (second-time adopters, foster carers adopting) goes from
  registration of interest to Stage 2, so it reaches `stage_2` without `stage_1` or `stage_1_completed`. Shares
  therefore need not fall from stage to stage.
- Splits: by service line a household counts in each line it applied to, with that line's events only (so the lines
  add up to more than the total); by partner authority or team the household's; by channel the top-level channel of
  its first contact (crm.reports.data.split_keys), missing values as "Not recorded".
"""
from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func, or_, select

from crm.enquiries.models import EnquiryContact
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household
from crm.reports.base import ReportParams, Split
from crm.reports.data.frames import raw, read_frame
from crm.reports.data.london import london_days, received_between
from crm.reports.data.months import as_dates, period_key, period_keys
from crm.reports.data.split_keys import BY_ROW, split_values, with_split

STAGES = (EventKind.INFORMATION_EVENT, EventKind.INITIAL_VISIT, EventKind.REGISTRATION_OF_INTEREST,
          EventKind.STAGE_1, EventKind.STAGE_1_COMPLETED, EventKind.STAGE_2, EventKind.PANEL, EventKind.APPROVED)
STAGE_LABELS = {EventKind.INFORMATION_EVENT: "Information event", EventKind.INITIAL_VISIT: "Initial visit",
                EventKind.REGISTRATION_OF_INTEREST: "ROI", EventKind.STAGE_1: "Stage 1",
                EventKind.STAGE_1_COMPLETED: "Stage 1 completed", EventKind.STAGE_2: "Stage 2",
                EventKind.PANEL: "Panel", EventKind.APPROVED: "Approved"}
HOUSEHOLDS = "households"  # the `step` of the lines that are a cohort's households
LINE_COLUMNS = ["household_id", "application_id", "service_line", "scope", "split", "cohort", "step", "on", "days"]


def as_at(params: ReportParams) -> date:
    """The date up to which the cohorts' events count: the report's snapshot date."""
    return params.snapshot_date()


def grouping(params: ReportParams) -> Split:
    """Cohorts are months, or calendar quarters when the report is split by quarter."""
    return Split.QUARTER if params.by is Split.QUARTER else Split.MONTH


def cohort_keys(params: ReportParams) -> list[str]:
    return period_keys(params.date_from, params.date_to, grouping(params))


# The line-level rows: each figure is a count (or the median days) of some of them.

def lines(params: ReportParams) -> pd.DataFrame:
    """One row per household of a cohort (`step` "households", `on` its first enquiry) and one per household and
    stage it reached (`step` the stage, `on` the first live event of that kind, `days` from the first enquiry,
    `service_line` that event's application's; `application_id` is None on every row, as every count is of
    households). `scope` "total" rows count each household once (`split` ""); with a split by
    service line, authority, team or channel, "split" rows count it under its split value(s). Columns: LINE_COLUMNS."""
    rows = _in_cohorts(_rows(params), params)
    parts = [_scoped(rows.assign(split=""), "total")]
    if params.by in BY_ROW:
        parts.append(_scoped(rows.assign(split=split_values(rows["split"])), "split"))
    return pd.concat(parts, ignore_index=True)[LINE_COLUMNS]


def _rows(params: ReportParams) -> pd.DataFrame:
    """The one query: households whose first enquiry may be in the period (`first_enquiry_on` or their first contact
    in it), outer-joined to their applications and those applications' live stage events up to the as-at date."""
    first = _first_contacts()
    live = ((StageEvent.application_id == Application.id) & StageEvent.undone_at.is_(None)
            & StageEvent.kind.in_(STAGES) & (StageEvent.occurred_on <= as_at(params)))
    statement = (select(Household.id, raw(Household.first_enquiry_on), first.c.first_received, Application.id,
                        Application.service_line_code, raw(StageEvent.kind), raw(StageEvent.occurred_on))
                 .select_from(Household).outerjoin(first, first.c.household_id == Household.id)
                 .outerjoin(Application, Application.household_id == Household.id).outerjoin(StageEvent, live)
                 .where(_maybe_in_period(params, first.c.first_received)))
    frame = read_frame(with_split(statement, params.by))
    split = params.by in BY_ROW
    frame.columns = ["household_id", "first_enquiry_on", "first_received", "application_id", "service_line", "kind",
                     "occurred_on", *(["split"] if split else [])]
    return frame if split else frame.assign(split=None)


def _first_contacts():
    """When each household's first contact was received."""
    return (select(EnquiryContact.household_id, func.min(EnquiryContact.received_at).label("first_received"))
            .group_by(EnquiryContact.household_id).subquery("first_contacts"))


def _maybe_in_period(params: ReportParams, first_received):
    """`first_enquiry_on` in the period, or the first contact's London date: one of them is the first enquiry."""
    return or_(Household.first_enquiry_on.between(params.date_from, params.date_to),
               received_between(params.date_from, params.date_to, first_received))


def _in_cohorts(rows: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """The rows of households whose first enquiry (the earlier of `first_enquiry_on` and the London date of their
    first contact) is in the period, with that date (`cohort_on`) and its cohort key."""
    contact_day = london_days(rows["first_received"])
    cohort_on = pd.concat([as_dates(rows["first_enquiry_on"]), contact_day], axis=1).min(axis=1)
    rows = rows.assign(cohort_on=cohort_on.astype("datetime64[s]"), occurred_on=as_dates(rows["occurred_on"]))
    rows = rows[rows["cohort_on"].between(pd.Timestamp(params.date_from), pd.Timestamp(params.date_to))]
    return rows.assign(cohort=period_key(rows["cohort_on"], grouping(params)))


def _scoped(rows: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The cohort lines of one scope: each (household, split value) once, and its first event of each stage."""
    members = rows.drop_duplicates(["household_id", "split"]).assign(
        service_line=None, step=HOUSEHOLDS, on=lambda m: m["cohort_on"], days=None)
    events = rows.dropna(subset=["kind"]).sort_values(["occurred_on", "application_id"])
    firsts = events.drop_duplicates(["household_id", "split", "kind"]).assign(
        step=lambda e: e["kind"], on=lambda e: e["occurred_on"],
        days=lambda e: (e["occurred_on"] - e["cohort_on"]).dt.days)
    made = pd.concat([members, firsts], ignore_index=True).assign(scope=scope, application_id=None)
    made["on"] = pd.to_datetime(made["on"]).dt.date
    return made


# The figures.

def figures(cohort_lines: pd.DataFrame, params: ReportParams, keys: list[str] | None = None) -> dict:
    """The JSON shape: {"as_at": date, "grouped_by": "month" | "quarter", "groups": {cohort key: group},
    "all": group (every household of the groups together)}, each group {"households": n, "stages": {stage:
    {"reached": n, "share": reached / households (4 decimals, None without households), "median_days": the median
    days from first enquiry to the stage among those that reached it (1 decimal; None when none did)}}}.
    `cohort_lines` are the lines of one scope and split value; `keys` the cohorts to show (default the period's)."""
    keys = cohort_keys(params) if keys is None else keys
    groups = dict(list(cohort_lines.groupby("cohort")))
    return {"as_at": as_at(params).isoformat(), "grouped_by": grouping(params).value,
            "groups": {key: group(groups.get(key, cohort_lines.iloc[:0])) for key in keys},
            "all": group(cohort_lines[cohort_lines["cohort"].isin(keys)])}


def group(cohort_lines: pd.DataFrame) -> dict:
    """One cohort's figures (see `figures`)."""
    households = int((cohort_lines["step"] == HOUSEHOLDS).sum())
    steps = cohort_lines["step"]
    return {"households": households,
            "stages": {stage.value: _stage(cohort_lines.loc[steps == stage.value, "days"], households)
                       for stage in STAGES}}


def _stage(days: pd.Series, households: int) -> dict:
    median = days.astype(float).median()
    return {"reached": len(days), "share": round(len(days) / households, 4) if households else None,
            "median_days": None if pd.isna(median) else round(float(median), 1)}


def split_figures(cohort_lines: pd.DataFrame, params: ReportParams) -> dict[str, dict]:
    """The cohort figures per split value: by month or quarter, the one cohort of that month or quarter; otherwise
    every cohort, among the households of that value (by service line: those that applied to the line, with that
    line's events only)."""
    total = cohort_lines[cohort_lines["scope"] == "total"]
    if params.by in (Split.MONTH, Split.QUARTER):
        return {key: figures(total, params, [key]) for key in cohort_keys(params)}
    split = cohort_lines[cohort_lines["scope"] == "split"]
    return {key: figures(rows, params) for key, rows in split.groupby("split")}
