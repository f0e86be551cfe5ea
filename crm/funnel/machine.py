"""The one state machine: whether an event may be recorded, and the application state its events imply.

Pure rules on ORM objects, no session: services, imports and tests all go through `record`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from crm.errors import DomainError
from crm.formatting import long_date
from crm.funnel import routes
from crm.funnel.models import StageEvent
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage, Status, WithdrawingParty
from crm.funnel.terms import APPROVED_AND_WAITING

STAGE_KINDS = {EventKind(stage.value): stage for stage in Stage}
CLOSED = tuple(status for status in Status if status not in OPEN_STATUSES)
# Which statuses each non-stage event may be recorded in.
STATUS_EVENTS: dict[EventKind, tuple[Status, ...]] = {
    # An approved household may be put on hold and resumed too (SPEC section 2): it stays approved (and waiting, if
    # not yet matched or placed), with the pause on State.held.
    EventKind.ON_HOLD: (Status.ACTIVE, Status.APPROVED),
    EventKind.RESUMED: (Status.ON_HOLD, Status.APPROVED),
    # An approved household may leave before or after a match (ASGLB counts "adopters who left after approval").
    EventKind.WITHDRAWN: (*OPEN_STATUSES, Status.APPROVED),
    EventKind.NOT_APPROVED: (Status.ACTIVE,),
    EventKind.PANEL_DEFERRED: (Status.ACTIVE,),
    EventKind.TIMESCALE_EXTENDED: OPEN_STATUSES,
    EventKind.MATCHED: (Status.APPROVED,),
    EventKind.PLACED: (Status.APPROVED,),
}
NEEDS_REASON = {EventKind.ON_HOLD, EventKind.WITHDRAWN, EventKind.NOT_APPROVED, EventKind.PANEL_DEFERRED,
                EventKind.TIMESCALE_EXTENDED}
# A withdrawal's reason comes from the managed list (crm.funnel.reasons); its text is a note, needed for "Other".
# Any reason, for asking whether a withdrawal would be allowed (dates and reasons aside).
ANY_REASON = SimpleNamespace(id=None, name="", needs_text=False)


@dataclass(frozen=True)
class State:
    stage: Stage | None = None
    stage_entered_on: date | None = None
    status: Status = Status.ACTIVE
    status_changed_on: date | None = None
    last_date: date | None = None
    kinds: frozenset[EventKind] = frozenset()
    # Approved and on hold since this date (the status stays approved: a hold after approval closes nothing).
    held_on: date | None = None
    # At panel, deferred since the last presentation: the next stage event is a second `panel`.
    deferred: bool = False
    placements: int = 0


def live(events) -> list[StageEvent]:
    """The events that count: not undone, in the order they happened."""
    return [e for e in events if e.undone_at is None]


def replay(events) -> State:
    """The state an application's live events imply; the application row always holds exactly this."""
    state = State()
    for event in live(events):
        state = _step(state, event)
    return state


def _step(state: State, event: StageEvent) -> State:
    kind, on = event.kind, event.occurred_on
    changes = {"last_date": on, "kinds": state.kinds | {kind}}
    stage = STAGE_KINDS.get(kind)
    if stage is not None and not (kind is EventKind.ENQUIRY and state.stage is not None):
        changes.update(stage=stage, stage_entered_on=on, deferred=False)
        if stage is Stage.APPROVED:
            changes.update(status=Status.APPROVED, status_changed_on=on)
    if kind is EventKind.PANEL_DEFERRED:
        changes["deferred"] = True
    if kind is EventKind.PLACED:
        changes["placements"] = state.placements + 1
    if state.status is Status.APPROVED and kind in (EventKind.ON_HOLD, EventKind.RESUMED):
        changes["held_on"] = on if kind is EventKind.ON_HOLD else None
        return State(**{**state.__dict__, **changes})
    status = {EventKind.ON_HOLD: Status.ON_HOLD, EventKind.RESUMED: Status.ACTIVE,
              EventKind.WITHDRAWN: Status.WITHDRAWN, EventKind.NOT_APPROVED: Status.NOT_APPROVED}.get(kind)
    if status is not None:
        changes.update(status=status, status_changed_on=on)
    return State(**{**state.__dict__, **changes})


