"""The referee's form at /reference/<token>: the happy path receives the check and clears its escalation; a used,
expired, revoked or unknown link answers a clear page and stores nothing; bad input never a 500."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.checks.models import CheckOutcome
from crm.escalations.models import Escalation
from crm.references import links, services
from crm.references.models import Reference, Referee
from jobs import rules as job_rules
from tests.conftest import csrf_token
from tests.references.conftest import ANSWERS, TODAY, check_of, details, requested, token_in


def references(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Reference))


def answer(client, token, **changes):
    page = client.get(f"/reference/{token}")
    assert page.status_code == 200, page.status_code
    data = {**ANSWERS, **changes, "csrf_token": csrf_token(page.get_data(as_text=True))}
    return client.post(f"/reference/{token}", data={k: v for k, v in data.items() if v is not None})


@pytest.fixture
def employer_link(services_as, db_session, application, worker, mail_to):
    """The employer check requested in March (so overdue and escalated to its owner), its referee sent a link."""
    def setup():
        check = requested(check_of(db_session, application, "employer_reference", "Ann"), worker)
        job_rules.check_escalations(TODAY)
        links.send_link(services.name_referee(check, details("Boss Person"), actor=worker), actor=worker)
        return check
    check = services_as(setup)
    return check, token_in(mail_to.bodies[-1])


def test_the_reference_arrives_on_the_check_and_clears_its_escalation(client, db_session, employer_link):
    check, token = employer_link
    escalations = db_session.scalars(select(Escalation).where(Escalation.subject_id == check.id)).all()
    assert escalations and all(escalation.resolved_at is None for escalation in escalations)
    page = client.get(f"/reference/{token}").get_data(as_text=True)
    assert "Give a reference for Ann Example" in page
    household = check.application.household
    assert household.reference not in page and "Ben Example" not in page and "Sign out" not in page

    response = answer(client, token)
    assert response.status_code == 200 and "Reference sent" in response.get_data(as_text=True)
    db_session.expire_all()
    assert (check.received_on, check.outcome) == (TODAY, CheckOutcome.CLEAR)
    assert all(escalation.resolved_at is not None for escalation in escalations)
    assert {escalation.resolution for escalation in escalations} == {"received"}
    referee = db_session.scalar(select(Referee).where(Referee.check_id == check.id))
    assert referee.reference.how_known == "Neighbours for years" and referee.links[0].used_at is not None
    rows = db_session.execute(select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.actor_label)
                              .where(AuditEvent.action.in_(["reference_submitted", "check_received"]))).all()
    assert sorted(rows) == [("check_received", None, f"referee {referee.id}"),
                            ("reference_submitted", None, f"referee {referee.id}")]


def test_a_used_link_answers_gone_and_stores_nothing_more(client, db_session, employer_link):
    _, token = employer_link
    form = {**ANSWERS, "csrf_token": csrf_token(client.get(f"/reference/{token}").get_data(as_text=True))}
    assert client.post(f"/reference/{token}", data=form).status_code == 200
    again = client.get(f"/reference/{token}")
    assert again.status_code == 410 and "already been given" in again.get_data(as_text=True)
    posted = client.post(f"/reference/{token}", data=form)
    assert posted.status_code == 410 and references(db_session) == 1


def test_a_concern_makes_the_outcome_concern(client, db_session, employer_link):
    check, token = employer_link
    assert answer(client, token, has_concerns="yes", concerns="Shouts at children").status_code == 200
    db_session.expire_all()
    assert check.outcome is CheckOutcome.CONCERN


def test_expired_revoked_and_unknown_links_answer_a_clear_page(client, db_session, employer_link, travel,
                                                              services_as, worker):
    check, token = employer_link
    page = client.get(f"/reference/{token}")
    form = {**ANSWERS, "csrf_token": csrf_token(page.get_data(as_text=True))}
    travel(TODAY + timedelta(days=31))
    expired = client.post(f"/reference/{token}", data=form)
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    travel(TODAY)
    services_as(lambda: links.revoke_link(services.referees_of([check.id])[0], actor=worker))
    revoked = client.post(f"/reference/{token}", data=form)
    assert revoked.status_code == 410 and "no longer in use" in revoked.get_data(as_text=True)
    assert client.get("/reference/not-a-real-token").status_code == 404
    assert references(db_session) == 0 and check.received_on is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"how_known": ""}, "Tell us how you know them"),
    ({"years_known": "six"}, "must be a whole number"),
    ({"years_known": "400"}, "Enter a number of years from 0 to 99"),
    ({"has_concerns": "yes"}, "Tell us about your concerns"),
    ({"has_concerns": "maybe"}, "Choose yes if you have any concerns"),
    ({"declaration": None}, "Confirm that what you have written is true"),
    ({"home": "x" * 4001}, "4,000 characters or fewer"),
    ({"relationships": "\x00"}, "Tell us about their relationships"),
])
def test_bad_answers_are_refused_with_a_message_and_nothing_stored(client, db_session, employer_link, changes,
                                                                   message):
    check, token = employer_link
    response = answer(client, token, **changes)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert references(db_session) == 0 and check.received_on is None


def test_no_csrf_token_no_reference(client, db_session, employer_link):
    _, token = employer_link
    assert client.post(f"/reference/{token}", data=ANSWERS).status_code == 400
    assert client.post(f"/reference/{token}", data=b"\xff\xfe junk",
                       content_type="application/octet-stream").status_code == 400
    assert references(db_session) == 0


def test_personal_references_are_received_with_three_two_not_family(client, db_session, services_as, application,
                                                                     worker, mail_to):
    def setup():
        check = requested(check_of(db_session, application, "personal_references"), worker)
        for name, family_member in (("Fay Family", True), ("Gil Family", True), ("Hal Friend", False),
                                    ("Ivy Friend", False)):
            links.send_link(services.name_referee(check, details(name, family_member=family_member), actor=worker),
                            actor=worker)
        return check
    check = services_as(setup)
    tokens = [token_in(body) for body in mail_to.bodies]
    assert "Ann Example and Ben Example named you" in mail_to.bodies[0]
    for token in tokens[:3]:  # two family members and one friend: only one not family
        assert answer(client, token).status_code == 200
    db_session.expire_all()
    assert check.received_on is None
    assert answer(client, tokens[3], has_concerns="yes", concerns="Worried").status_code == 200
    db_session.expire_all()
    assert (check.received_on, check.outcome) == (TODAY, CheckOutcome.CONCERN)


def test_the_form_is_rate_limited(limited_app, db_session):
    app = limited_app(RATELIMIT_REFERENCE="2 per minute")
    client = app.test_client()
    assert [client.get("/reference/unknown").status_code for _ in range(3)] == [404, 404, 429]
