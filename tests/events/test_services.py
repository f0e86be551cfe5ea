"""Events services against the real database: capacity, attendance and consultations moving the funnel."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.events import queries, services
from crm.events.models import Attendance, AttendanceStageMove, Consultation, ConsultationMethod, EventBooking
from crm.events.services import ConsultationDetails
from crm.funnel import services as funnel
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from tests.events.helpers import enquiring_household, household_at, make_event, past_event
from tests.factories import UserFactory


@pytest.fixture
def officer(app_context):
    return UserFactory(roles=[Role.RECRUITMENT_OFFICER])


def stages(household) -> dict[str, Stage]:
    return {a.service_line_code: a.stage for a in household.applications}


def test_bookings_never_exceed_capacity_and_a_cancelled_booking_frees_a_place(officer):
    event = make_event(officer, capacity=2)
    first, second, third = (enquiring_household(officer) for _ in range(3))
    booking = services.book(event, first, actor=officer)
    services.book(event, second, actor=officer)
    with pytest.raises(DomainError, match="The event is full: all 2 places are booked"):
        services.book(event, third, actor=officer)
    assert services.booked_count(event.id) == 2

    services.cancel_booking(booking, actor=officer)
    assert services.booked_count(event.id) == 1
    services.book(event, third, actor=officer)
    assert services.booked_count(event.id) == 2
    with pytest.raises(DomainError, match="full"):
        services.book(event, first, actor=officer)  # re-booking the cancelled place once it is taken


def test_a_cancelled_booking_can_be_booked_again_on_the_same_row(officer, db_session):
    event = make_event(officer, capacity=1)
    household = enquiring_household(officer)
    booking = services.book(event, household, actor=officer)
    services.cancel_booking(booking, actor=officer)
    again = services.book(event, household, actor=officer)
    assert again.id == booking.id and again.cancelled_at is None
    assert db_session.scalar(select(func.count()).select_from(EventBooking)) == 1


@pytest.mark.parametrize("case, message", [
    ("cancelled", "has been cancelled"),
    ("finished", "has finished"),
    ("twice", "already booked"),
    ("other_line", "This event is for Fostering"),
])
def test_bookings_the_rules_refuse(officer, db_session, case, message):
    line = "fostering_mainstream" if case == "other_line" else None
    event = past_event(officer) if case == "finished" else make_event(officer, service_line_code=line)
    household = enquiring_household(officer, "adoption")
    if case == "cancelled":
        services.cancel_event(event, actor=officer)
    if case == "twice":
        services.book(event, household, actor=officer)
    with pytest.raises(DomainError, match=message):
        services.book(event, household, actor=officer)
    assert db_session.scalar(select(func.count()).select_from(EventBooking)) == (1 if case == "twice" else 0)


def test_attendance_moves_enquiries_through_the_machine_and_leaves_later_stages_alone(officer, db_session):
    event = past_event(officer)
    enquirer = enquiring_household(officer, "adoption", "fostering_mainstream")
    in_stage_one = household_at(Stage.STAGE_1)
    absent = enquiring_household(officer)
    bookings = [services.book(event, h, actor=officer, now=event.starts_at - timedelta(days=1))
                for h in (enquirer, in_stage_one, absent)]

    result = services.record_attendance(event, [bookings[0].id, bookings[1].id], actor=officer)

    assert (result.attended, result.did_not_attend, result.moved) == (2, 1, 2)
    assert stages(enquirer) == {"adoption": Stage.INFORMATION_EVENT, "fostering_mainstream": Stage.INFORMATION_EVENT}
    assert all(a.stage_entered_on == event.on for a in enquirer.applications)
    assert stages(in_stage_one) == {"adoption": Stage.STAGE_1}
    assert stages(absent) == {"adoption": Stage.ENQUIRY}
    assert [b.attendance for b in bookings] == [Attendance.ATTENDED, Attendance.ATTENDED, Attendance.DID_NOT_ATTEND]
    assert [b.attended_on for b in bookings] == [event.on, event.on, None]
    moved = db_session.scalars(select(AttendanceStageMove.booking_id)).all()
    assert moved == [bookings[0].id, bookings[0].id]
    recorded = db_session.scalars(select(StageEvent).where(
        StageEvent.kind == EventKind.INFORMATION_EVENT,
        StageEvent.application_id.in_([a.id for a in enquirer.applications]))).all()  # Stage 1's history has one too
    assert {(e.occurred_on, e.recorded_by_id) for e in recorded} == {(event.on, officer.id)}
    audited = db_session.scalars(select(AuditEvent.action).where(AuditEvent.action == "event_attendance_recorded"))
    assert len(audited.all()) == 3


def test_attendance_respects_the_events_service_line(officer):
    event = past_event(officer, service_line_code="fostering_mainstream")
    household = enquiring_household(officer, "adoption", "fostering_mainstream")
    booking = services.book(event, household, actor=officer, now=event.starts_at - timedelta(days=1))
    services.record_attendance(event, [booking.id], actor=officer)
    assert stages(household) == {"adoption": Stage.ENQUIRY, "fostering_mainstream": Stage.INFORMATION_EVENT}


def test_an_application_on_hold_is_not_moved(officer):
    event = past_event(officer)
    household = enquiring_household(officer)
    funnel.hold(household.applications[0], clock.today() - timedelta(days=10), "Moving house", actor=officer)
    booking = services.book(event, household, actor=officer, now=event.starts_at - timedelta(days=1))
    assert services.record_attendance(event, [booking.id], actor=officer).moved == 0
    assert (household.applications[0].stage, household.applications[0].status) == (Stage.ENQUIRY, Status.ON_HOLD)


def test_attendance_before_the_event_starts_is_refused(officer):
    event = make_event(officer, starts_in=timedelta(hours=3))
    household = enquiring_household(officer)
    booking = services.book(event, household, actor=officer)
    with pytest.raises(DomainError, match="once the event has started") as refused:
        services.record_attendance(event, [booking.id], actor=officer)
    assert refused.value.field == "attended"
    assert booking.attendance is Attendance.NOT_RECORDED
    assert stages(household) == {"adoption": Stage.ENQUIRY}


def test_a_refusal_by_the_machine_becomes_a_clear_message(officer):
    event = past_event(officer)
    late = enquiring_household(officer, enquired_on=clock.today())  # enquired after the event took place
    booking = services.book(event, late, actor=officer, now=event.starts_at - timedelta(days=1))
    with pytest.raises(DomainError, match=f"{late.reference}, Adoption application: The date must be on or after"):
        services.record_attendance(event, [booking.id], actor=officer)


def test_attended_back_to_did_not_attend_waits_for_a_managers_undo(officer):
    manager = UserFactory(roles=[Role.MANAGER])
    event = past_event(officer)
    household = enquiring_household(officer)
    booking = services.book(event, household, actor=officer, now=event.starts_at - timedelta(days=1))
    services.record_attendance(event, [booking.id], actor=officer)
    with pytest.raises(DomainError, match="Ask a manager to undo that stage change"):
        services.record_attendance(event, [], actor=officer)
    assert booking.attendance is Attendance.ATTENDED

    funnel.undo(household.applications[0], "Did not come after all", actor=manager)
    result = services.record_attendance(event, [], actor=officer)
    assert (result.attended, result.did_not_attend) == (0, 1)
    assert (booking.attendance, booking.attended_on) == (Attendance.DID_NOT_ATTEND, None)
    assert stages(household) == {"adoption": Stage.ENQUIRY}


def test_an_event_with_attendance_cannot_be_cancelled(officer):
    event = past_event(officer)
    booking = services.book(event, enquiring_household(officer), actor=officer, now=event.starts_at - timedelta(days=1))
    services.record_attendance(event, [booking.id], actor=officer)
    with pytest.raises(DomainError, match="it took place"):
        services.cancel_event(event, actor=officer)
    with pytest.raises(DomainError, match="cannot be cancelled"):
        services.cancel_booking(booking, actor=officer)


def test_a_consultation_moves_enquiries_and_is_recorded_as_such(officer, db_session):
    household = enquiring_household(officer, "adoption", "early_permanence")
    stage_one = household_at(Stage.STAGE_1)
    held_on = clock.today() - timedelta(days=3)
    consultation = services.record_consultation(household, ConsultationDetails(
        ConsultationMethod.PHONE, held_on, officer.id, service_line_code="adoption", notes="Asked about fees"),
        actor=officer)
    services.record_consultation(stage_one, ConsultationDetails(ConsultationMethod.VIDEO, held_on, officer.id),
                                 actor=officer)
    assert stages(household) == {"adoption": Stage.INFORMATION_EVENT, "early_permanence": Stage.ENQUIRY}
    assert household.applications[0].stage_entered_on == held_on
    assert [m.consultation_id for m in consultation.moves] == [consultation.id]
    assert stages(stage_one) == {"adoption": Stage.STAGE_1}
    assert db_session.scalar(select(func.count()).select_from(Consultation)) == 2


def test_a_consultation_in_the_future_is_refused(officer, db_session):
    household = enquiring_household(officer)
    with pytest.raises(DomainError, match="today or in the past") as refused:
        services.record_consultation(household, ConsultationDetails(
            ConsultationMethod.IN_PERSON, clock.today() + timedelta(days=1), officer.id), actor=officer)
    assert refused.value.field == "held_on"
    assert db_session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_reports_can_tell_events_from_consultations_by_date(officer, db_session):
    event = past_event(officer)
    attended, consulted = enquiring_household(officer), enquiring_household(officer)
    booking = services.book(event, attended, actor=officer, now=event.starts_at - timedelta(days=1))
    services.record_attendance(event, [booking.id], actor=officer)
    held_on = clock.today() - timedelta(days=1)
    services.record_consultation(consulted, ConsultationDetails(ConsultationMethod.PHONE, held_on, officer.id),
                                 actor=officer)
    rows = queries.attendances()
    found = db_session.execute(select(rows.c.household_id, rows.c.on, rows.c.source, rows.c.event_id)
                               .order_by(rows.c.source)).all()
    assert [tuple(r) for r in found] == [(consulted.id, held_on, "consultation", None),
                                         (attended.id, event.on, "information_event", event.id)]


def test_event_times_are_kept_in_utc_and_shown_in_london(officer):
    summer = make_event(officer, starts_in=timedelta(days=1))
    summer.starts_at = clock.now().replace(year=2027, month=7, day=1, hour=18, minute=0, second=0, microsecond=0)
    assert summer.starts_local.hour == 19 and summer.on.isoformat() == "2027-07-01"
    assert summer.starts_text == "7pm on 1 July 2027"


def test_attendance_messages_name_a_household_beyond_the_users_caseload_only_by_its_booking(officer):
    manager = UserFactory(roles=[Role.MANAGER])
    event = past_event(officer)
    late = enquiring_household(officer, enquired_on=clock.today())
    booking = services.book(event, late, actor=officer, now=event.starts_at - timedelta(days=1))
    with pytest.raises(DomainError, match=f"^Booking {booking.id}, Adoption application: ") as refused:
        services.record_attendance(event, [booking.id], actor=officer, visible=set())
    assert late.reference not in str(refused.value)

    came = enquiring_household(officer)
    attended = services.book(event, came, actor=officer, now=event.starts_at - timedelta(days=1))
    services.record_attendance(event, [attended.id], actor=manager, visible={came.id})
    with pytest.raises(DomainError, match=f"^Booking {attended.id} attended, and that moved") as undo_first:
        services.record_attendance(event, [], actor=officer, visible=set())
    assert came.reference not in str(undo_first.value)
