"""`crm demo load` and `crm users create`, through the real command line."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.auth.models import User
from crm.auth.roles import Role
from crm.demo.services import load_demo
from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage
from crm.households.models import Application, Household, Person

TODAY = date(2026, 11, 23)


def snapshot() -> list[tuple]:
    rows = db.session.execute(
        select(Household.reference, Person.first_name, Person.last_name, Application.stage, Application.stage_entered_on)
        .join(Person.household).join(Application, Application.household_id == Household.id)
        .order_by(Household.reference, Person.id))
    return [tuple(row) for row in rows]


def test_demo_is_deterministic_for_a_seed(app_context):
    first = db.session.begin_nested()
    load_demo(seed=7, households=25, today=TODAY)
    one = snapshot()
    first.rollback()
    second = db.session.begin_nested()
    load_demo(seed=7, households=25, today=TODAY)
    assert snapshot() == one
    second.rollback()
    load_demo(seed=8, households=25, today=TODAY)
    assert snapshot() != one


def test_demo_histories_are_possible(app_context):
    load_demo(seed=3, households=200, today=TODAY)
    stages = {stage for stage, in db.session.execute(select(Application.stage))}
    assert len(stages) >= 7  # spread over the funnel
    assert db.session.scalar(select(func.count(func.distinct(Application.service_line_code)))) == 4
    contacts = db.session.scalar(select(func.count()).select_from(EnquiryContact))
    assert 200 <= contacts < 400  # one per household, and some repeat contacts
    for application in db.session.scalars(select(Application)):
        stage_events = [e for e in application.events if e.kind.value in {s.value for s in Stage}]
        dates = [e.occurred_on for e in stage_events]
        assert dates == sorted(dates) and dates[-1] <= TODAY
        assert stage_events[-1].kind == EventKind(application.stage.value)
        assert application.stage_entered_on == stage_events[-1].occurred_on
        assert application.household.first_enquiry_on == stage_events[0].occurred_on
        if application.fast_track:
            assert not {EventKind.STAGE_1, EventKind.STAGE_1_COMPLETED} & {e.kind for e in stage_events}


def test_demo_load_command_refuses_a_database_with_users(runner, db_session):
    result = runner.invoke(args=["demo", "load", "--households", "12", "--seed", "1", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "Loaded 12 demo households" in result.output and "manager@hearth.example" in result.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0 and "already has users" in again.output
    assert db_session.scalar(select(func.count()).select_from(Household)) == 12
    assert db_session.scalar(select(func.count()).select_from(StageEvent)) >= 12


def test_users_create_command(runner, db_session):
    result = runner.invoke(args=["users", "create", "sam.worker@hearth.example", "--name", "Sam Worker",
                                 "--role", "stage_one_worker", "--role", "manager", "--team", "Stage 1",
                                 "--password", "marmalade teapot lighthouse"])
    assert result.exit_code == 0, result.output
    user = db_session.scalars(select(User).where(User.email == "sam.worker@hearth.example")).one()
    assert user.roles == {Role.STAGE_ONE_WORKER, Role.MANAGER} and user.team.name == "Stage 1"


def test_users_create_refuses_a_weak_password_and_stores_nothing(runner, db_session):
    result = runner.invoke(args=["users", "create", "weak@hearth.example", "--name", "Weak",
                                                "--role", "manager", "--password", "password1234"])
    assert result.exit_code != 0 and "common password" in result.output
    assert db_session.scalar(select(User).where(User.email == "weak@hearth.example")) is None


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "x@hearth.example", "--name", "X",
                                                "--role", "superuser", "--password", "marmalade teapot lighthouse"])
    assert result.exit_code != 0 and "superuser" in result.output


def test_every_demo_information_event_stage_has_the_attendance_or_consultation_behind_it(app_context, travel):
    from crm.events.models import Attendance, AttendanceStageMove, EventBooking, InformationEvent

    now = travel(TODAY)
    load_demo(seed=4, households=150, today=TODAY)
    moves = db.session.scalars(select(StageEvent).where(StageEvent.kind == EventKind.INFORMATION_EVENT)).all()
    assert moves
    for move in moves:
        source = db.session.scalar(select(AttendanceStageMove).where(AttendanceStageMove.stage_event_id == move.id))
        assert source is not None
        if source.booking is not None:
            assert source.booking.attendance is Attendance.ATTENDED
            assert source.booking.attended_on == move.occurred_on == source.booking.event.starts_at.date()
        else:
            assert source.consultation.held_on == move.occurred_on
    upcoming = db.session.scalars(select(InformationEvent).where(InformationEvent.starts_at > now)).all()
    assert upcoming and all(e.capacity >= len([b for b in e.bookings if b.cancelled_at is None]) for e in upcoming)
    assert db.session.scalar(select(func.count()).select_from(EventBooking)
                             .where(EventBooking.attendance == Attendance.NOT_RECORDED)) > 0
    web = db.session.scalars(select(EnquiryContact).where(EnquiryContact.utm_source.is_not(None))).all()
    assert web and all(c.recorded_by_id is None and c.referrer for c in web)


def test_demo_checks_exist_for_stage_1_applications_and_some_are_overdue(app_context):
    from crm.checks.models import CheckInstance

    load_demo(seed=5, households=150, today=TODAY)
    checks = db.session.scalars(select(CheckInstance)).all()
    assert checks
    for check in checks:
        assert check.requested_on is not None and check.due_on > check.requested_on
        assert (check.received_on is None) == (check.outcome is None)
        assert check.received_on is None or check.requested_on <= check.received_on <= TODAY
    reached = {a.id for a in db.session.scalars(select(Application))
               if any(e.kind is EventKind.STAGE_1 for e in a.events) and not a.fast_track}
    assert {c.application_id for c in checks} == reached
    assert any(c.received_on is None and c.due_on < TODAY for c in checks)  # something for the ladder to chase


def test_the_demo_tells_the_story_a_manager_expects(app_context, travel):
    """Bookings made before their evenings; some evenings held and still awaiting attendance; equality monitoring
    answered for most applicants (so the equality report has something to show), some "Prefers not to say"."""
    from crm.events.models import Attendance, EventBooking, InformationEvent
    from crm.households.models import PersonRole
    from crm.households.monitoring import PERSON_QUESTIONS, PREFERS_NOT_TO_SAY

    now = travel(TODAY)
    load_demo(seed=6, households=200, today=TODAY)
    bookings = db.session.execute(select(EventBooking.booked_at, InformationEvent.starts_at)
                                  .join(EventBooking.event)).all()
    assert bookings and all(booked < starts for booked, starts in bookings)
    awaiting = db.session.scalar(select(func.count()).select_from(EventBooking).join(EventBooking.event).where(
        InformationEvent.ends_at < now, EventBooking.attendance == Attendance.NOT_RECORDED,
        EventBooking.cancelled_at.is_(None)))
    assert awaiting > 0
    applicants = db.session.scalars(select(Person).where(Person.role == PersonRole.APPLICANT)).all()
    for field, (_question, offered) in PERSON_QUESTIONS.items():
        answers = [getattr(person, field) for person in applicants]
        answered = [answer for answer in answers if answer is not None]
        assert len(answered) > 0.85 * len(answers), field
        assert set(answered) <= {*offered, PREFERS_NOT_TO_SAY}, field
        assert PREFERS_NOT_TO_SAY in answered and len(set(answered)) > 2, field
