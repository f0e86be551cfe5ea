"""Snapshot at a date (SPEC section 5): the pipeline as it stood at the end of a day.

SPEC: "applications in each stage from enquiry to panel and how long they have been there (Stage 1: `<2 months`,
`>=2 months`; Stage 2: `<4`, `4-8`, `8-12`, `>12 months`), between Stage 1 and Stage 2, on hold (by stage, before
Stage 1 too), approved and waiting (`<3`, `3-6`, `6-9`, `9-12`, `>12 months` since approval; households on hold
after approval are counted in it and shown apart)".

Each application's state at the date is what the state machine (crm.funnel.machine.replay) makes of its live
events dated on or before it, so an event recorded later but dated earlier counts, an undone one never does,
and a withdrawal after the date leaves the application in its stage.

The categories do not overlap: SPEC lists "on hold" beside the stages, so a recruitment team counts a paused
application once, under on hold (broken down by the stage it is paused in, enquiry to Stage 2), and the stage totals
are the active applications. The stages before Stage 1 (enquiry, information event, initial visit, registration of
interest) are counted with no buckets. Stage 2 runs to the ADM decision, as in timeliness: an application at panel
(a second presentation after a deferral too) is in Stage 2, timed from its Stage 2 start. "Approved and waiting" is
approved with no match (adoption) or placement (fostering) dated on or before the date, timed from the approval; a
household on hold after approval is in it, and counted apart too (`approved_waiting.on_hold`). Durations are whole
calendar months to the date, lower bound inclusive (exactly 2 months in Stage 1 is ">=2 months", exactly 12 in
Stage 2 is ">12 months").

Splits: service line, partner authority, team, channel. A snapshot is at one date, so a split by month or quarter
is refused (ValueError).
"""
from __future__ import annotations

from collections import namedtuple
from datetime import date
from itertools import groupby
from operator import itemgetter

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.funnel.machine import replay
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from crm.funnel.terms import APPROVED_AND_WAITING
from crm.households.models import Application, Household
from crm.reports.base import Report, ReportParams, Split
from crm.reports.data.frames import raw, read_frame
from crm.reports.data.months import Buckets, as_dates, whole_months
from crm.reports.data.split_keys import split_values, with_split
from crm.reports.render.charts import Bar, funnel

SPLITS = (Split.SERVICE_LINE, Split.PARTNER_AUTHORITY, Split.TEAM, Split.CHANNEL)  # one date: no time splits
# Once one of these is live on or before the date, the application is in no category of the snapshot.
LEFT_KINDS = (EventKind.WITHDRAWN, EventKind.NOT_APPROVED, *APPROVED_AND_WAITING.ended_by)
EARLY = ("enquiry", "information_event", "initial_visit", "registration_of_interest")  # before Stage 1: no buckets
STAGE_CATEGORIES = {**{Stage(early): early for early in EARLY}, Stage.STAGE_1: "stage_1",
                    Stage.STAGE_1_COMPLETED: "between_stages", Stage.STAGE_2: "stage_2", Stage.PANEL: "stage_2"}
BUCKETS = {
    "stage_1": Buckets((2,), ("<2 months", ">=2 months")),
    "stage_2": Buckets((4, 8, 12), ("<4 months", "4-8 months", "8-12 months", ">12 months")),
    "approved_waiting": Buckets((3, 6, 9, 12), ("<3 months", "3-6 months", "6-9 months", "9-12 months",
                                                ">12 months")),
}
CATEGORIES = (*EARLY, "stage_1", "stage_2", "between_stages", "on_hold", "approved_waiting")
HELD_STAGES = (*EARLY, "stage_1", "between_stages", "stage_2")  # on_hold.by_stage
CATEGORY_LABELS = {"enquiry": "Enquiry", "information_event": "Information event", "initial_visit": "Initial visit",
                   "registration_of_interest": "Registration of interest", "stage_1": "Stage 1",
                   "between_stages": "Between Stage 1 and Stage 2", "stage_2": "Stage 2", "on_hold": "On hold",
                   "approved_waiting": "Approved and waiting"}
HELD_AFTER_APPROVAL = "Approved and waiting: on hold"  # the totals table's row after the categories
LINE_COLUMNS = ["application_id", "household_id", "service_line", "split", "category", "held_in", "held", "since",
                "months", "bucket"]
_Event = namedtuple("_Event", "kind occurred_on undone_at")


def compute(params: ReportParams) -> Report:
    """The snapshot at params.snapshot_date(): figures, tables and the figures per split."""
    if params.by in (Split.MONTH, Split.QUARTER):
        raise ValueError("A snapshot is at one date, so it cannot be split by month or quarter: split it by "
                         "service line, partner authority, team or channel, or take one snapshot per month end")
    held = lines(params)
    result = figures(held)
    splits = {}
    if params.by:
        splits = {key: figures(group) for key, group in held.groupby(split_values(held["split"]))}
    return Report("snapshot", params, result, tables(result, splits), splits)


