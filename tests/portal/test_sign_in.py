"""Applicants sign in with a password or a one-time emailed code; answers never tell whether an address has an
account; wrong passwords lock, wrong codes spend the code."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.portal.models import PortalCode
from tests.helpers import post
from tests.portal.conftest import code_in, last_body
from tests.portal.helpers import portal_applicant, sign_in


def request_code(client, email):
    return post(client, "/my/sign-in/code", None, {"email": email})


def enter_code(client, email, code):
    return post(client, "/my/sign-in/enter-code", None, {"email": email, "code": code})


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, db_session):
    account = portal_applicant(db_session)
    wrong = post(client, "/my/sign-in", None, {"email": account.email, "password": "not the password at all"})
    unknown = post(client, "/my/sign-in", None, {"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 400
    text = "Enter a correct email address and password"
    assert text in wrong.get_data(as_text=True) and text in unknown.get_data(as_text=True)
    assert client.get("/my/").status_code == 302


def test_five_wrong_passwords_lock_the_account(client, db_session):
    account = portal_applicant(db_session)
    for _ in range(5):
        post(client, "/my/sign-in", None, {"email": account.email, "password": "wrong password here"})
    assert sign_in(client, account).status_code == 400  # the right password, while locked
    db_session.refresh(account)
    assert account.locked_until is not None


def test_sign_in_with_an_emailed_code(client, db_session, mailbox):
    account = portal_applicant(db_session)
    response = request_code(client, account.email.upper())
    assert response.status_code == 302
    body = last_body(mailbox, account.email)
    code = code_in(body)
    assert db_session.scalar(select(PortalCode.code_hash)) != code
    response = enter_code(client, account.email, code)
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/")
    assert client.get("/my/").status_code == 200
    # Used once.
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    other = client.application.test_client()
    assert enter_code(other, account.email, code).status_code == 400


def test_asking_a_code_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db_session, mailbox):
    account = portal_applicant(db_session)
    known = request_code(client, account.email)
    unknown = request_code(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert client.get(known.headers["Location"]).get_data(as_text=True).count("If that address has an account") == 1
    assert [rcpts for rcpts, _ in mailbox.messages] == [(account.email,)]


def test_five_wrong_codes_spend_the_code(client, db_session, mailbox):
    account = portal_applicant(db_session)
    request_code(client, account.email)
    code = code_in(last_body(mailbox, account.email))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = enter_code(client, account.email, wrong)
        assert response.status_code == 400 and "Enter the code from the latest email" in response.get_data(as_text=True)
    assert enter_code(client, account.email, code).status_code == 400
    assert client.get("/my/").status_code == 302
    assert len(db_session.scalars(select(AuditEvent).where(AuditEvent.action == "portal_code_failed")).all()) == 5


def test_a_code_expires_after_15_minutes(client, db_session, mailbox, travel):
    from datetime import date
    start = travel(date(2026, 11, 2), tick=False)
    account = portal_applicant(db_session)
    request_code(client, account.email)
    code = code_in(last_body(mailbox, account.email))
    travel(start + timedelta(minutes=15, seconds=1), tick=False)
    assert enter_code(client, account.email, code).status_code == 400


def test_a_new_code_replaces_the_old(client, db_session, mailbox):
    account = portal_applicant(db_session)
    request_code(client, account.email)
    first = code_in(last_body(mailbox, account.email))
    request_code(client, account.email)
    second = code_in(last_body(mailbox, account.email))
    if first != second:
        assert enter_code(client, account.email, first).status_code == 400
    assert enter_code(client, account.email, second).status_code == 302


def test_an_account_not_yet_activated_gets_no_code(client, db_session, mailbox):
    account = portal_applicant(db_session, activated=False)
    assert request_code(client, account.email).status_code == 302
    assert mailbox.messages == []


@pytest.mark.parametrize("url,data", [
    ("/my/sign-in", {"email": "", "password": ""}),
    ("/my/sign-in", {"email": "a" * 5000, "password": "b" * 5000}),
    ("/my/sign-in/code", {"email": ""}),
    ("/my/sign-in/code", {"email": "x" * 300}),
    ("/my/sign-in/enter-code", {"email": "x@example.org", "code": "abc"}),
    ("/my/sign-in/enter-code", {"email": "", "code": ""}),
    ("/my/sign-in/enter-code", {"email": "x@example.org", "code": "1" * 50}),
])
def test_junk_gets_a_clear_answer(client, db_session, url, data):
    response = post(client, url, None, data)
    assert response.status_code == 400 and "govuk-error-summary" in response.get_data(as_text=True)


def test_the_session_times_out(client, db_session, travel):
    from datetime import date
    start = travel(date(2026, 11, 2), tick=False)
    account = portal_applicant(db_session)
    sign_in(client, account)
    assert client.get("/my/").status_code == 200
    travel(start + timedelta(minutes=31), tick=False)
    response = client.get("/my/")
    assert response.status_code == 302 and "/my/sign-in" in response.headers["Location"]


def test_a_forged_session_is_not_a_sign_in(app, client, db_session):
    account = portal_applicant(db_session)
    with client.session_transaction() as session:
        session["portal_account_id"] = account.id
        session["portal_token"] = "guessed"
    assert client.get("/my/").status_code == 302
