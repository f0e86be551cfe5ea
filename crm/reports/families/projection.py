"""The targets report's projection: how many applications in the pipeline reach a measure by 31 March.

The applications now in the pipeline expected to reach a measure's stage before the financial year ends, judged
by how comparable applications moved in the three years before.

For each application active at the end of the as-at date in a stage before the measure's (its stage and the date
it entered it as the state machine replays its live events), with `t` the days it has been in that stage and
`D` the days left in the year, the comparable applications are those of the same service line that

- entered the same stage (their first live event of it) in the three years up to the as-at date, and at least
  t + D days before it, so that we know where each was t + D days after entering;
- had, t days after entering it, neither reached the measure's stage nor left (withdrawn, not approved).

The application's probability is the share of them that reached the measure's stage within the next D days
(more than t and at most t + D days after entering the stage): "of the applications that had been in Stage 2
this long without being approved, how many were approved in a time as long as what is left of the year". With no
comparable application the probability is 0 and the application is counted as `without_history`. Applications
on hold are left out (they are not moving), and so are those with no live event in the three years.
"""
from __future__ import annotations

from collections import namedtuple
from datetime import date
from itertools import groupby
from operator import itemgetter

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.funnel.machine import replay
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application
from crm.reports.data.frames import raw, read_frame
from crm.reports.data.months import as_dates

HISTORY_YEARS = 3
MEASURE_STAGES = {"registrations_of_interest": Stage.REGISTRATION_OF_INTEREST, "stage_1_starts": Stage.STAGE_1,
                  "stage_2_starts": Stage.STAGE_2, "approvals": Stage.APPROVED}
LEAVING = (EventKind.WITHDRAWN, EventKind.NOT_APPROVED)
READ_KINDS = (*(EventKind(stage.value) for stage in Stage), EventKind.ON_HOLD, EventKind.RESUMED, *LEAVING)
COLUMNS = ["application_id", "household_id", "service_line", "measure", "stage", "days_in_stage", "comparable",
           "reached", "probability"]
CELLS = 4_000_000  # comparisons held in memory at once


_Event = namedtuple("_Event", "kind occurred_on undone_at")


def pipeline(as_at: date, days_left: int, measures) -> pd.DataFrame:
    """One row per application in the pipeline and measure whose stage it has not reached: its stage, days in
    it, comparable applications, how many of them reached the measure in time, and the probability. Columns:
    COLUMNS. Empty when no days are left."""
    measures = [measure for measure in measures if measure in MEASURE_STAGES]
    events = _events(as_at)
    if events.empty or days_left <= 0 or not measures:
        return pd.DataFrame(columns=COLUMNS)
    states, ages = _states(events, as_at), _ages(events, as_at)
    parts = [_measure_rows(measure, states, ages, as_at, days_left) for measure in measures]
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def _events(as_at: date) -> pd.DataFrame:
    """The one query: live events dated on or before the date, of the kinds that move stage or status, of the
    applications with a live event in the three years up to it; in event order."""
    recent = aliased(StageEvent)
    window = select(recent.application_id).where(recent.undone_at.is_(None), recent.occurred_on <= as_at,
                                                 recent.occurred_on > as_at - relativedelta(years=HISTORY_YEARS))
    statement = (select(StageEvent.id, StageEvent.application_id, Application.household_id,
                        Application.service_line_code.label("service_line"), raw(StageEvent.kind),
                        raw(StageEvent.occurred_on))
                 .join(Application, Application.id == StageEvent.application_id)
                 .where(StageEvent.undone_at.is_(None), StageEvent.occurred_on <= as_at,
                        StageEvent.kind.in_(READ_KINDS), StageEvent.application_id.in_(window)))
    events = read_frame(statement)
    if events.empty:
        return events
    events["kind"] = events["kind"].map(EventKind)
    events["occurred_on"] = as_dates(events["occurred_on"])
    return events.sort_values(["application_id", "occurred_on", "id"], ignore_index=True)


