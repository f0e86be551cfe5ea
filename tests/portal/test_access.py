"""The applicant in the role x route matrix: a signed-in applicant opens no staff page (and staff and visitors no
/my/ page: tests/auth/test_access_matrix.py); every portal form is CSRF-protected and rate-limited; junk posted to
every /my/ form gets no server error."""
from __future__ import annotations

from datetime import date

import pytest

from crm.auth.policy import APPLICANT, PUBLIC, access_rule
from tests.auth.test_access_matrix import outcome, routes
from tests.conftest import csrf_token
from tests.portal.helpers import portal_applicant, sign_in


def test_a_signed_in_applicant_opens_no_staff_route(app, client, db_session):
    account = portal_applicant(db_session)
    assert sign_in(client, account).status_code == 302
    mismatches, checked = [], 0
    for endpoint, method, url in routes(app):
        if endpoint in ("portal.sign_out", "auth.logout"):
            continue
        got = outcome(client.open(url, method=method))
        rule = access_rule(app, endpoint)
        wanted = "allowed" if rule in (PUBLIC, APPLICANT) else "login"
        checked += 1
        if got != wanted:
            mismatches.append((method, url, got, wanted))
    assert client.get("/my/").status_code == 200  # still signed in after the walk
    assert checked > 100 and mismatches == []


def test_staff_pages_send_the_applicant_to_the_staff_sign_in(app, client, db_session):
    sign_in(client, portal_applicant(db_session))
    response = client.get("/households")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_every_portal_form_refuses_a_post_without_csrf(app, client, db_session):
    account = portal_applicant(db_session)
    sign_in(client, account)
    for url in ("/my/messages", "/my/consents", f"/my/details/{account.person_id}", "/my/sign-out"):
        assert client.post(url, data={"body": "x"}).status_code == 400, url
    assert client.get("/my/").status_code == 200


JUNK = [{}, {"body": "\x00" * 10, "kinds": "'; DROP TABLE people; --"}, {"first_name": ["a", "b"], "employed": "9"},
        {"date_of_birth": ["x", "y", "z"], "lived_abroad_months": "1e9"}, {"kinds": ["dbs"] * 50}]


@pytest.mark.parametrize("data", JUNK)
def test_junk_on_every_applicant_form_is_never_a_server_error(app, client, db_session, data):
    account = portal_applicant(db_session)
    sign_in(client, account)
    for endpoint, method, url in routes(app):
        if method != "POST" or access_rule(app, endpoint) != APPLICANT or endpoint == "portal.sign_out":
            continue
        url = url.replace("/1", f"/{account.person_id}") if "details" in url else url
        token = csrf_token(client.get("/my/").get_data(as_text=True))
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code < 500, (url, response.status_code)
    for url in ("/my/sign-in", "/my/sign-in/code", "/my/sign-in/enter-code", "/my/invitation/junk"):
        fresh = app.test_client()
        token = csrf_token(fresh.get("/my/sign-in").get_data(as_text=True))
        assert fresh.post(url, data={**data, "csrf_token": token}).status_code < 500, url


def _seed_applicant(app):
    """An applicant's account in the limited app's own database (committed: the limiter's tests use real requests)."""
    from crm.auth.passwords import hash_password
    from crm.extensions import db
    from crm.households.models import Household, Person, PersonRole
    from crm.portal.models import PortalAccount
    from tests.portal.helpers import APPLICANT_PASSWORD

    with app.app_context():
        household = Household(reference="LIMIT1", first_enquiry_on=date(2026, 1, 5))
        person = Person(household=household, role=PersonRole.APPLICANT, first_name="Lim", last_name="Ited")
        db.session.add_all([household, person])
        db.session.flush()
        account = PortalAccount(household_id=household.id, person_id=person.id, email="limited@example.org",
                                password_hash=hash_password(APPLICANT_PASSWORD), activated_at=household.created_at)
        db.session.add(account)
        db.session.commit()
        return account.email


def _posts(client, page, url, data, count):
    statuses = []
    for _ in range(count):
        token = csrf_token(client.get(page).get_data(as_text=True))
        statuses.append(client.post(url, data={**data, "csrf_token": token}).status_code)
    return statuses


def test_sign_in_code_and_invitation_forms_are_rate_limited(limited_app, db_session):
    app = limited_app(RATELIMIT_LOGIN="2 per minute", RATELIMIT_PORTAL_FORMS="100 per minute")
    client = app.test_client()
    wrong = {"email": "someone@example.org", "password": "wrong password"}
    assert _posts(client, "/my/sign-in", "/my/sign-in", wrong, 3) == [400, 400, 429]
    assert _posts(client, "/my/sign-in", "/my/sign-in/code", {"email": "a@example.org"}, 3)[-1] == 429
    assert _posts(client, "/my/sign-in", "/my/sign-in/enter-code", {"email": "a@example.org", "code": "1"},
                  3)[-1] == 429
    assert _posts(client, "/my/sign-in", "/my/invitation/junk", {}, 3)[-1] == 429


def test_every_applicant_post_is_rate_limited(limited_app, db_session):
    app = limited_app(RATELIMIT_LOGIN="100 per minute", RATELIMIT_PORTAL_FORMS="3 per minute")
    email = _seed_applicant(app)
    client = app.test_client()
    from tests.portal.helpers import APPLICANT_PASSWORD
    assert _posts(client, "/my/sign-in", "/my/sign-in", {"email": email, "password": APPLICANT_PASSWORD}, 1) == [302]
    assert _posts(client, "/my/messages", "/my/messages", {"body": ""}, 4) == [400, 400, 400, 429]
    assert _posts(client, "/my/consents", "/my/consents", {"kinds": "x"}, 4) == [400, 400, 400, 429]
