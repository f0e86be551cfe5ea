"""Recording a check's request, chases, parts and receipt: due-date maths, the rules, nothing half stored."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import services
from crm.checks.models import CheckChase, CheckInstance, CheckOutcome, CheckType
from crm.errors import DomainError
from tests.checks.conftest import TODAY, check_of, family, into_stage_1
from tests.factories import UserFactory
from tests.helpers import count


@pytest.fixture
def application(app_context, db_session, worker):
    return into_stage_1(family(worker, names=("Ann", "Ben")), worker)


def audit_actions(db_session, check) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "check", AuditEvent.object_id == str(check.id)).order_by(AuditEvent.id)))


def test_the_due_date_is_the_request_plus_the_days_and_follows_a_changed_request(db_session, application, worker):
    dbs, health = check_of(db_session, application, "dbs", "Ann"), check_of(db_session, application, "health", "Ann")
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    services.request_check(health, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    assert (dbs.due_on, health.due_on) == (date(2026, 3, 30), date(2026, 4, 13))  # 28 and 42 days
    services.request_check(dbs, date(2026, 3, 5), worker, actor=worker, today=TODAY)
    assert dbs.due_on == date(2026, 4, 2)
    assert audit_actions(db_session, dbs) == ["check_created", "check_requested", "check_request_changed"]


def test_a_changed_catalogue_leaves_due_dates_alone_until_the_request_changes(db_session, application, worker):
    dbs = check_of(db_session, application, "dbs", "Ann")
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    dbs.check_type.default_days = 10
    db_session.flush()
    db_session.expire_all()
    dbs = db_session.get(CheckInstance, dbs.id)
    assert dbs.due_on == date(2026, 3, 30)
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    assert dbs.due_on == date(2026, 3, 12)


@pytest.mark.parametrize(("requested_on", "owner_role", "field", "message"), [
    (date(2026, 11, 24), Role.STAGE_ONE_WORKER, "requested_on", "The date requested must be today or in the past"),
    (date(2026, 3, 2), Role.RECRUITMENT_OFFICER, "owner", "Choose an owner who works on checks"),
    (date(2026, 3, 2), None, "owner", "Choose an owner who works on checks"),
])
def test_a_refused_request_stores_nothing(db_session, application, worker, requested_on, owner_role, field, message):
    owner = UserFactory(roles=[owner_role]) if owner_role else None
    dbs = check_of(db_session, application, "dbs", "Ann")
    with pytest.raises(DomainError, match=message) as refused:
        services.request_check(dbs, requested_on, owner, actor=worker, today=TODAY)
    assert refused.value.field == field
    db_session.expire_all()
    assert (db_session.get(CheckInstance, dbs.id).requested_on, db_session.get(CheckInstance, dbs.id).due_on) == (
        None, None)
    assert audit_actions(db_session, dbs) == ["check_created"]


def test_an_inactive_user_cannot_own_a_check(db_session, application, worker):
    leaver = UserFactory(roles=[Role.STAGE_ONE_WORKER], active=False)
    with pytest.raises(DomainError, match="Choose an owner"):
        services.request_check(check_of(db_session, application, "dbs", "Ann"), date(2026, 3, 2), leaver,
                               actor=worker, today=TODAY)


def test_chasing_keeps_the_latest_date_and_the_note(db_session, application, worker):
    dbs = check_of(db_session, application, "dbs", "Ann")
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    services.chase_check(dbs, date(2026, 3, 20), "  Rang HR  ", actor=worker, today=TODAY)
    services.chase_check(dbs, date(2026, 3, 10), "", actor=worker, today=TODAY)  # back-dated, entered later
    db_session.expire_all()
    dbs = db_session.get(CheckInstance, dbs.id)
    assert dbs.last_chased_on == date(2026, 3, 20)
    assert [(c.chased_on, c.note, c.chased_by_id) for c in dbs.chases] == [
        (date(2026, 3, 10), None, worker.id), (date(2026, 3, 20), "Rang HR", worker.id)]
    assert audit_actions(db_session, dbs)[-2:] == ["check_chased", "check_chased"]


def test_chasing_refuses_what_cannot_be_chased(db_session, application, worker):
    dbs = check_of(db_session, application, "dbs", "Ann")
    with pytest.raises(DomainError, match="has not been requested yet"):
        services.chase_check(dbs, date(2026, 3, 2), None, actor=worker, today=TODAY)
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="on or after the date requested, 2 March 2026"):
        services.chase_check(dbs, date(2026, 3, 1), None, actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="today or in the past"):
        services.chase_check(dbs, date(2026, 11, 24), None, actor=worker, today=TODAY)
    services.receive_check(dbs, date(2026, 3, 25), "clear", actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="nothing to chase"):
        services.chase_check(dbs, date(2026, 3, 26), None, actor=worker, today=TODAY)
    assert count(db_session, CheckChase) == 0


def test_bulk_chase_is_all_or_nothing(db_session, application, worker):
    dbs, health, ofsted = (check_of(db_session, application, code, "Ann") for code in ("dbs", "health", "ofsted"))
    for check in (dbs, health):
        services.request_check(check, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="Ofsted information request for Ann Example has not been requested yet"):
        services.chase_checks([dbs, health, ofsted], TODAY, actor=worker, today=TODAY)
    assert count(db_session, CheckChase) == 0
    assert (dbs.last_chased_on, health.last_chased_on) == (None, None)
    assert services.chase_checks([dbs, health], TODAY, actor=worker, today=TODAY) == 2
    assert (dbs.last_chased_on, health.last_chased_on) == (TODAY, TODAY)
    with pytest.raises(DomainError, match="Select the checks you chased"):
        services.chase_checks([], TODAY, actor=worker, today=TODAY)


def test_parts_are_dated_after_the_request_and_before_receipt(db_session, application, worker):
    dbs = check_of(db_session, application, "dbs", "Ann")
    online = dbs.parts[0]
    with pytest.raises(DomainError, match="requested before completing its parts"):
        services.complete_part(online, date(2026, 3, 3), actor=worker, today=TODAY)
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="on or after the date requested"):
        services.complete_part(online, date(2026, 3, 1), actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="today or in the past"):
        services.complete_part(online, date(2026, 12, 1), actor=worker, today=TODAY)
    services.complete_part(online, date(2026, 3, 4), actor=worker, today=TODAY)
    assert (online.completed_on, online.completed_by_id) == (date(2026, 3, 4), worker.id)
    with pytest.raises(DomainError, match="on or before 4 March 2026"):
        services.request_check(dbs, date(2026, 3, 5), worker, actor=worker, today=TODAY)
    services.receive_check(dbs, date(2026, 3, 20), "clear", actor=worker, today=TODAY)
    with pytest.raises(DomainError, match="can no longer change"):
        services.complete_part(dbs.parts[1], date(2026, 3, 20), actor=worker, today=TODAY)
    assert "check_part_completed" in audit_actions(db_session, dbs)


def test_a_receipt_may_be_dated_before_a_chase_recorded_later(db_session, application, worker):
    dbs = check_of(db_session, application, "dbs", "Ann")
    services.request_check(dbs, date(2026, 11, 2), worker, actor=worker, today=date(2026, 12, 2))
    services.chase_check(dbs, date(2026, 12, 1), "Rang HR", actor=worker, today=date(2026, 12, 2))
    services.complete_part(dbs.parts[0], date(2026, 11, 30), actor=worker, today=date(2026, 12, 2))
    services.receive_check(dbs, date(2026, 11, 28), "clear", actor=worker, today=date(2026, 12, 2))
    assert (dbs.received_on, dbs.outcome) == (date(2026, 11, 28), CheckOutcome.CLEAR)
    assert services.state_problem(dbs, date(2026, 11, 2), date(2026, 11, 28), CheckOutcome.CLEAR) is None
    assert services.state_problem(dbs, date(2026, 11, 2), date(2026, 11, 1), CheckOutcome.CLEAR).field == "received_on"


def test_receiving_records_the_outcome_and_a_correction_is_audited_as_a_change(db_session, application, worker):
    dbs = check_of(db_session, application, "dbs", "Ann")
    services.request_check(dbs, date(2026, 3, 2), worker, actor=worker, today=TODAY)
    services.receive_check(dbs, date(2026, 3, 25), "information_disclosed", actor=worker, today=TODAY)
    services.receive_check(dbs, date(2026, 3, 25), "clear", actor=worker, today=TODAY)
    assert (dbs.received_on, dbs.outcome) == (date(2026, 3, 25), CheckOutcome.CLEAR)
    changes = db_session.scalars(select(AuditEvent).where(
        AuditEvent.object_id == str(dbs.id), AuditEvent.action.in_(["check_received", "check_outcome_changed"]))
        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.detail["outcome"], e.detail["previous_outcome"]) for e in changes] == [
        ("check_received", "information_disclosed", None), ("check_outcome_changed", "clear", "information_disclosed")]


@pytest.mark.parametrize(("requested", "chased", "received_on", "outcome", "message"), [
    (None, None, date(2026, 3, 25), "clear", "requested before recording it received"),
    (date(2026, 3, 2), None, date(2026, 3, 1), "clear", "on or after 2 March 2026"),
    (date(2026, 3, 2), None, date(2026, 11, 24), "clear", "today or in the past"),
    (date(2026, 3, 2), None, date(2026, 3, 25), "fine", "Choose the outcome"),
])
def test_a_refused_receipt_stores_nothing(db_session, application, worker, requested, chased, received_on, outcome,
                                          message):
    dbs = check_of(db_session, application, "dbs", "Ann")
    if requested:
        services.request_check(dbs, requested, worker, actor=worker, today=TODAY)
    if chased:
        services.chase_check(dbs, chased, None, actor=worker, today=TODAY)
    with pytest.raises(DomainError, match=message):
        services.receive_check(dbs, received_on, outcome, actor=worker, today=TODAY)
    db_session.expire_all()
    stored = db_session.get(CheckInstance, dbs.id)
    assert (stored.received_on, stored.outcome) == (None, None)


def test_a_check_not_required_needs_no_request(db_session, application, worker):
    overseas = check_of(db_session, application, "overseas", "Ann")
    services.receive_check(overseas, date(2026, 3, 3), "not_required", actor=worker, today=TODAY)
    assert (overseas.requested_on, overseas.due_on, overseas.outcome) == (None, None, CheckOutcome.NOT_REQUIRED)


def test_the_database_refuses_an_outcome_without_a_receipt(db_session, application):
    from sqlalchemy.exc import IntegrityError

    dbs = check_of(db_session, application, "dbs", "Ann")
    with pytest.raises(IntegrityError), db_session.begin_nested():
        dbs.outcome = CheckOutcome.CLEAR
        db_session.flush()


def test_open_checks_due_by_a_date_are_read_through_the_partial_index(db_session, application, database_kind):
    from sqlalchemy import text

    if database_kind == "sqlite":
        plan = " ".join(str(row[-1]) for row in db_session.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM checks WHERE received_on IS NULL AND due_on <= :d"), {"d": TODAY}))
    else:
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in db_session.execute(text(
            "EXPLAIN SELECT id FROM checks WHERE received_on IS NULL AND due_on <= :d"), {"d": TODAY}))
    assert "ix_checks_open_due_on" in plan
    assert count(db_session, CheckType) == 12
