"""One application's plausible funnel history, simulated forward from its first event to today.

The shape follows the demo (crm/demo/services.py): the same typical gaps between stages, drop-off at each stage,
withdrawals with the party and a reason, fast track from ROI to Stage 2, connected persons opening at assessment,
pauses on hold, timescale extensions, panel deferrals, approvals followed by a match or placement. Every sequence
is one the state machine (crm/funnel/machine.py) accepts, and a few carry a manager's undo, so that reports are
seen to count live events only. Pure: no database, no ORM objects.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from crm.funnel.service_lines import ServiceLineCode
from crm.funnel.stages import EventKind, Stage, WithdrawingParty
from crm.funnel.terms import APPROVED_AND_WAITING

# Typical days from entering one stage to entering the next (the demo's STAGE_GAPS).
GAPS = {
    Stage.INFORMATION_EVENT: (7, 30), Stage.INITIAL_VISIT: (7, 40), Stage.REGISTRATION_OF_INTEREST: (7, 30),
    Stage.STAGE_1: (3, 15), Stage.STAGE_1_COMPLETED: (45, 90), Stage.STAGE_2: (5, 120),
    Stage.PANEL: (100, 170), Stage.APPROVED: (5, 20),
}
# The share of the applications in the previous stage that go on into this one: about a quarter of applications
# end approved (connected persons, who skip the early stages, more often), so that every year has thousands of
# Stage 1 and Stage 2 completions to time at national scale.
ONWARD = {
    Stage.INFORMATION_EVENT: 0.6, Stage.INITIAL_VISIT: 0.65, Stage.REGISTRATION_OF_INTEREST: 0.65,
    Stage.STAGE_1: 0.9, Stage.STAGE_1_COMPLETED: 0.9, Stage.STAGE_2: 0.9, Stage.PANEL: 0.92, Stage.APPROVED: 0.95,
}
SLOW_SHARE, SLOW_FACTOR = 0.12, (1.5, 4.0)  # a stage that drags on, so every timeliness bucket has cases
HOLD_STAGES = (Stage.REGISTRATION_OF_INTEREST, Stage.STAGE_1, Stage.STAGE_1_COMPLETED, Stage.STAGE_2)
HOLD_SHARE, EXTENSION_SHARE, DEFERRAL_SHARE, UNDO_SHARE, FOUND_SHARE = 0.05, 0.04, 0.08, 0.01, 0.8
APPLICANT_REASONS = ("Finances / cost of living", "Health", "Housing", "Relationship change", "Chose another agency",
                     "Personal history")
SERVICE_REASONS = ("Not suitable", "Counselled out", "Housing", "Health")
ASSESSMENT = (Stage.STAGE_1, Stage.STAGE_1_COMPLETED, Stage.STAGE_2, Stage.PANEL, Stage.APPROVED)


class Event(NamedTuple):
    """A stage event as machine.replay reads it (kind, occurred_on, undone_at), with the details a row needs;
    `undone_at` is a date here (the day of the undo), made a timestamp when the row is written."""

    kind: EventKind
    occurred_on: date
    party: WithdrawingParty | None = None
    reason: str | None = None
    extension_days: int | None = None
    undone_at: date | None = None


def route(rng, line: str, fast_track: bool, first: Stage) -> list[Stage]:
    """The stages this application would pass through if it never stopped, from its first."""
    if line == ServiceLineCode.FOSTERING_CONNECTED:
        if first is Stage.ENQUIRY:
            return [Stage.ENQUIRY, *(ASSESSMENT[2:] if rng.random() < 0.5 else ASSESSMENT)]
        return list(ASSESSMENT[ASSESSMENT.index(first):])
    early = [Stage.ENQUIRY, *([Stage.INFORMATION_EVENT] if rng.random() < 0.75 else []), Stage.INITIAL_VISIT,
             Stage.REGISTRATION_OF_INTEREST]
    return early + (list(ASSESSMENT[2:]) if fast_track else list(ASSESSMENT))


class History:
    """Events appended in the order they are recorded; nothing is dated after `today`."""

    def __init__(self, rng, today: date):
        self.rng, self.today = rng, today
        self.events: list[Event] = []
        self.day: date | None = None

    def add(self, kind: EventKind, on: date, **details) -> bool:
        """Record the event if its date has come; False (and nothing recorded) if it is still in the future."""
        if on > self.today:
            return False
        self.events.append(Event(kind, on, **details))
        self.day = on
        return True

    def after(self, low: int, high: int) -> date:
        return self.day + timedelta(days=self.rng.randint(low, high))

    def wait(self, low: int, high: int) -> None:
        """Nothing more happens for a while: the next event is dated from later on."""
        self.day = self.after(low, high)

    def gap(self, stage: Stage) -> date:
        low, high = GAPS[stage]
        days = self.rng.randint(low, high)
        if self.rng.random() < SLOW_SHARE:
            days = int(days * self.rng.uniform(*SLOW_FACTOR))
        return self.day + timedelta(days=days)


def simulate(rng, line: str, fast_track: bool, first: Stage, opened_on: date, today: date) -> list[Event]:
    """The events of one application opened on `opened_on`, as far as they have happened by `today`."""
    history = History(rng, today)
    stages = route(rng, line, fast_track, first)
    history.add(EventKind(stages[0].value), opened_on)
    for current, following in zip(stages, stages[1:]):
        if not _dwell(history, current):
            return history.events
        if rng.random() > ONWARD[following]:
            _stop(history, current)
            return history.events
        if not _enter(history, following):
            return history.events
    _found_family(history, line)
    return history.events


def _enter(history: History, stage: Stage) -> bool:
    """Move into `stage`; now and then a mistyped date is recorded first and undone by a manager."""
    on = history.gap(stage)
    kind = EventKind(stage.value)
    wrong = on + timedelta(days=history.rng.randint(1, 10))
    if history.rng.random() < UNDO_SHARE and wrong < history.today:
        history.events.append(Event(kind, wrong, undone_at=wrong + timedelta(days=1)))
    return history.add(kind, on)


def _dwell(history: History, stage: Stage) -> bool:
    """What happens while in `stage` before the next move: an extension, a pause. False if it ends the history."""
    rng = history.rng
    if stage in (Stage.STAGE_1, Stage.STAGE_2) and rng.random() < EXTENSION_SHARE:
        if not history.add(EventKind.TIMESCALE_EXTENDED, history.after(10, 40), reason="Waiting for overseas checks",
                           extension_days=rng.randint(14, 90)):
            return False
    if stage is Stage.PANEL and rng.random() < DEFERRAL_SHARE:
        if not history.add(EventKind.PANEL_DEFERRED, history.day, reason="Further information requested"):
            return False
        history.wait(20, 60)  # re-presented a month or two later
    if stage in HOLD_STAGES and rng.random() < HOLD_SHARE:
        if not history.add(EventKind.ON_HOLD, history.after(5, 40), reason="Family circumstances"):
            return False
        if rng.random() < 0.3:
            _withdraw(history, history.after(20, 200), applicant_share=0.9)
            return False
        return history.add(EventKind.RESUMED, history.after(20, 200))
    return True


def _stop(history: History, stage: Stage) -> None:
    """The application goes no further: the ADM's refusal at assessment now and then, else a withdrawal (which may
    not have happened yet, leaving it open today)."""
    on = history.after(7, 90)
    if stage in (Stage.STAGE_2, Stage.PANEL) and history.rng.random() < 0.4:
        history.add(EventKind.NOT_APPROVED, on, reason="Not suitable to approve")
        return
    _withdraw(history, on, applicant_share=0.85 if stage.order < Stage.STAGE_1.order else 0.65)


def _withdraw(history: History, on: date, *, applicant_share: float) -> None:
    rng = history.rng
    if rng.random() < applicant_share:
        history.add(EventKind.WITHDRAWN, on, party=WithdrawingParty.APPLICANT, reason=rng.choice(APPLICANT_REASONS))
    else:
        history.add(EventKind.WITHDRAWN, on, party=WithdrawingParty.SERVICE, reason=rng.choice(SERVICE_REASONS))


def _found_family(history: History, line: str) -> None:
    """Approved and waiting, then matched (adoption) or first placement (the other lines), as the funnel's
    record_found_family does."""
    if history.events[-1].kind is EventKind.APPROVED and history.rng.random() < FOUND_SHARE:
        history.add(APPROVED_AND_WAITING.ending_kind(line), history.after(20, 400))