def lines(params: ReportParams, *, approved_only: bool = False) -> pd.DataFrame:
    """One row per application in the snapshot: its category, the stage it is on hold in (on hold only), `held`
    ("yes" for approved and waiting on hold, else None), the date its clock runs from (`since`), whole months to the
    snapshot date and its bucket. Columns: LINE_COLUMNS. `approved_only` reads only applications approved by then
    (the approved and waiting, for the ASGLB return)."""
    at = params.snapshot_date()
    events = _events(params, at, approved_only)
    if events.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    states = _states(events)
    stage_2_on = events[events["kind"] == EventKind.STAGE_2].groupby("application_id")["occurred_on"].last()
    states = states.join(stage_2_on.rename("stage_2_on"))
    applications = events.drop_duplicates("application_id").set_index("application_id")
    held = _categorise(states.join(applications[["household_id", "service_line", "split"]]))
    _add_buckets(held, at)
    return held.rename_axis("application_id").reset_index()[LINE_COLUMNS]


def _add_buckets(held: pd.DataFrame, at: date) -> None:
    """Whole calendar months from each application's `since` to the snapshot date, and its category's bucket."""
    held["since"] = as_dates(held["since"])
    until = pd.Series(pd.Timestamp(at), index=held.index).astype(held["since"].dtype)
    held["months"] = whole_months(held["since"], until)
    held["bucket"] = pd.Series(None, index=held.index, dtype=object)
    for category, buckets in BUCKETS.items():
        rows = held["category"] == category
        held.loc[rows, "bucket"] = buckets.label(held.loc[rows, "months"]).astype(object)


def _events(params: ReportParams, at: date, approved_only: bool = False) -> pd.DataFrame:
    """The one query: the live events dated on or before the date of the applications that had not left (withdrawn,
    not approved, matched or placed) by then (with `approved_only`, of those approved by then); in event order."""
    def live_by(kinds):
        other = aliased(StageEvent)
        return select(other.application_id).where(other.undone_at.is_(None), other.kind.in_(kinds),
                                                  other.occurred_on <= at)

    statement = (select(StageEvent.id, StageEvent.application_id, raw(StageEvent.kind), raw(StageEvent.occurred_on),
                        Application.household_id, Application.service_line_code.label("service_line"))
                 .join(Application, Application.id == StageEvent.application_id)
                 .join(Household, Household.id == Application.household_id)
                 .where(StageEvent.undone_at.is_(None), StageEvent.occurred_on <= at,
                        StageEvent.application_id.not_in(live_by(LEFT_KINDS))))
    if approved_only:
        statement = statement.where(StageEvent.application_id.in_(live_by((EventKind.APPROVED,))))
    events = read_frame(with_split(statement, params.by))
    if "split" not in events:
        events["split"] = None
    events["kind"] = events["kind"].map(EventKind)
    events["occurred_on"] = as_dates(events["occurred_on"])
    return events.sort_values(["application_id", "occurred_on", "id"], ignore_index=True)


def _states(events: pd.DataFrame) -> pd.DataFrame:
    """Each application's state from its events, by the one state machine (a tight loop: the rows come sorted)."""
    rows = zip(*(events[column].to_numpy() for column in ("application_id", "kind", "occurred_on")))
    states = []
    for application_id, group in groupby(rows, key=itemgetter(0)):
        state = replay([_Event(kind, on, None) for _, kind, on in group])
        states.append((application_id, state.stage, state.status, state.stage_entered_on, state.status_changed_on,
                       APPROVED_AND_WAITING.matches(state.status, state.kinds), APPROVED_AND_WAITING.held(state)))
    return pd.DataFrame.from_records(states, columns=["application_id", "stage", "status", "stage_entered_on",
                                                      "status_changed_on", "waiting", "held"]).set_index(
        "application_id")


def _categorise(states: pd.DataFrame) -> pd.DataFrame:
    """Each application's category and the date its snapshot clock runs from; applications in none are dropped."""
    stage_category = states["stage"].map(STAGE_CATEGORIES)
    active, on_hold = states["status"] == Status.ACTIVE, states["status"] == Status.ON_HOLD
    waiting = states["waiting"]
    category = stage_category.where(active).mask(on_hold & stage_category.notna(), "on_hold")
    category = category.mask(waiting, "approved_waiting")
    since = states["stage_entered_on"].where(stage_category != "stage_2", states["stage_2_on"])
    since = since.where(~waiting, states["status_changed_on"])
    held = pd.Series("yes", index=states.index, dtype=object).where(waiting & states["held"], None)
    return states.assign(category=category, since=since, held=held,
                         held_in=stage_category.where(on_hold)).dropna(subset=["category"])


