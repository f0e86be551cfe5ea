"""Sending, re-sending, revoking and expiring a referee's link; what the email says (a real SMTP server)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.errors import DomainError
from crm.references import links, services
from crm.references.models import RefereeLink
from tests.references.conftest import TODAY, check_of, details, token_in


@pytest.fixture
def employer(app_context, db_session, application):
    return check_of(db_session, application, "employer_reference", "Ann")


@pytest.fixture
def referee(employer, worker):
    return services.name_referee(employer, details("Boss Person"), actor=worker)


def test_the_email_carries_the_link_and_only_the_applicants_name(referee, worker, mail_to, employer):
    link = links.send_link(referee, actor=worker)
    assert len(mail_to.messages) == 1
    (to, subject), body = mail_to.messages[0], mail_to.bodies[0]
    assert to == ("boss@referee.example",) and subject == "Reference request from Adopt and foster with us"
    assert "Ann Example named you as a referee" in body and "Dear Boss Person" in body
    token = token_in(body)
    assert links.link_for_token(token) is link and link.token_hash == links.digest(token) and token not in str(
        [link.token_hash])
    household = employer.application.household
    for private in (household.reference, household.postcode, household.email, "Ben Example", "adoption"):
        assert not private or private not in body
    assert link.expires_at == link.sent_at + timedelta(days=30) and link.sent_count == 1
    assert links.status(referee) == "Sent 23 November 2026, expires 23 December 2026"
    # Sending the link requests the reference: the check's due date and the ladder run from today.
    assert employer.requested_on == TODAY and employer.owner_id == worker.id


def test_a_resend_kills_the_old_link_and_gives_thirty_days_more(referee, worker, mail_to, travel):
    links.send_link(referee, actor=worker)
    first = token_in(mail_to.bodies[0])
    with pytest.raises(DomainError, match="re-send it instead"):
        links.send_link(referee, actor=worker)
    travel(TODAY + timedelta(days=10))
    new = links.resend_link(referee, actor=worker)
    second = token_in(mail_to.bodies[1])
    assert first != second
    assert links.unusable(links.link_for_token(first)).startswith("This link is no longer in use")
    assert links.link_for_token(second) is new and links.unusable(new) is None
    assert clock.london_date(new.expires_at) == TODAY + timedelta(days=40) and new.sent_count == 2


def test_a_revoked_link_stops_working_and_can_be_sent_again(referee, worker, mail_to):
    links.send_link(referee, actor=worker)
    token = token_in(mail_to.bodies[0])
    links.revoke_link(referee, actor=worker)
    assert links.unusable(links.link_for_token(token)).startswith("This link is no longer in use")
    assert links.status(referee) == "Revoked 23 November 2026"
    with pytest.raises(DomainError, match="no link to revoke"):
        links.revoke_link(referee, actor=worker)
    links.resend_link(referee, actor=worker)
    assert links.unusable(links.link_for_token(token_in(mail_to.bodies[1]))) is None


def test_a_link_expires_after_thirty_days(referee, worker, mail_to, travel):
    links.send_link(referee, actor=worker)
    token = token_in(mail_to.bodies[0])
    travel(TODAY + timedelta(days=29))
    assert links.unusable(links.link_for_token(token)) is None
    travel(TODAY + timedelta(days=31))
    assert links.unusable(links.link_for_token(token)).startswith("This link has expired")
    assert links.status(referee) == "Expired 23 December 2026"


def test_a_refused_email_stores_no_link(referee, worker, app, monkeypatch, db_session):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)  # nothing listens there
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 2)
    with db_session.begin_nested() as attempt:
        with pytest.raises(DomainError, match="could not be sent"):
            links.send_link(referee, actor=worker)
        attempt.rollback()
    assert db_session.scalars(select(RefereeLink)).all() == []


@pytest.mark.parametrize("token", ["", "x", "a" * 500, "../../etc", "%00"])
def test_any_other_token_finds_nothing(app_context, token):
    assert links.link_for_token(token) is None


def test_a_link_is_no_longer_needed_once_the_application_closes(referee, worker, mail_to, employer):
    from crm.funnel.stages import Status
    links.send_link(referee, actor=worker)
    link = links.link_for_token(token_in(mail_to.bodies[0]))
    employer.application.status = Status.WITHDRAWN  # as the funnel records a withdrawal
    assert links.unusable(link) == "This reference is no longer needed. Thank you."
