"""Signing in and out: good and bad credentials, lockout, rate limit, CSRF, redirects."""
from __future__ import annotations

import re
from datetime import timedelta

from markupsafe import escape
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.models import User
from tests.conftest import csrf_token
from tests.factories import UserFactory


def audit_actions(db_session, user=None) -> list[str]:
    db_session.expire_all()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user is not None:
        query = query.where(AuditEvent.actor_id == user.id)
    return list(db_session.scalars(query))


def test_sign_in_takes_you_home_and_is_audited(client, auth, db_session):
    user = UserFactory()
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and escape(user.full_name) in home.get_data(as_text=True)
    assert "login" in audit_actions(db_session, user)
    db_session.refresh(user)
    assert user.last_login_at is not None


def test_email_is_matched_without_regard_to_case(client, auth):
    UserFactory(email="jo.case@hearth.example")
    assert auth.login(email="  Jo.Case@Hearth.Example ").status_code == 302


def test_wrong_password_shows_an_error_beside_the_field(client, auth, db_session):
    user = UserFactory()
    response = auth.login(user, password="not the right password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "Enter a correct email address and password" in page
    assert 'href="#password"' in page  # the error summary links to the field
    assert "login_failed" in audit_actions(db_session, user)
    db_session.refresh(user)
    assert user.failed_login_count == 1


def test_unknown_user_gets_the_same_message_and_an_audit_row_without_what_was_typed(client, auth, db_session):
    # People type their password into the email field: an address that names no account is not kept.
    response = auth.login(email="correct horse battery staple", password="whatever whatever")
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    row = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert row.actor_id is None and row.actor_label == "unknown account"
    assert "horse" not in str(row.detail) and "horse" not in (row.actor_label or "")


def test_empty_form_gets_field_errors(client):
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    text = response.get_data(as_text=True)
    assert "Enter your email address" in text and "Enter your password" in text


def test_five_failures_lock_the_account_even_against_the_right_password(client, auth, db_session, app):
    user = UserFactory()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user, password="wrong password again")
    response = auth.login(user)
    assert response.status_code == 200
    assert audit_actions(db_session, user)[-1] == "login_refused_locked"
    assert client.get("/").status_code == 302  # still not signed in


def test_a_locked_account_answers_as_an_unknown_address_does(client, auth, db_session, app):
    """No enumeration: the page cannot tell a locked account from one that does not exist."""
    user = UserFactory()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user, password="wrong password again")
    locked = auth.login(user, password="wrong password again").get_data(as_text=True)
    unknown = auth.login(email="nobody@hearth.example", password="wrong password again").get_data(as_text=True)
    assert "locked for 15 minutes" in locked and "This account is locked" not in locked
    strip = lambda page: re.sub(r'name="csrf_token"[^>]*>|value="[^"]*"', "", page)  # noqa: E731
    assert strip(locked) == strip(unknown)


def test_lock_expires(client, auth, db_session):
    user = UserFactory(locked_until=clock.now() - timedelta(seconds=1))
    assert auth.login(user).status_code == 302


def test_failures_are_counted_in_the_database_not_the_process(app, auth, db_session):
    """Two app instances (as two gunicorn workers) share one count."""
    user = UserFactory()
    auth.login(user, password="wrong password one")
    other_worker = app.test_client()
    page = other_worker.get("/sign-in")
    other_worker.post("/sign-in", data={"email": user.email, "password": "wrong password two",
                                        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert db_session.scalar(select(User.failed_login_count).where(User.id == user.id)) == 2


def test_deactivated_user_cannot_sign_in(auth):
    user = UserFactory(active=False)
    assert "Enter a correct email address and password" in auth.login(user).get_data(as_text=True)


def test_missing_csrf_token_is_a_clear_error_page(client):
    user = UserFactory()
    response = client.post("/sign-in", data={"email": user.email, "password": "x" * 12})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)


def test_next_goes_back_to_the_page_asked_for_but_never_off_site(client, auth):
    user = UserFactory()
    assert client.get("/audit/").headers["Location"].startswith("/sign-in?next=")
    page = client.get("/sign-in?next=//evil.example/")
    response = client.post("/sign-in?next=//evil.example/", data={
        "email": user.email, "password": "correct horse battery staple",
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/"


def test_sign_out_ends_every_session_of_the_user(app, client, auth, db_session):
    user = UserFactory()
    auth.login(user)
    laptop = app.test_client()
    type(auth)(laptop).login(user)
    assert laptop.get("/").status_code == 200
    response = auth.logout()
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert "logout" in audit_actions(db_session, user)


def test_login_is_rate_limited(limited_app, db_session):
    limited = limited_app(RATELIMIT_LOGIN="3 per minute")
    client = limited.test_client()
    responses = []
    for _ in range(4):
        page = client.get("/sign-in")
        responses.append(client.post("/sign-in", data={
            "email": "someone@hearth.example", "password": "wrong password",
            "csrf_token": csrf_token(page.get_data(as_text=True))}))
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert "Too many attempts" in responses[-1].get_data(as_text=True)


def test_nul_bytes_and_huge_input_are_answered_not_crashed(client):
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"email": "a\x00b@hearth.example", "password": "x\x00" * 3000,
                                             "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