def figures(held: pd.DataFrame) -> dict:
    """The JSON shape (README, Reports): {"enquiry", "information_event", "initial_visit",
    "registration_of_interest": {"total"}, "stage_1": {"total", "buckets"}, "stage_2": {"total", "buckets"},
    "between_stages": {"total"}, "on_hold": {"total", "by_stage"}, "approved_waiting": {"total", "on_hold",
    "buckets"}}. total: applications in the category at the end of the snapshot date; buckets: whole calendar months
    since the stage started (Stage 2: since `stage_2`, panel included) or since approval; on_hold.by_stage: the stage
    each paused application is in (enquiry to stage_2); approved_waiting.on_hold: of the approved and waiting, those
    on hold after approval (counted in its total too)."""
    result = {}
    for category in CATEGORIES:
        rows = held[held["category"] == category]
        result[category] = {"total": len(rows)}
        if category in BUCKETS:
            result[category]["buckets"] = BUCKETS[category].counts(rows["bucket"])
    paused = held.loc[held["category"] == "on_hold", "held_in"]
    result["on_hold"]["by_stage"] = {stage: int((paused == stage).sum()) for stage in HELD_STAGES}
    waiting = held[held["category"] == "approved_waiting"]
    result["approved_waiting"] = {"total": result["approved_waiting"]["total"],
                                  "on_hold": int((waiting["held"] == "yes").sum()),
                                  "buckets": result["approved_waiting"]["buckets"]}
    return result


def tables(result: dict, splits: dict[str, dict] | None = None) -> dict[str, pd.DataFrame]:
    """The page's tables: the total per category, then each bucketed category's distribution; `measure` is the
    figure's path in the JSON, and each split value has a column of its own."""
    columns = {"applications": result, **{split_column(key): split for key, split in (splits or {}).items()}}
    totals = pd.DataFrame({"measure": [*(f"{c}.total" for c in CATEGORIES), "approved_waiting.on_hold"],
                           **{column: [*(made[c]["total"] for c in CATEGORIES), made["approved_waiting"]["on_hold"]]
                              for column, made in columns.items()}},
                          index=pd.Index([*(CATEGORY_LABELS[c] for c in CATEGORIES), HELD_AFTER_APPROVAL],
                                         name="category"))
    made = {"snapshot": totals}
    for category, buckets in BUCKETS.items():
        made[category] = pd.DataFrame(
            {"measure": [f"{category}.buckets.{label}" for label in buckets.labels],
             **{column: [figures_[category]["buckets"][label] for label in buckets.labels]
                for column, figures_ in columns.items()}}, index=pd.Index(list(buckets.labels), name="time"))
    return made


def split_column(key: str) -> str:
    """A split value as a column name that cannot take the place of another column."""
    return f"{key} (split)" if key in ("measure", "applications", "category", "time") else key


# Drill-down (crm.reports.drill).

DRILL_COLUMNS = {"since": "Since", "months": "Whole months", "bucket": "Time", "held_in": "On hold in",
                 "held": "On hold after approval"}


def drill(report: Report) -> dict[tuple[str, int, str], dict[str, str]]:
    """Each category total and each bucket: its category (and bucket); in a split value's column that value too."""
    columns = {"applications": {}, **{split_column(key): {"split": key} for key in report.splits}}
    cells = {}
    for table, frame in report.tables.items():
        for position, label in enumerate(frame.index):
            if table != "snapshot":
                selector = {"category": table, "bucket": label}
            elif position < len(CATEGORIES):
                selector = {"category": CATEGORIES[position]}
            else:
                selector = {"category": "approved_waiting", "held": "yes"}
            cells.update({(table, position, column): {**selector, **extra} for column, extra in columns.items()})
    return cells


def drill_lines(params: ReportParams) -> pd.DataFrame:
    """`lines`, oldest first, with the split values as the report names them ('Not recorded' when missing)."""
    held = lines(params).sort_values(["since", "application_id"], kind="stable", ignore_index=True)
    return held.assign(split=split_values(held["split"])) if params.by else held


def charts(report: Report) -> list[tuple[str, str]]:
    """The applications in each category at the snapshot date."""
    bars = [Bar(label, report.figures.get(key, {}).get("total", 0)) for key, label in
            (*((early, CATEGORY_LABELS[early]) for early in EARLY), ("stage_1", "Stage 1"),
             ("between_stages", "Between Stage 1 and 2"), ("stage_2", "Stage 2"), ("on_hold", "On hold"),
             ("approved_waiting", "Approved and waiting"))]
    return [("Applications at the snapshot date", funnel(bars, "Applications at the snapshot date"))]
