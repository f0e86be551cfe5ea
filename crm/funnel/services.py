"""Recording an application's stages and status changes; every path (views, import, API) comes here.

Each operation checks the rules through the state machine, audits, flushes, and leaves the commit to the caller.
"""
from __future__ import annotations

from datetime import date

from crm import clock
from crm.audit.services import record_event
from crm.auth.roles import Role
from crm.checks import services as checks, withdrawal
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel import machine
from crm.funnel.models import StageEvent
from crm.funnel.reasons import services as reasons
from crm.funnel.stages import EventKind, Stage, WithdrawingParty
from crm.funnel.terms import APPROVED_AND_WAITING
from crm.households.models import Application, Household

__all__ = ["open_application", "record", "advance", "hold", "resume", "withdraw",
           "decide_not_approved", "defer_at_panel", "record_found_family", "extend_timescale", "undo"]


def open_application(household: Household, service_line_code: str, on: date, *, actor,
                     stage: Stage = Stage.ENQUIRY, fast_track: bool = False, today: date | None = None) -> Application:
    """A new application to one service line, opened with its first stage event."""
    if any(a.service_line_code == service_line_code for a in household.applications):
        raise DomainError("The household already has an application for this service line", "service_line")
    application = Application(service_line_code=service_line_code, fast_track=fast_track)
    application.events = []
    machine.record(application, EventKind(stage.value), on, today=today or clock.today(), actor=actor)
    household.applications.append(application)
    db.session.flush()
    _audit(application, "application_opened", actor, {"stage": stage.value, "on": on.isoformat()})
    return application


def record(application: Application, kind: EventKind, on: date, *, actor, today: date | None = None,
           **details) -> StageEvent:
    """Record one event (a stage entered, or a status or milestone event) if the rules allow it. A withdrawal given
    only a reason's text has it matched to the list (crm.funnel.reasons.services.match)."""
    text = (details.get("reason") or "").strip()
    if kind is EventKind.WITHDRAWN and details.get("withdrawal_reason") is None and text:
        details["withdrawal_reason"], details["reason"] = reasons.from_text(text)
    event = machine.record(application, kind, on, today=today or clock.today(), actor=actor, **details)
    db.session.flush()
    _audit(application, "stage_event_recorded", actor, {"kind": kind.value, "on": on.isoformat(),
                                                        **_reason_detail(details.get("withdrawal_reason"))})
    checks.on_stage_entered(application, kind, on, actor=actor)
    return event


def advance(application: Application, to_stage: Stage, on: date, *, actor, today: date | None = None) -> StageEvent:
    return record(application, EventKind(to_stage.value), on, actor=actor, today=today)


def hold(application, on, reason, *, actor, today=None):
    return record(application, EventKind.ON_HOLD, on, actor=actor, today=today, reason=reason)


def resume(application, on, *, actor, today=None):
    return record(application, EventKind.RESUMED, on, actor=actor, today=today)


def withdraw(application, on, party: WithdrawingParty | str, reason, *, actor, today=None, withdrawal_reason=None):
    """`reason` is the note, or (with no `withdrawal_reason`) text matched to the list."""
    return record(application, EventKind.WITHDRAWN, on, actor=actor, today=today, party=party, reason=reason,
                  withdrawal_reason=withdrawal_reason)


def decide_not_approved(application, on, reason, *, actor, today=None):
    return record(application, EventKind.NOT_APPROVED, on, actor=actor, today=today, reason=reason)


def defer_at_panel(application, on, reason, *, actor, today=None):
    return record(application, EventKind.PANEL_DEFERRED, on, actor=actor, today=today, reason=reason)


def record_found_family(application, on, *, actor, today=None):
    """The match (adoption) or first placement (fostering) that ends 'approved and waiting'."""
    kind = APPROVED_AND_WAITING.ending_kind(application.service_line_code)
    return record(application, kind, on, actor=actor, today=today)


def extend_timescale(application, on, days: int, reason, *, actor, today=None):
    return record(application, EventKind.TIMESCALE_EXTENDED, on, actor=actor, today=today,
                  reason=reason, extension_days=days)


def undo(application: Application, reason: str, *, actor) -> StageEvent:
    """A manager undoes the latest event; it stays in the history, marked, with who and why."""
    if not actor.has_any_role({Role.MANAGER}):
        raise DomainError("Only a manager can undo a recorded event")
    event = machine.undo_last(application, actor=actor, reason=reason, now=clock.now())
    db.session.flush()
    _audit(application, "stage_event_undone", actor, {"kind": event.kind.value, "event_id": event.id})
    withdrawal.on_event_undone(application, actor=actor, reason=event.undo_reason)
    return event


def _reason_detail(withdrawal_reason) -> dict:
    return {"withdrawal_reason": withdrawal_reason.name} if withdrawal_reason is not None else {}


def _audit(application: Application, action: str, actor, detail: dict) -> None:
    record_event(db.session, action, actor=actor, object_type="application", object_id=application.id, detail=detail)
