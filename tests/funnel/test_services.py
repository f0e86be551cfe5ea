"""Funnel services against the real database: persisted history, audit rows, manager-only undo."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.funnel import services
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application
from tests.factories import HouseholdFactory, UserFactory

TODAY = date(2026, 11, 23)


@pytest.fixture
def officer(db_session):
    return UserFactory(roles=[Role.RECRUITMENT_OFFICER])


def opened(officer, line="adoption", on=date(2026, 9, 1)):
    return services.open_application(HouseholdFactory(), line, on, actor=officer, today=TODAY)


def reload(db_session, application) -> Application:
    db_session.expire_all()
    return db_session.get(Application, application.id)


def test_history_is_stored_and_the_row_matches_it(app_context, db_session, officer):
    application = opened(officer)
    services.advance(application, Stage.INITIAL_VISIT, date(2026, 9, 10), actor=officer, today=TODAY)
    services.advance(application, Stage.REGISTRATION_OF_INTEREST, date(2026, 10, 1), actor=officer, today=TODAY)
    services.hold(application, date(2026, 10, 2), "Bereavement", actor=officer, today=TODAY)
    stored = reload(db_session, application)
    assert (stored.stage, stored.stage_entered_on, stored.status) == (
        Stage.REGISTRATION_OF_INTEREST, date(2026, 10, 1), Status.ON_HOLD)
    assert [e.kind for e in stored.events] == [EventKind.ENQUIRY, EventKind.INITIAL_VISIT,
                                               EventKind.REGISTRATION_OF_INTEREST, EventKind.ON_HOLD]
    assert all(e.recorded_by_id == officer.id for e in stored.events)
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(application.id)))
    assert sorted(actions) == ["application_opened"] + ["stage_event_recorded"] * 3


def test_a_refused_event_stores_nothing(app_context, db_session, officer):
    application = opened(officer)
    before = db_session.scalar(select(func.count()).select_from(StageEvent))
    with pytest.raises(DomainError):
        services.advance(application, Stage.STAGE_2, date(2026, 9, 5), actor=officer, today=TODAY)
    assert db_session.scalar(select(func.count()).select_from(StageEvent)) == before
    assert reload(db_session, application).stage is Stage.ENQUIRY


def test_one_application_per_household_and_service_line(app_context, db_session, officer):
    application = opened(officer)
    with pytest.raises(DomainError, match="already has an application"):
        services.open_application(application.household, "adoption", date(2026, 9, 2), actor=officer, today=TODAY)
    second = services.open_application(application.household, "fostering_mainstream", date(2026, 9, 2),
                                       actor=officer, today=TODAY)
    assert {a.service_line_code for a in reload(db_session, second).household.applications} == {
        "adoption", "fostering_mainstream"}


def test_only_a_manager_can_undo_and_the_trace_stays(app_context, db_session, officer):
    application = opened(officer)
    services.advance(application, Stage.INFORMATION_EVENT, date(2026, 9, 3), actor=officer, today=TODAY)
    with pytest.raises(DomainError, match="Only a manager"):
        services.undo(application, "Wrong family", actor=officer)
    manager = UserFactory(roles=[Role.MANAGER])
    services.undo(application, "Wrong family", actor=manager)
    stored = reload(db_session, application)
    assert stored.stage is Stage.ENQUIRY and len(stored.events) == 2
    undone = stored.events[-1]
    assert undone.undone_by_id == manager.id and undone.undo_reason == "Wrong family" and undone.undone_at
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "stage_event_undone")).actor_id == manager.id


def test_found_family_is_a_match_for_adoption_and_a_placement_for_fostering(app_context, db_session, officer):
    kinship = opened(officer, "fostering_connected")
    for stage in (Stage.STAGE_2, Stage.PANEL, Stage.APPROVED):
        services.advance(kinship, stage, date(2026, 10, 1), actor=officer, today=TODAY)
    assert services.record_found_family(kinship, date(2026, 11, 1), actor=officer, today=TODAY).kind is EventKind.PLACED


def test_default_today_refuses_tomorrow(app_context, officer, travel):
    travel(TODAY)
    application = opened(officer, on=TODAY - timedelta(days=3))
    with pytest.raises(DomainError, match="today or in the past"):
        services.advance(application, Stage.INFORMATION_EVENT, TODAY + timedelta(days=1), actor=officer)


def approved_application(officer, line="adoption"):
    application = opened(officer, line, on=date(2025, 9, 1))
    services.record(application, EventKind.STAGE_2, date(2025, 10, 1), actor=officer, today=TODAY, imported=True)
    for stage, on in ((Stage.PANEL, date(2026, 2, 16)), (Stage.APPROVED, date(2026, 3, 2))):
        services.advance(application, stage, on, actor=officer, today=TODAY)
    return application


def test_after_approval_hold_resume_match_and_placement_are_stored_and_audited(app_context, db_session, officer):
    application = opened(officer, "fostering_connected", on=date(2025, 10, 1))
    for stage, on in ((Stage.STAGE_2, date(2025, 10, 1)), (Stage.PANEL, date(2026, 2, 16)),
                      (Stage.APPROVED, date(2026, 3, 2))):
        services.advance(application, stage, on, actor=officer, today=TODAY)
    services.hold(application, date(2026, 3, 20), "Carer in hospital", actor=officer, today=TODAY)
    services.resume(application, date(2026, 5, 1), actor=officer, today=TODAY)
    services.record_found_family(application, date(2026, 5, 4), actor=officer, today=TODAY)
    services.record(application, EventKind.PLACED, date(2026, 9, 14), actor=officer, today=TODAY)
    services.record(application, EventKind.MATCHED, date(2026, 10, 1), actor=officer, today=TODAY)
    stored = reload(db_session, application)
    assert [e.kind for e in stored.events][-5:] == [EventKind.ON_HOLD, EventKind.RESUMED, EventKind.PLACED,
                                                    EventKind.PLACED, EventKind.MATCHED]
    assert (stored.stage, stored.status, stored.status_changed_on) == (Stage.APPROVED, Status.APPROVED,
                                                                       date(2026, 3, 2))
    recorded = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(application.id),
                                                                  AuditEvent.action == "stage_event_recorded"))
    assert len(list(recorded)) == 8


def test_approved_and_waiting_on_hold_in_sql_agrees_with_the_replay(app_context, db_session, officer):
    from crm.funnel.terms import APPROVED_AND_WAITING
    held = approved_application(officer)
    services.hold(held, date(2026, 4, 1), "House move", actor=officer, today=TODAY)
    resumed = approved_application(officer)
    services.hold(resumed, date(2026, 4, 1), "House move", actor=officer, today=TODAY)
    services.resume(resumed, date(2026, 5, 1), actor=officer, today=TODAY)
    matched = approved_application(officer)
    services.record_found_family(matched, date(2026, 4, 1), actor=officer, today=TODAY)
    # Held before approval and resumed: not on hold now.
    earlier = opened(officer, on=date(2025, 9, 1))
    services.hold(earlier, date(2025, 9, 2), "Holiday", actor=officer, today=TODAY)
    services.resume(earlier, date(2025, 9, 20), actor=officer, today=TODAY)
    ids = {held.id, resumed.id, matched.id, earlier.id}
    waiting = set(db_session.scalars(select(Application.id).where(APPROVED_AND_WAITING.clause(),
                                                                  Application.id.in_(ids))))
    on_hold = set(db_session.scalars(select(Application.id).where(APPROVED_AND_WAITING.held_clause(),
                                                                  Application.id.in_(ids))))
    assert (waiting, on_hold) == ({held.id, resumed.id}, {held.id})


def test_a_refused_hold_after_approval_stores_nothing(app_context, db_session, officer):
    application = approved_application(officer)
    before = db_session.scalar(select(func.count()).select_from(StageEvent))
    with pytest.raises(DomainError, match="Give a reason"):
        services.hold(application, date(2026, 4, 1), "", actor=officer, today=TODAY)
    with pytest.raises(DomainError, match="not on hold"):
        services.resume(application, date(2026, 4, 1), actor=officer, today=TODAY)
    assert db_session.scalar(select(func.count()).select_from(StageEvent)) == before
