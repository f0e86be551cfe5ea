"""Timescales (SPEC section 4): which clock runs for an open application, when it is due, and how close it is.

Adoption and early permanence time each stage: Stage 1 within 2 months of its start, the break between the stages at
most 6 months, Stage 2 (to the ADM decision, so panel included) within 4 months of its start. Fostering times the
whole assessment, its stages having no timescale of their own: mainstream 8 months from the application (ROI) to the
decision; connected persons 16 weeks from its start (the stage it opened at, or Stage 1) to the decision, which may be
extended by 8 weeks. Extensions recorded while the clock runs are added.

"N months" are calendar months: a stage started on 15 January is within 2 months if completed on or before 15 March.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from crm.funnel.machine import live
from crm.funnel.service_lines import ADOPTION_LIKE, ServiceLineCode
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage

AMBER_AT = 0.75
ASSESSMENT = (Stage.REGISTRATION_OF_INTEREST, Stage.STAGE_1, Stage.STAGE_1_COMPLETED, Stage.STAGE_2, Stage.PANEL)


@dataclass(frozen=True)
class Rule:
    """A timescale: the service lines and stages it runs in, the stages whose start starts the clock (a stage's own
    clock: its latest live entry; a whole assessment's: the first live entry of any of them), the time allowed, and
    what it times in words (shown on every row that applies it)."""

    lines: tuple[str, ...]
    stages: tuple[Stage, ...]
    clock: tuple[Stage, ...]
    allowed: relativedelta
    key: str
    label: str
    whole: bool = False


TIMESCALES: list[Rule] = [
    Rule(ADOPTION_LIKE, (Stage.STAGE_1,), (Stage.STAGE_1,), relativedelta(months=2), "stage_1",
         "Stage 1: 2 months from its start"),
    Rule(ADOPTION_LIKE, (Stage.STAGE_1_COMPLETED,), (Stage.STAGE_1_COMPLETED,), relativedelta(months=6),
         "stage_1_completed", "Break between Stage 1 and Stage 2: at most 6 months"),
    Rule(ADOPTION_LIKE, (Stage.STAGE_2, Stage.PANEL), (Stage.STAGE_2,), relativedelta(months=4), "stage_2",
         "Stage 2: 4 months from its start to the decision"),
    Rule((ServiceLineCode.FOSTERING_MAINSTREAM,), ASSESSMENT, (Stage.REGISTRATION_OF_INTEREST,),
         relativedelta(months=8), "fostering_assessment",
         "Whole assessment: 8 months from the application (ROI) to the decision", whole=True),
    Rule((ServiceLineCode.FOSTERING_CONNECTED,), ASSESSMENT[1:], (Stage.STAGE_1, Stage.STAGE_2),
         relativedelta(weeks=16), "connected_assessment",
         "Whole assessment: 16 weeks from its start to the decision (extension of 8 weeks)", whole=True),
]


@dataclass(frozen=True)
class Timescale:
    started_on: date
    due_on: date
    extended_days: int
    today: date
    key: str = ""
    label: str = ""

    @property
    def allowed_days(self) -> int:
        return (self.due_on - self.started_on).days

    @property
    def elapsed_days(self) -> int:
        return (self.today - self.started_on).days

    @property
    def overdue(self) -> bool:
        """Past the due date (the due date itself is still in time)."""
        return self.today > self.due_on

    @property
    def rag(self) -> str:
        """green, amber at 75% of the allowed time, red once past the due date."""
        if self.overdue:
            return "red"
        return "amber" if self.elapsed_days >= AMBER_AT * self.allowed_days else "green"


def rule_for(service_line: str, stage: Stage) -> Rule | None:
    return next((rule for rule in TIMESCALES if service_line in rule.lines and stage in rule.stages), None)


def timescale(application, today: date) -> Timescale | None:
    """The running timescale of an open application (its current stage's, or its whole assessment's), or None if
    none runs."""
    if application.status not in OPEN_STATUSES:
        return None
    rule = rule_for(application.service_line_code, application.stage)
    if rule is None:
        return None
    events = live(application.events)
    started = clock_start(rule, events) or application.stage_entered_on
    extended = sum(e.extension_days or 0 for e in events
                   if e.kind is EventKind.TIMESCALE_EXTENDED and e.occurred_on >= started)
    return Timescale(started, started + rule.allowed + timedelta(days=extended), extended, today, rule.key,
                     rule.label)


def clock_start(rule: Rule, events) -> date | None:
    """The date the rule's clock runs from among these live events: a stage's latest entry, or the first entry of
    any of a whole assessment's starting stages."""
    kinds = {EventKind(stage.value) for stage in rule.clock}
    dates = [e.occurred_on for e in events if e.kind in kinds]
    if not dates:
        return None
    return dates[0] if rule.whole else dates[-1]
