"""The generator's national-scale tables at a tiny scale, on both databases: people, checks with their requests,
chases and receipts, information-event bookings and attendances, the bench users; the counts it reports are the
rows stored, and the rows keep the rules (dates never backwards, nothing after today or after the application
ended, checks only for who the catalogue calls for)."""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from bench.generate import generate
from bench.people import BENCH_PASSWORD, bench_email
from crm.auth.models import User
from crm.auth.passwords import verify_password
from crm.auth.roles import Role
from crm.checks.models import CheckChase, CheckInstance, CheckPart, CheckType
from crm.events.models import Attendance, AttendanceStageMove, EventBooking, InformationEvent
from crm.extensions import db
from crm.funnel import machine
from crm.funnel.models import StageEvent
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage
from crm.households.models import Application, Household, Person, PersonRole

TODAY = date(2026, 6, 30)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_counts_reported_are_the_rows_stored(app_context):
    counts = generate(db.session, households=300, seed=5, today=TODAY, progress=False)
    assert counts.households == count(Household) == 300
    assert counts.people == count(Person) and 2 < counts.people / 300 < 4  # applicants, adults, children
    assert counts.applications == count(Application) and counts.events == count(StageEvent)
    assert counts.checks == count(CheckInstance) > 1000
    assert counts.check_requests == count(CheckInstance, CheckInstance.requested_on.is_not(None))
    assert counts.receipts == count(CheckInstance, CheckInstance.received_on.is_not(None))
    assert counts.chases == count(CheckChase) > 0 and counts.check_parts == count(CheckPart) > 0
    assert counts.bookings == count(EventBooking) and counts.information_events == count(InformationEvent)
    assert counts.attendances == count(EventBooking, EventBooking.attendance == Attendance.ATTENDED) > 0
    assert count(EventBooking, EventBooking.attendance == Attendance.DID_NOT_ATTEND) > 0
    # SPEC's "milestone events": all of these together (about 17 a household, as 5M for 300k)
    assert counts.milestones == (counts.events + counts.check_requests + counts.chases + counts.receipts
                                 + counts.bookings + counts.attendances)
    assert counts.milestones / 300 > 15


def test_people_checks_and_bookings_keep_the_rules(app_context):
    generate(db.session, households=200, seed=7, today=TODAY, progress=False)
    households = db.session.scalars(select(Household)).all()
    for household in households:
        roles = Counter(person.role for person in household.people)
        assert 1 <= roles[PersonRole.APPLICANT] <= 2
        assert all(p.date_of_birth <= household.first_enquiry_on for p in household.people)
    applicants = db.session.scalars(select(Person).where(Person.role == PersonRole.APPLICANT)).all()
    assert sum(p.ethnicity is not None for p in applicants) > len(applicants) / 2  # equality answers, mostly given
    assert count(Person, Person.role == PersonRole.CHILD, Person.ethnicity.is_not(None)) == 0

    checks = db.session.scalars(select(CheckInstance)).all()
    for check in checks:
        application = check.application
        live = machine.live(application.events)
        began = min(e.occurred_on for e in live if e.kind in (EventKind.STAGE_1, EventKind.STAGE_2))
        assert check.created_at.date() == began
        if check.requested_on:
            assert began <= check.requested_on <= TODAY
            assert check.due_on > check.requested_on
        if check.received_on:
            assert check.requested_on <= check.received_on <= TODAY and check.outcome is not None
            if application.status not in OPEN_STATUSES:
                assert check.received_on <= application.status_changed_on  # nothing after it ended
        chases = [chase.chased_on for chase in check.chases]
        assert chases == sorted(chases) and check.last_chased_on == (chases[-1] if chases else None)
        assert all(check.due_on < day <= (check.received_on or TODAY) for day in chases)
        if check.person is not None:
            assert check.person.household_id == application.household_id
        if check.check_type.code == "child_health_visitor_school":
            assert check.person.role is PersonRole.CHILD
        if check.check_type.code == "dbs":
            assert len(check.parts) == 3
    assert {c.check_type.code for c in checks} >= {"dbs", "health", "la_checks", "personal_references"}
    stage_1_or_2 = {a.id for a in db.session.scalars(select(Application)) if any(
        e.kind in (EventKind.STAGE_1, EventKind.STAGE_2) for e in machine.live(a.events))}
    assert {c.application_id for c in checks} == stage_1_or_2  # every application whose checks began has them

    for move in db.session.scalars(select(AttendanceStageMove)):
        event = move.stage_event
        assert event.kind is EventKind.INFORMATION_EVENT and event.undone_at is None
        assert move.booking.attended_on == event.occurred_on == move.booking.event.on
        assert move.booking.household_id == event.application.household_id
    live_information_events = count(StageEvent, StageEvent.kind == EventKind.INFORMATION_EVENT,
                                    StageEvent.undone_at.is_(None))
    assert count(AttendanceStageMove) == live_information_events > 0
    assert count(EventBooking, EventBooking.attendance == Attendance.ATTENDED,
                 EventBooking.booked_at > EventBooking.recorded_at) == 0


def test_households_are_allocated_to_bench_users_who_can_sign_in(app_context):
    generate(db.session, households=200, seed=3, today=TODAY, progress=False)
    manager = db.session.scalar(select(User).where(User.email == bench_email(Role.MANAGER, 1)))
    assert manager.roles == {Role.MANAGER} and verify_password(manager.password_hash, BENCH_PASSWORD)
    for household in db.session.scalars(select(Household)):
        worker = household.allocated_worker
        furthest = max((a.stage for a in household.applications), key=lambda s: s.order)
        if furthest.order >= Stage.STAGE_2.order:
            assert worker.roles == {Role.ASSESSING_SOCIAL_WORKER}
        elif furthest.order < Stage.STAGE_1.order:
            assert worker.roles == {Role.RECRUITMENT_OFFICER}
        assert worker.team_id == household.team_id
    owned = db.session.scalars(select(CheckInstance).where(CheckInstance.owner_id.is_not(None))).all()
    assert owned and all(c.owner_id == c.application.household.allocated_worker_id for c in owned)
    assert count(CheckType) > 0


def test_crm_bench_scale_is_a_fraction_of_national(runner, app_context):
    result = runner.invoke(args=["bench", "--scale", "0.001", "--generate-only", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Generated 300 households" in result.output and "milestone events" in result.output
    assert count(Household) == 300
    assert runner.invoke(args=["bench", "--scale", "2", "--generate-only"]).exit_code == 2  # at most national
