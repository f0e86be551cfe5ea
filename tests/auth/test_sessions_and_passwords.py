"""Session timeouts, password changes and the password rules."""
from __future__ import annotations

import pytest

from crm.auth.passwords import hash_password, password_problem, verify_password
from tests.conftest import csrf_token
from tests.factories import PASSWORD, UserFactory


def _age_session(client, **seconds_ago):
    with client.session_transaction() as session:
        for key, seconds in seconds_ago.items():
            session[key] -= seconds


def test_idle_session_times_out(app, client, auth):
    auth.login(UserFactory())
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    _age_session(client, last_seen=idle + 1)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert "your session timed out" in client.get("/sign-in").get_data(as_text=True)


def test_active_session_still_ends_at_the_absolute_limit(app, client, auth):
    auth.login(UserFactory())
    absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    _age_session(client, signed_in_at=absolute + 1)
    assert client.get("/").status_code == 302


def test_recent_activity_keeps_the_session(app, client, auth):
    auth.login(UserFactory())
    _age_session(client, last_seen=60)
    assert client.get("/").status_code == 200


def _change(client, current, new, confirm=None):
    page = client.get("/account/password")
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm_password": confirm or new,
        "csrf_token": csrf_token(page.get_data(as_text=True))})


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, auth, db_session):
    user = UserFactory()
    auth.login(user)
    phone = app.test_client()
    type(auth)(phone).login(user)
    response = _change(client, PASSWORD, "marmalade teapot lighthouse")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    db_session.refresh(user)
    assert verify_password(user.password_hash, "marmalade teapot lighthouse")


@pytest.mark.parametrize("current, new, confirm, message", [
    ("wrong current password", "marmalade teapot lighthouse", None, "Your current password is wrong"),
    (PASSWORD, "short", None, "Password must be 12 characters or more"),
    (PASSWORD, "password1234", None, "This is a very common password"),
    (PASSWORD, "marmalade teapot lighthouse", "something else", "The passwords do not match"),
])
def test_bad_password_changes_are_refused_with_a_reason(client, auth, db_session, current, new, confirm, message):
    user = UserFactory()
    auth.login(user)
    response = _change(client, current, new, confirm)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db_session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize("password, refused", [
    ("elevenchars", True),
    ("qwertyuiop12", True),
    ("aaaaaaaaaaaaaaaa", True),
    ("Password1234!", True),
    ("marmalade teapot lighthouse", False),
    ("Tr7-vx92-Lmq4", False),
])
def test_password_rules(password, refused):
    assert (password_problem(password) is not None) is refused


def test_password_containing_the_users_name_is_weaker():
    assert password_problem("jobloggs2026", personal=("jo.bloggs@hearth.example", "Jo Bloggs")) is not None


def test_hashes_are_argon2_and_salted():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, PASSWORD) and not verify_password(first, PASSWORD + "x")
    assert not verify_password(None, PASSWORD) and not verify_password("not a hash", PASSWORD)
