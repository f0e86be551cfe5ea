"""Information events: creating and cancelling them, booking households, attendance, and 1:1 consultations.

Attendance (or a consultation standing in for an event) moves the household's active enquiries to
`information_event` through the funnel's one state machine. Every change is audited and flushed; the caller
commits, or rolls back when a DomainError says why the change was refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from crm import clock
from crm.audit.services import record_event
from crm.events.models import (Attendance, AttendanceStageMove, Consultation, ConsultationMethod, EventBooking,
                               InformationEvent)
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel import services as funnel
from crm.funnel.models import StageEvent
from crm.funnel.stages import OPEN_STATUSES, Stage, Status
from crm.households.models import Household


@dataclass
class EventDetails:
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    online: bool = False
    venue: str | None = None
    joining_link: str | None = None
    service_line_code: str | None = None
    partner_authority_id: int | None = None
    notes: str | None = None


def event_problems(details: EventDetails) -> dict[str, str]:
    """Every rule a new event breaks, by form field: all shown at once, beside their fields."""
    problems = {}
    if not (details.title or "").strip():
        problems["title"] = "Enter a title"
    if details.ends_at <= details.starts_at:
        problems["end_time"] = "The end time must be after the start time"
    if not (isinstance(details.capacity, int) and details.capacity > 0):
        problems["capacity"] = "Capacity must be 1 or more"
    link = (details.joining_link or "").strip()
    if details.online and not link:
        problems["joining_link"] = "Enter the joining link for an online event"
    elif details.online and not link.startswith(("https://", "http://")):
        problems["joining_link"] = "Enter the joining link as a web address, like https://meet.example.org/abc"
    if not details.online and not (details.venue or "").strip():
        problems["venue"] = "Enter the venue address for an in-person event"
    return problems


def create_event(details: EventDetails, *, actor) -> InformationEvent:
    problems = event_problems(details)
    if problems:
        raise DomainError.several(problems.items())
    event = InformationEvent(
        title=details.title.strip(), starts_at=details.starts_at, ends_at=details.ends_at, capacity=details.capacity,
        online=details.online, venue=None if details.online else details.venue.strip(),
        joining_link=details.joining_link.strip() if details.online else None,
        service_line_code=details.service_line_code, partner_authority_id=details.partner_authority_id,
        notes=(details.notes or "").strip() or None, created_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    _audit("information_event_created", actor, "information_event", event.id,
           {"starts_at": event.starts_at.isoformat(), "capacity": event.capacity})
    return event


def cancel_event(event: InformationEvent, *, actor, now: datetime | None = None) -> None:
    """Cancel an event that has not taken place; its bookings stay, to show who needs telling."""
    if event.cancelled_at is not None:
        raise DomainError("The event is already cancelled")
    if any(b.attendance is not Attendance.NOT_RECORDED for b in _active(event)):
        raise DomainError("Attendance has been recorded for this event: it took place, so it cannot be cancelled")
    event.cancelled_at, event.cancelled_by_id = now or clock.now(), actor.id
    db.session.flush()
    _audit("information_event_cancelled", actor, "information_event", event.id, {"bookings": len(_active(event))})


def booked_count(event_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(EventBooking).where(
        EventBooking.event_id == event_id, EventBooking.cancelled_at.is_(None)))


def open_service_lines(household: Household) -> set[str]:
    return {a.service_line_code for a in household.applications if a.status in OPEN_STATUSES}


def book(event: InformationEvent, household: Household, *, actor, now: datetime | None = None) -> EventBooking:
    """A place for the household, if the event is on, not over, for its service lines, and not full.

    The event row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers), so two
    officers booking the last place at once cannot both have it.
    """
    event = _locked(event.id)
    now = now or clock.now()
    _check_bookable(event, household, now)
    booking = db.session.scalar(select(EventBooking).where(EventBooking.event_id == event.id,
                                                           EventBooking.household_id == household.id))
    if booking is not None and booking.cancelled_at is None:
        raise DomainError(f"{household.reference} is already booked onto this event", "event")
    if booked_count(event.id) >= event.capacity:
        raise DomainError(f"The event is full: all {event.capacity} places are booked", "event")
    if booking is None:
        booking = EventBooking(event=event, household_id=household.id)
        db.session.add(booking)
    booking.booked_by_id, booking.booked_at, booking.cancelled_at, booking.cancelled_by_id = actor.id, now, None, None
    booking.attendance = Attendance.NOT_RECORDED
    db.session.flush()
    _audit("event_booking_created", actor, "household", household.id, {"event_id": event.id, "booking_id": booking.id})
    return booking


def _locked(event_id: int) -> InformationEvent:
    query = (select(InformationEvent).where(InformationEvent.id == event_id).with_for_update()
             .execution_options(populate_existing=True))
    return db.session.scalars(query).one()


def _check_bookable(event: InformationEvent, household: Household, now: datetime) -> None:
    if event.cancelled_at is not None:
        raise DomainError("This event has been cancelled: it cannot be booked", "event")
    if event.ends_at <= now:
        raise DomainError("This event has finished: it can no longer be booked", "event")
    if event.service_line_code and event.service_line_code not in open_service_lines(household):
        raise DomainError(f"This event is for {event.service_line.name}: {household.reference} has no open "
                          "application for it", "event")


def cancel_booking(booking: EventBooking, *, actor, now: datetime | None = None) -> None:
    """Free the place; a booking whose attendance is recorded is part of the history and stays."""
    if booking.cancelled_at is not None:
        raise DomainError("The booking is already cancelled")
    if booking.attendance is not Attendance.NOT_RECORDED:
        raise DomainError("Attendance has been recorded for this booking: it cannot be cancelled")
    booking.cancelled_at, booking.cancelled_by_id = now or clock.now(), actor.id
    db.session.flush()
    _audit("event_booking_cancelled", actor, "household", booking.household_id,
           {"event_id": booking.event_id, "booking_id": booking.id})


@dataclass(frozen=True)
class AttendanceResult:
    attended: int
    did_not_attend: int
    moved: int  # applications moved to information_event


def booking_label(booking: EventBooking, visible: set[int] | None = None) -> str:
    """A booking as a user sees it: the household's reference if they may open the household (`visible`: the ids
    they may; None for everyone), else only "Booking N"."""
    if visible is None or booking.household_id in visible:
        return booking.household.reference
    return f"Booking {booking.id}"


def record_attendance(event: InformationEvent, attended_ids, *, actor, now: datetime | None = None,
                      today: date | None = None, visible: set[int] | None = None) -> AttendanceResult:
    """Attended for the bookings chosen, did not attend for the others; attendance moves enquiries on. Messages
    name a booking by `booking_label(booking, visible)`."""
    now = now or clock.now()
    _check_recordable(event, now)
    bookings = _active(event)
    chosen = {int(i) for i in attended_ids}
    if chosen - {b.id for b in bookings}:
        raise DomainError("Choose only from the bookings listed", "attended")
    moved = 0
    for booking in bookings:
        attendance = Attendance.ATTENDED if booking.id in chosen else Attendance.DID_NOT_ATTEND
        moved += len(set_attendance(booking, attendance, actor=actor, now=now, today=today, visible=visible))
    attended = sum(1 for b in bookings if b.id in chosen)
    return AttendanceResult(attended, len(bookings) - attended, moved)


def set_attendance(booking: EventBooking, attendance: Attendance, *, actor, now: datetime | None = None,
                   today: date | None = None, visible: set[int] | None = None) -> list[StageEvent]:
    """Record one booking's attendance; returns the stage events it caused. Unchanged attendance is left be."""
    event, now = booking.event, now or clock.now()
    _check_recordable(event, now)
    if booking.cancelled_at is not None:
        raise DomainError(f"The booking of {booking_label(booking, visible)} was cancelled", "attended")
    if booking.attendance is attendance:
        return []
    if booking.attendance is Attendance.ATTENDED and live_moves(booking):
        raise DomainError(_undo_first_message(booking, visible), "attended")
    booking.attendance = attendance
    booking.attended_on = event.on if attendance is Attendance.ATTENDED else None
    booking.recorded_by_id, booking.recorded_at = actor.id, now
    moved = []
    if attendance is Attendance.ATTENDED:
        moved = _move_enquiries(booking.household, event.on, event.service_line_code, actor=actor, today=today,
                                date_field="attended", label=booking_label(booking, visible))
        db.session.add_all(AttendanceStageMove(stage_event=e, booking=booking) for e in moved)
    db.session.flush()
    _audit("event_attendance_recorded", actor, "household", booking.household_id,
           {"event_id": event.id, "booking_id": booking.id, "attendance": attendance.value,
            "moved_applications": [e.application_id for e in moved]})
    return moved


