"""Every route in the url_map, for every role and for a visitor who is not signed in."""
from __future__ import annotations

import pytest
from flask import Blueprint

from crm.auth.policy import APPLICANT, PUBLIC, SIGNED_IN, access_rule
from crm.auth.roles import Role
from tests.conftest import make_test_app
from tests.factories import UserFactory

ARGUMENT_SAMPLES = {"integer": 1, "int": 1, "default": "x", "string": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def routes(app):
    """(endpoint, method, url) for every rule; POST before GET never matters: no rule changes state without CSRF."""
    for rule in app.url_map.iter_rules():
        args = {name: ARGUMENT_SAMPLES.get(type(conv).__name__.lower().replace("converter", ""), "x")
                for name, conv in rule._converters.items()}
        url = rule.build(args)[1] if rule.arguments else rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def expected(app, endpoint: str, role: Role | None) -> str:
    rule = access_rule(app, endpoint)
    if rule == PUBLIC:
        return "allowed"
    if rule == APPLICANT:
        return "login"  # the applicant portal's pages: no staff role opens them (tests/portal/test_access.py)
    if role is None:
        return "login"
    if rule == SIGNED_IN or (rule is not None and role in rule):
        return "allowed"
    return "forbidden"


def outcome(response) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.status_code in (301, 302, 303) and "/sign-in" in response.headers.get("Location", ""):
        return "login"
    assert response.status_code < 500, f"server error {response.status_code}"
    return "allowed"


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules() if access_rule(app, rule.endpoint) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_role_by_route(app, client, auth, role):
    if role is not None:
        assert auth.login(UserFactory(roles=[role])).status_code == 302
    mismatches = []
    checked = 0
    for endpoint, method, url in routes(app):
        if endpoint == "auth.logout":
            continue  # signing out would end the session the rest of the walk needs; covered below
        if endpoint == "auth.login" and role is not None:
            continue  # a signed-in user is sent home from the sign-in page by design
        got = outcome(client.open(url, method=method))
        checked += 1
        if got != expected(app, endpoint, role):
            mismatches.append((method, url, got, expected(app, endpoint, role)))
    assert checked >= 5
    assert mismatches == []


def test_sign_out_needs_a_session(client):
    response = client.post("/sign-out")
    assert outcome(response) == "login"


def test_a_route_without_a_rule_is_refused(database_url, tmp_path, db_session):
    app = make_test_app(database_url, tmp_path)
    undeclared = Blueprint("undeclared", __name__)
    undeclared.add_url_rule("/undeclared", "view", lambda: "secret")
    app.register_blueprint(undeclared)
    client = app.test_client()
    assert client.get("/undeclared").status_code == 403
    assert "secret" not in client.get("/undeclared").get_data(as_text=True)


def test_forbidden_page_is_a_clear_page(client, auth):
    auth.login(UserFactory(roles=[Role.MARKETING_OFFICER]))
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.get_data(as_text=True)
