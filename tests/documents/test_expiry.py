"""Expiry: the default renewal dates of received checks, the worker's own dates, and the daily job's reminders at
60 and 30 days and escalation once expired, each once however often the job runs."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.checks import services as checks
from crm.checks.models import CheckInstance, CheckOutcome, CheckType
from crm.documents import services
from crm.escalations.models import EmailStatus, Escalation, EscalationKind
from crm.funnel.stages import Stage
from jobs.runner import run_job
from tests.documents.conftest import PDF, upload_of
from tests.factories import ApplicationFactory
from tests.helpers import post


def make_check(db_session, family, code: str, application=None) -> CheckInstance:
    check_type = db_session.scalar(select(CheckType).where(CheckType.code == code))
    check = CheckInstance(application_id=(application or family.application).id, person_id=family.applicant.id,
                          check_type_id=check_type.id, requested_on=date(2026, 11, 3), due_on=date(2026, 12, 1),
                          owner_id=family.worker.id)
    db_session.add(check)
    db_session.flush()
    return check


def expiry_rows(db_session) -> list[tuple]:
    return sorted(db_session.execute(
        select(Escalation.subject_type, Escalation.step, Escalation.recipient_id, Escalation.resolved_at.is_not(None))
        .where(Escalation.kind == EscalationKind.EXPIRY)).all())


@pytest.mark.parametrize("code, line, expected", [
    ("dbs", "fostering_mainstream", date(2029, 11, 20)),
    ("dbs", "adoption", None),
    ("health", "adoption", date(2028, 11, 20)),
    ("la_checks", "fostering_mainstream", None),
])
def test_a_received_check_gets_its_default_expiry(app_context, family, db_session, code, line, expected):
    application = family.application if line == "fostering_mainstream" else ApplicationFactory(
        household=family.household, service_line_code=line, stage=Stage.STAGE_1, stage_entered_on=date(2026, 11, 2))
    check = make_check(db_session, family, code, application)
    checks.receive_check(check, date(2026, 11, 20), CheckOutcome.CLEAR, actor=family.worker)
    assert check.expires_on == expected


def test_the_worker_sets_or_clears_a_checks_expiry(client, auth, family, db_session, services_as):
    check = make_check(db_session, family, "dbs")
    auth.login(family.worker)
    page = f"/checks/{check.id}"
    response = post(client, page, f"{page}/expiry", {"expires_on": ["1", "2", "2029"]})
    assert response.status_code == 400  # not received yet
    assert "Record the check as received" in response.get_data(as_text=True)
    services_as(lambda: checks.receive_check(check, date(2026, 11, 20), CheckOutcome.CLEAR, actor=family.worker))
    assert "Expires on 20 November 2029" in client.get(page).get_data(as_text=True)
    for junk in (["1", "1", "2020"], ["x", "y", "z"], ["31", "2", "2029"], ["1"]):
        assert post(client, page, f"{page}/expiry", {"expires_on": junk}).status_code == 400, junk
    assert post(client, page, f"{page}/expiry", {"expires_on": ["1", "2", "2029"]}).status_code == 302
    db_session.expire_all()
    assert db_session.get(CheckInstance, check.id).expires_on == date(2029, 2, 1)
    assert post(client, page, f"{page}/expiry", {"expires_on": ["", "", ""]}).status_code == 302
    db_session.expire_all()
    assert db_session.get(CheckInstance, check.id).expires_on is None
    household = client.get(f"/households/{family.household.id}").get_data(as_text=True)
    assert "Received 20 Nov" in household


def test_reminders_at_60_and_30_days_then_the_ladder_each_once(app_context, family, upload_folder, db_session,
                                                               travel):
    expires = date(2027, 3, 1)  # a Monday
    document = services.add_document(family.household, upload_of(PDF), "identity", person_id=family.applicant.id,
                                     expires_on=expires, user=family.worker)
    db_session.flush()
    prefix = "20270301"
    seen = {}
    for day in (date(2026, 12, 30), expires - timedelta(days=60), expires - timedelta(days=59),
                expires - timedelta(days=30), expires - timedelta(days=1), expires, expires + timedelta(days=9),
                expires + timedelta(days=31)):
        travel(day)
        for _ in range(2):  # twice on each day: nothing is raised twice
            run = run_job("expiry_reminders", today=day)
            assert run.status.value == "succeeded", run.error
        for _, step, recipient, _ in expiry_rows(db_session):
            seen.setdefault((step, recipient), day)
    assert seen == {
        (f"{prefix}:60_days", family.worker.id): date(2026, 12, 31),
        (f"{prefix}:30_days", family.worker.id): date(2027, 1, 30),
        (f"{prefix}:expired:owner", family.worker.id): expires,
        (f"{prefix}:expired:team_manager", family.manager.id): date(2027, 3, 10),   # 7 working days on
        # 21 working days on: the service managers are the managers in no team; with none, every manager.
        (f"{prefix}:expired:service_manager", family.manager.id): date(2027, 4, 1),
    }
    rows = db_session.scalars(select(Escalation).where(Escalation.kind == EscalationKind.EXPIRY)).all()
    assert len(rows) == len(seen) and all(row.subject_id == document.id for row in rows)
    assert all(row.email_status is EmailStatus.LOGGED for row in rows)  # each emailed (logged: no SMTP) once
    assert all(family.applicant.last_name not in row.summary for row in rows)
    resolved = {row.step for row in rows if row.resolved_at is not None}
    assert resolved == {f"{prefix}:60_days", f"{prefix}:30_days"}  # the next step replaced them


def test_a_renewal_clears_the_old_reminders_and_starts_its_own(app_context, family, upload_folder, db_session,
                                                             travel):
    travel(date(2027, 1, 15))
    services.add_document(family.household, upload_of(PDF), "identity", person_id=family.applicant.id,
                          expires_on=date(2027, 2, 1), user=family.worker)
    check = make_check(db_session, family, "dbs")
    checks.receive_check(check, date(2026, 11, 20), CheckOutcome.CLEAR, actor=family.worker)
    checks.set_expiry(check, date(2027, 3, 1), actor=family.worker)
    run_job("expiry_reminders", today=date(2027, 1, 15))
    assert [(t, s) for t, s, _, done in expiry_rows(db_session) if not done] == [
        ("check", "20270301:60_days"), ("document", "20270201:30_days")]
    services.add_document(family.household, upload_of(PDF), "identity", person_id=family.applicant.id,
                          expires_on=date(2037, 2, 1), user=family.worker)
    checks.set_expiry(check, date(2030, 3, 1), actor=family.worker)
    run_job("expiry_reminders", today=date(2027, 1, 16))
    assert [done for *_, done in expiry_rows(db_session)] == [True, True]


def test_withdrawn_or_anonymised_households_are_not_chased(app_context, family, upload_folder, db_session, travel):
    from crm.dataprotection.anonymise import anonymise_household

    travel(date(2027, 1, 15))
    services.add_document(family.household, upload_of(PDF), "identity", expires_on=date(2027, 2, 1),
                          user=family.worker)
    anonymise_household(family.household, "erasure")
    run_job("expiry_reminders", today=date(2027, 1, 15))
    assert expiry_rows(db_session) == []


def test_an_expired_document_shows_as_expired(client, auth, family, upload_folder, services_as, travel):
    services_as(lambda: services.add_document(family.household, upload_of(PDF), "identity",
                                              expires_on=date(2026, 12, 1), user=family.worker))
    auth.login(family.worker)
    page = client.get(f"/households/{family.household.id}").get_data(as_text=True)
    assert "Expires on" in page and "Expired" not in page
    travel(date(2026, 12, 2))
    client.get("/", follow_redirects=True)  # a day later the session has timed out
    auth.login(family.worker)
    page = client.get(f"/households/{family.household.id}")
    assert "Expired" in page.get_data(as_text=True)


def test_a_workers_date_stays_until_the_date_received_changes(app_context, family, db_session):
    check = make_check(db_session, family, "dbs")
    checks.receive_check(check, date(2026, 11, 20), CheckOutcome.CLEAR, actor=family.worker)
    checks.set_expiry(check, date(2029, 6, 30), actor=family.worker)
    checks.receive_check(check, date(2026, 11, 20), CheckOutcome.INFORMATION_DISCLOSED, actor=family.worker)
    assert check.expires_on == date(2029, 6, 30)
    checks.receive_check(check, date(2026, 11, 21), CheckOutcome.CLEAR, actor=family.worker)
    assert check.expires_on == date(2029, 11, 21)