def _states(events: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """The applications active at the date, by the one state machine: stage, days in it, household and line."""
    rows = zip(*(events[column].to_numpy() for column in ("application_id", "kind", "occurred_on")))
    found = []
    for application_id, group in groupby(rows, key=itemgetter(0)):
        state = replay([_Event(kind, on, None) for _, kind, on in group])
        if state.status is Status.ACTIVE and state.stage is not None:
            found.append((application_id, state.stage, (pd.Timestamp(as_at) - state.stage_entered_on).days))
    states = pd.DataFrame.from_records(found, columns=["application_id", "stage", "days_in_stage"])
    about = events.drop_duplicates("application_id")[["application_id", "household_id", "service_line"]]
    return states.merge(about, on="application_id")


def _ages(events: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """Per application: days from its first live event of each kind to the date (a column per kind, NaN when it
    has none), `left` for its first withdrawal or decision not to approve, and its `service_line`."""
    days = (pd.Timestamp(as_at) - events["occurred_on"]).dt.days
    ages = events.assign(age=days).groupby(["application_id", "kind"])["age"].max().unstack()
    ages = ages.reindex(columns=list(READ_KINDS)).astype(float)
    ages["left"] = ages[list(LEAVING)].max(axis=1)
    ages["service_line"] = events.drop_duplicates("application_id").set_index("application_id")["service_line"]
    return ages


def _measure_rows(measure: str, states, ages: pd.DataFrame, as_at: date, days_left: int) -> pd.DataFrame:
    """The pipeline rows for one measure: the active applications in a stage before its stage, each with its
    probability from its own stage's and service line's comparable applications."""
    goal = MEASURE_STAGES[measure]
    window = (as_at - (as_at - relativedelta(years=HISTORY_YEARS))).days
    before = states[states["stage"].map(lambda stage: stage.order < goal.order)]
    parts = []
    for (line, stage), group in before.groupby(["service_line", "stage"], sort=True):
        history = _history(ages, line, stage, goal, window)
        reached, comparable = counts(group["days_in_stage"].to_numpy(), history, days_left)
        parts.append(group.assign(measure=measure, comparable=comparable, reached=reached,
                                  probability=np.divide(reached, comparable, out=np.zeros(len(group)),
                                                        where=comparable > 0)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def _history(ages: pd.DataFrame, line: str, stage: Stage, goal: Stage, window: int) -> dict[str, np.ndarray]:
    """The applications of the line that entered `stage` in the `window` days up to the date: days since they
    entered it (`age`), days from entering it to first reaching the goal's stage (`reached`) and to leaving
    (`left`), infinite when that has not happened."""
    entered = ages[EventKind(stage.value)].to_numpy()
    keep = (ages["service_line"].to_numpy() == line) & (entered < window)  # NaN (never entered) is not < window
    entered = entered[keep]
    return {"age": entered, "reached": _days_to(entered, ages[EventKind(goal.value)].to_numpy()[keep]),
            "left": _days_to(entered, ages["left"].to_numpy()[keep])}


def _days_to(entered: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Days from entering to `then`, both as days before the date; infinite when `then` never came."""
    days = entered - then
    return np.where(np.isnan(days) | (days < 0), np.inf, days)


def counts(days_in_stage: np.ndarray, history: dict[str, np.ndarray], days_left: int) -> tuple[np.ndarray, np.ndarray]:
    """For each number of days in the stage t: how many history applications are comparable (followed for at
    least t + days_left days, neither reached nor left by day t) and how many of those reached the goal by day
    t + days_left. Compared in slices, so that memory stays bounded on a national history."""
    age, reached, left = (history[column][None, :] for column in ("age", "reached", "left"))
    step = max(1, CELLS // max(1, age.size))
    hits, totals = [], []
    for first in range(0, len(days_in_stage), step):
        t = days_in_stage[first:first + step].astype(float)[:, None]
        comparable = (age >= t + days_left) & (reached > t) & (left > t)
        totals.append(comparable.sum(axis=1))
        hits.append((comparable & (reached <= t + days_left)).sum(axis=1))
    empty = np.zeros(0, dtype=int)
    return (np.concatenate(hits) if hits else empty), (np.concatenate(totals) if totals else empty)
