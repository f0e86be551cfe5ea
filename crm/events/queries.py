"""Reading information events, bookings and consultations: the events pages, the household page, and reports."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from crm.auth.models import User, UserRole
from crm import clock
from crm.auth.roles import Role
from crm.events.models import Attendance, AttendanceStageMove, Consultation, EventBooking, InformationEvent
from crm.events.services import open_service_lines
from crm.extensions import db
from crm.formatting import long_date
from crm.funnel.models import StageEvent
from crm.households.models import Household
from crm.households.visibility import visible_households

PAST_EVENTS_SHOWN = 50


@dataclass(frozen=True)
class EventRow:
    event: InformationEvent
    booked: int

    @property
    def full(self) -> bool:
        return self.booked >= self.event.capacity

    @property
    def places_left(self) -> int:
        return max(self.event.capacity - self.booked, 0)


def _booked():
    """An event's live bookings, counted for each event listed (by uq_event_bookings_event_id_household_id): a
    grouped count joined to the events counted every booking there has ever been, on every household page."""
    return (select(func.count()).where(EventBooking.event_id == InformationEvent.id, EventBooking.cancelled_at.is_(None))
            .correlate(InformationEvent).scalar_subquery())


def _event_rows(*where, order_by, limit: int | None = None) -> list[EventRow]:
    query = (select(InformationEvent, _booked()).where(*where)
             .options(selectinload(InformationEvent.service_line)).order_by(*order_by).limit(limit))
    return [EventRow(event, booked) for event, booked in db.session.execute(query)]


def upcoming_events(now: datetime) -> list[EventRow]:
    """Events not yet over, soonest first (cancelled ones too, marked, so nobody re-creates them by mistake)."""
    return _event_rows(InformationEvent.ends_at > now, order_by=(InformationEvent.starts_at, InformationEvent.id))


def past_events(now: datetime) -> list[EventRow]:
    return _event_rows(InformationEvent.ends_at <= now, order_by=(InformationEvent.starts_at.desc(),),
                       limit=PAST_EVENTS_SHOWN)


def bookable_events(household: Household, now: datetime) -> list[EventRow]:
    """Events the household could be booked onto now: on, not yet over (a walk-in at tonight's event is booked
    while it runs), for its service lines, with space."""
    lines = open_service_lines(household)
    already = select(EventBooking.event_id).where(EventBooking.household_id == household.id,
                                                  EventBooking.cancelled_at.is_(None))
    rows = _event_rows(InformationEvent.cancelled_at.is_(None), InformationEvent.ends_at > now,
                       or_(InformationEvent.service_line_code.is_(None), InformationEvent.service_line_code.in_(lines)),
                       InformationEvent.id.not_in(already), order_by=(InformationEvent.starts_at, InformationEvent.id))
    return [row for row in rows if not row.full]


def event_page(event_id: int) -> InformationEvent | None:
    query = (select(InformationEvent).where(InformationEvent.id == event_id)
             .options(selectinload(InformationEvent.bookings).selectinload(EventBooking.household)
                      .selectinload(Household.people),
                      selectinload(InformationEvent.bookings).selectinload(EventBooking.recorded_by)))
    return db.session.scalar(query)


def visible_household_ids(user, household_ids) -> set[int]:
    """Of these households, the ones this user may open (the rest are shown as bookings only, without their reference)."""
    ids = set(household_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Household.id).where(Household.id.in_(ids), visible_households(user))))


def household_bookings(household_id: int) -> list[EventBooking]:
    query = (select(EventBooking).join(EventBooking.event).where(EventBooking.household_id == household_id)
             .options(selectinload(EventBooking.event), selectinload(EventBooking.booked_by),
                      selectinload(EventBooking.recorded_by), selectinload(EventBooking.cancelled_by))
             .order_by(InformationEvent.starts_at.desc()))
    return list(db.session.scalars(query))


def household_consultations(household_id: int) -> list[Consultation]:
    query = (select(Consultation).where(Consultation.household_id == household_id)
             .options(selectinload(Consultation.held_by), selectinload(Consultation.recorded_by))
             .order_by(Consultation.held_on.desc(), Consultation.id.desc()))
    return list(db.session.scalars(query))


def staff_choices(team_ids: list[int]) -> list[tuple[str, str]]:
    """Who may have held a consultation: active staff who work with households, of these teams or of none (a
    manager over every team), as (id, name) choices. Plain columns, not Users. At national scale the whole staff
    is thousands of names: unusable as a drop-down, and drawing it was most of an officer's household page."""
    roles = (Role.RECRUITMENT_OFFICER, Role.MANAGER, Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER)
    holders = select(UserRole.user_id).where(UserRole.role.in_(roles))
    rows = db.session.execute(select(User.id, User.full_name)
                              .where(User.active.is_(True), User.id.in_(holders),
                                     User.team_id.in_(team_ids) | User.team_id.is_(None))
                              .order_by(User.full_name, User.id))
    return [(str(user_id), full_name) for user_id, full_name in rows]