def _check_recordable(event: InformationEvent, now: datetime) -> None:
    if event.cancelled_at is not None:
        raise DomainError("The event was cancelled: there is no attendance to record", "attended")
    if event.starts_at > now:
        raise DomainError(f"Attendance can be recorded once the event has started, at {event.starts_text}", "attended")


def live_moves(record) -> list[AttendanceStageMove]:
    """The stage moves an attendance or consultation caused that a manager has not undone."""
    return [m for m in record.moves if m.stage_event.undone_at is None]


def _undo_first_message(booking: EventBooking, visible: set[int] | None) -> str:
    lines = ", ".join(sorted(m.stage_event.application.service_line.name for m in live_moves(booking)))
    return (f"{booking_label(booking, visible)} attended, and that moved their {lines} application to Information "
            "event. Ask a manager to undo that stage change on the household page first; then record that they "
            "did not attend.")


def _move_enquiries(household: Household, on: date, service_line_code: str | None, *, actor, today: date | None,
                    date_field: str, label: str | None = None) -> list[StageEvent]:
    """Move each active application still at enquiry (of the service line, if one is given) to information_event.
    A refusal names the household by `label` (default: its reference)."""
    moved = []
    for application in household.applications:
        if application.status is not Status.ACTIVE or application.stage is not Stage.ENQUIRY:
            continue
        if service_line_code and application.service_line_code != service_line_code:
            continue
        try:
            moved.append(funnel.advance(application, Stage.INFORMATION_EVENT, on, actor=actor,
                                        today=today or clock.today()))
        except DomainError as error:
            message = f"{label or household.reference}, {application.service_line.name} application: {error}"
            raise DomainError(message, date_field) from error
    return moved