def refusal(application, kind: EventKind, on: date, *, today: date, party=None, reason=None,
            extension_days=None, withdrawal_reason=None, imported: bool = False) -> DomainError | None:
    """Why this event may not be recorded now (about the form field named, "kind" for the event itself), or None
    if it may. An `imported` history may move on to any later stage: its tracker may not have recorded every step
    (SPEC section 2), and `unrecorded` names what is missing; live recording keeps to the route."""
    state = replay(application.events)
    problem = (_stage_refusal(application, state, kind, imported) if kind in STAGE_KINDS
               else _status_refusal(application, state, kind))
    if problem:
        return DomainError(problem, "kind")
    if on > today:
        return DomainError("The date must be today or in the past", "occurred_on")
    if state.last_date is not None and on < state.last_date:
        return DomainError(f"The date must be on or after {long_date(state.last_date)}, the date of the last event "
                           "recorded", "occurred_on")
    if kind is EventKind.WITHDRAWN:
        return _withdrawal_refusal(party, withdrawal_reason, reason)
    if kind in NEEDS_REASON and not (reason or "").strip():
        return DomainError("Give a reason", "reason")
    if kind is EventKind.TIMESCALE_EXTENDED and not (isinstance(extension_days, int) and 0 < extension_days <= 366):
        return DomainError("Give the length of the extension in days (1 to 366)", "extension_days")
    return None


def _withdrawal_refusal(party, withdrawal_reason, note) -> DomainError | None:
    if party not in tuple(WithdrawingParty):
        return DomainError("Say whether the applicant or the service withdrew", "party")
    if withdrawal_reason is None:
        return DomainError("Choose the reason for the withdrawal", "withdrawal_reason")
    if withdrawal_reason.needs_text and not (note or "").strip():
        return DomainError(f"Say what the reason was: it is needed when the reason is {withdrawal_reason.name}",
                           "reason")
    return None


def _stage_refusal(application, state: State, kind: EventKind, imported: bool = False) -> str | None:
    stage = STAGE_KINDS[kind]
    if state.stage is None:
        allowed = routes.first_stages(application.service_line_code)
        return None if stage in allowed else f"A new application starts at {_names(allowed)}"
    if kind is EventKind.ENQUIRY:
        return None if state.status not in CLOSED else "The application is closed"
    if kind is EventKind.PANEL and state.stage is Stage.PANEL and state.status is Status.ACTIVE:
        return None if state.deferred else ("The application is at panel: a second presentation follows a deferral "
                                            "(record the panel's deferral first)")
    if state.status is not Status.ACTIVE:
        return f"The application is {state.status.label.lower()}: it cannot move stage"
    allowed = routes.allowed_next(state.stage, application.service_line_code, application.fast_track)
    if stage not in allowed and not (imported and routes.is_forward(state.stage, stage)):
        return f"From {state.stage.label} the application can move only to {_names(allowed)}"
    return None


def unrecorded(application) -> dict[int, tuple[Stage, ...]]:
    """For each live event (by its position among the live events) that moved past stages its route requires, the
    stages not recorded: only an imported history has any."""
    gaps, state = {}, State()
    for index, event in enumerate(live(application.events)):
        stage = STAGE_KINDS.get(event.kind)
        if stage is not None and state.stage is not None and event.kind is not EventKind.ENQUIRY:
            missing = routes.unrecorded(state.stage, stage, application.service_line_code, application.fast_track)
            if missing:
                gaps[index] = missing
        state = _step(state, event)
    return gaps