@dataclass(frozen=True)
class Activity:
    """One line of the household's information-events timeline."""

    title: str
    byline: str | None
    on: date
    at: datetime  # for ordering, newest first
    detail: str | None = None


def household_activity(bookings: list[EventBooking], consultations: list[Consultation]) -> list[Activity]:
    """Bookings, attendance, cancellations and consultations, newest first, with who and when."""
    items = []
    for booking in bookings:
        event = booking.event
        items.append(Activity(f"Booked onto {event.title}", _name(booking.booked_by), clock.london_date(booking.booked_at),
                              booking.booked_at, event.when_text))
        if booking.cancelled_at:
            items.append(Activity(f"Booking cancelled: {event.title}", _name(booking.cancelled_by),
                                  clock.london_date(booking.cancelled_at), booking.cancelled_at))
        if booking.attendance is not Attendance.NOT_RECORDED:
            items.append(Activity(f"{booking.attendance.label}: {event.title}", _name(booking.recorded_by), event.on,
                                  booking.recorded_at, f"Recorded {long_date(clock.london_date(booking.recorded_at))}"))
    for consultation in consultations:
        items.append(Activity(f"1:1 consultation ({consultation.method.label.lower()})", _name(consultation.held_by),
                              consultation.held_on, consultation.recorded_at, consultation.notes))
    return sorted(items, key=lambda item: (item.on, item.at), reverse=True)


def stage_move_sources(application_ids) -> dict[int, str]:
    """For the application histories: stage event id -> the event or consultation that caused the move."""
    ids = list(application_ids)
    if not ids:
        return {}
    query = (select(AttendanceStageMove).join(AttendanceStageMove.stage_event).where(StageEvent.application_id.in_(ids))
             .options(selectinload(AttendanceStageMove.booking).selectinload(EventBooking.event),
                      selectinload(AttendanceStageMove.consultation)))
    return {move.stage_event_id: _source_text(move) for move in db.session.scalars(query)}


def _source_text(move: AttendanceStageMove) -> str:
    if move.booking is not None:
        return f"Attended {move.booking.event.title} ({long_date(move.booking.event.on)})."
    return f"1:1 consultation ({move.consultation.method.label.lower()}), recorded as such."


def attendances():
    """Every attendance, one row each: household_id, on, source ('information_event' or 'consultation'),
    event_id (null for a consultation), service_line_code (null: all lines). For the reports (issues 7, 8)."""
    attended = select(EventBooking.household_id, EventBooking.attended_on.label("on"),
                      literal("information_event").label("source"), EventBooking.event_id,
                      InformationEvent.service_line_code).join(EventBooking.event).where(
        EventBooking.attendance == Attendance.ATTENDED, EventBooking.cancelled_at.is_(None))
    consulted = select(Consultation.household_id, Consultation.held_on.label("on"),
                       literal("consultation").label("source"), literal(None).label("event_id"),
                       Consultation.service_line_code)
    return union_all(attended, consulted).subquery("attendances")


def _name(user) -> str | None:
    return user.full_name if user is not None else None
