"""Stage timescales (SPEC section 4): when the current stage is due to end, and how close it is.

"N months" are calendar months: a stage started on 15 January is within 2 months if completed on or
before 15 March.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from crm.funnel.machine import live
from crm.funnel.service_lines import ADOPTION_LIKE, ServiceLineCode
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage

AMBER_AT = 0.75
# (service lines, stage) -> (the stage whose start the clock runs from, allowed time)
TIMESCALES: list[tuple[tuple[str, ...], tuple[Stage, ...], Stage, relativedelta]] = [
    (ADOPTION_LIKE, (Stage.STAGE_1,), Stage.STAGE_1, relativedelta(months=2)),
    (ADOPTION_LIKE, (Stage.STAGE_1_COMPLETED,), Stage.STAGE_1_COMPLETED, relativedelta(months=6)),
    (ADOPTION_LIKE, (Stage.STAGE_2,), Stage.STAGE_2, relativedelta(months=4)),
    ((ServiceLineCode.FOSTERING_MAINSTREAM,), (Stage.REGISTRATION_OF_INTEREST, Stage.STAGE_1, Stage.STAGE_1_COMPLETED,
                                              Stage.STAGE_2), Stage.REGISTRATION_OF_INTEREST, relativedelta(months=8)),
    ((ServiceLineCode.FOSTERING_CONNECTED,), (Stage.STAGE_1, Stage.STAGE_2), Stage.STAGE_1, relativedelta(weeks=16)),
]


@dataclass(frozen=True)
class Timescale:
    started_on: date
    due_on: date
    extended_days: int
    today: date

    @property
    def allowed_days(self) -> int:
        return (self.due_on - self.started_on).days

    @property
    def elapsed_days(self) -> int:
        return (self.today - self.started_on).days

    @property
    def rag(self) -> str:
        """green, amber at 75% of the allowed time, red once past the due date."""
        if self.today > self.due_on:
            return "red"
        return "amber" if self.elapsed_days >= AMBER_AT * self.allowed_days else "green"


def timescale(application, today: date) -> Timescale | None:
    """The running timescale of an open application's current stage, or None if its stage has none."""
    if application.status not in OPEN_STATUSES:
        return None
    for lines, stages, clock_stage, allowed in TIMESCALES:
        if application.service_line_code in lines and application.stage in stages:
            started = _entered(application, clock_stage) or application.stage_entered_on
            extended = sum(e.extension_days or 0 for e in live(application.events)
                           if e.kind is EventKind.TIMESCALE_EXTENDED and e.occurred_on >= started)
            return Timescale(started, started + allowed + timedelta(days=extended), extended, today)
    return None


def _entered(application, stage: Stage) -> date | None:
    dates = [e.occurred_on for e in live(application.events) if e.kind is EventKind(stage.value)]
    return dates[-1] if dates else None