@dataclass
class ConsultationDetails:
    method: ConsultationMethod
    held_on: date
    held_by_id: int | None
    service_line_code: str | None = None
    notes: str | None = None


def record_consultation(household: Household, details: ConsultationDetails, *, actor,
                        today: date | None = None) -> Consultation:
    """A 1:1 consultation that stands in for an information event, moving enquiries on like attendance."""
    today = today or clock.today()
    if details.held_on > today:
        raise DomainError("The date of the consultation must be today or in the past", "held_on")
    if details.service_line_code and details.service_line_code not in open_service_lines(household):
        raise DomainError("Choose one of the household's open applications", "service_line")
    consultation = Consultation(household_id=household.id, method=ConsultationMethod(details.method),
                                held_on=details.held_on, held_by_id=details.held_by_id,
                                service_line_code=details.service_line_code,
                                notes=(details.notes or "").strip() or None, recorded_by_id=actor.id)
    db.session.add(consultation)
    db.session.flush()
    moved = _move_enquiries(household, details.held_on, details.service_line_code, actor=actor, today=today,
                            date_field="held_on")
    db.session.add_all(AttendanceStageMove(stage_event=e, consultation=consultation) for e in moved)
    db.session.flush()
    _audit("consultation_recorded", actor, "household", household.id,
           {"consultation_id": consultation.id, "method": consultation.method.value,
            "moved_applications": [e.application_id for e in moved]})
    return consultation


def _active(event: InformationEvent) -> list[EventBooking]:
    return [b for b in event.bookings if b.cancelled_at is None]


def _audit(action: str, actor, object_type: str, object_id, detail: dict) -> None:
    record_event(db.session, action, actor=actor, object_type=object_type, object_id=object_id, detail=detail)