def _status_refusal(application, state: State, kind: EventKind) -> str | None:
    if state.stage is None:
        return "The application has no first event yet"
    if state.status not in STATUS_EVENTS[kind]:
        return f"This cannot be recorded while the application is {state.status.label.lower()}"
    if kind is EventKind.NOT_APPROVED and state.stage not in (Stage.STAGE_2, Stage.PANEL):
        return "Only an application in Stage 2 or at panel can be not approved"
    if kind is EventKind.PANEL_DEFERRED and state.stage is not Stage.PANEL:
        return "Only an application at panel can be deferred"
    if kind is EventKind.PANEL_DEFERRED and state.deferred:
        return "The panel's deferral is already recorded: record the next presentation to panel first"
    if state.status is Status.APPROVED:
        return _after_approval_refusal(application, state, kind)
    return None


def _after_approval_refusal(application, state: State, kind: EventKind) -> str | None:
    """After approval (SPEC section 2): on hold and resumed; matched and placed in either order, one match; a
    fostering or early permanence household placed many times (an adoption is one placement); nothing found while
    on hold."""
    if kind is EventKind.ON_HOLD and state.held_on is not None:
        return "The household is already on hold"
    if kind is EventKind.RESUMED and state.held_on is None:
        return "The household is not on hold"
    if kind in APPROVED_AND_WAITING.ended_by and state.held_on is not None:
        return "The household is on hold: record that it resumed first"
    if kind is EventKind.MATCHED and EventKind.MATCHED in state.kinds:
        return "A match is already recorded"
    if (kind is EventKind.PLACED and state.placements
            and not APPROVED_AND_WAITING.many_placements(application.service_line_code)):
        return "A placement is already recorded: an adoption is one placement"
    return None


def _names(stages) -> str:
    labels = [stage.label for stage in stages]
    return " or ".join(labels) if labels else "nothing further"


def record(application, kind: EventKind, on: date, *, today: date, actor=None, party=None, reason=None,
           extension_days=None, withdrawal_reason=None, imported: bool = False, event_type=StageEvent) -> StageEvent:
    """Check the event against the rules, add it, and bring the application's state up to date. `event_type`: what
    to build the event as (the households import builds new applications' rows as plain objects)."""
    problem = refusal(application, kind, on, today=today, party=party, reason=reason, extension_days=extension_days,
                      withdrawal_reason=withdrawal_reason, imported=imported)
    if problem:
        raise problem
    event = event_type(kind=kind, occurred_on=on, party=WithdrawingParty(party) if party else None,
                       withdrawal_reason_id=getattr(withdrawal_reason, "id", None) if kind is EventKind.WITHDRAWN
                       else None,
                       reason=(reason or "").strip() or None, extension_days=extension_days,
                       recorded_by_id=getattr(actor, "id", None))
    application.events.append(event)
    sync(application)
    return event


def sync(application) -> None:
    """Copy the replayed state onto the application row (after an event is added or undone)."""
    state = replay(application.events)
    application.stage, application.stage_entered_on = state.stage, state.stage_entered_on
    application.status, application.status_changed_on = state.status, state.status_changed_on


def undo_last(application, *, actor, reason: str, now) -> StageEvent:
    """Mark the latest live event undone (it stays, with who undid it and why) and re-derive the state."""
    events = live(application.events)
    if not (reason or "").strip():
        raise DomainError("Give a reason for undoing", "reason")
    if len(events) < 2:
        raise DomainError("The first event of an application cannot be undone", "reason")
    event = events[-1]
    event.undone_at, event.undone_by_id, event.undo_reason = now, getattr(actor, "id", None), reason.strip()
    sync(application)
    return event


def available(application, *, today: date) -> list[EventKind]:
    """The events the rules allow next (dates and reasons aside), in a sensible order for a form."""
    state = replay(application.events)
    on = state.last_date or today
    return [kind for kind in EventKind
            if refusal(application, kind, min(on, today), today=today, party=WithdrawingParty.APPLICANT,
                       reason="-", extension_days=1, withdrawal_reason=ANY_REASON) is None]
