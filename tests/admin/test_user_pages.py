"""The administration pages for users: the list and its filters, adding a user (a link, never a password), a
user's page and its actions, and the public set-password page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.models import User
from crm.auth.roles import Role
from tests.auth.test_navigation import entries
from tests.conftest import AuthActions
from tests.factories import TeamFactory, UserFactory
from tests.helpers import count, post
from tests.queues.helpers import StatementCounter

NEW_PASSWORD = "quartz meadow kettle lantern"


@pytest.fixture
def admin(auth, db_session):
    user = UserFactory(roles=[Role.ADMINISTRATOR], full_name="Alex Admin")
    auth.login(user)
    return user


def link_path(html: str) -> str:
    return re.search(r'data-testid="password-link">https?://[^/]+(/set-password/[^<\s]+)<', html).group(1)


def add_user(client, **fields):
    data = {"full_name": "Nia Newcomer", "email": "nia@example.org", "roles": ["stage_one_worker"], "team": ""}
    return post(client, "/admin/users/new", None, {**data, **fields})


def test_an_added_user_sets_a_password_at_the_link_shown_once_then_signs_in(app, client, admin, db_session):
    team = TeamFactory(name="North")
    response = add_user(client, team=str(team.id), roles=["stage_one_worker", "manager"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "User added" in html and "It was not emailed" in html
    path = link_path(html)
    user = db_session.scalar(select(User).where(User.email == "nia@example.org"))
    assert user.roles == {Role.STAGE_ONE_WORKER, Role.MANAGER} and user.team is team
    assert path.split("/")[-1] not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)

    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "nia@example.org" in page.get_data(as_text=True)
    mismatch = post(newcomer, path, None, {"new_password": NEW_PASSWORD, "confirm_password": "something else"})
    assert mismatch.status_code == 400 and "The passwords do not match" in mismatch.get_data(as_text=True)
    weak = post(newcomer, path, None, {"new_password": "short", "confirm_password": "short"})
    assert weak.status_code == 400 and "12 characters or more" in weak.get_data(as_text=True)
    assert "<title>Error: " in weak.get_data(as_text=True)
    done = post(newcomer, path, None, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    used = newcomer.get(path)
    assert used.status_code == 404 and "already been used" in used.get_data(as_text=True)
    assert AuthActions(newcomer).login(email="nia@example.org", password=NEW_PASSWORD).status_code == 302
    assert newcomer.get("/").status_code == 200


def test_an_expired_link_is_refused_clearly(app, client, admin, db_session, travel):
    start = travel(clock.now(), tick=False)
    path = link_path(add_user(client).get_data(as_text=True))
    travel(start + timedelta(hours=25), tick=False)
    response = app.test_client().get(path)
    assert response.status_code == 404 and "This link has expired" in response.get_data(as_text=True)
    assert app.test_client().get("/set-password/made-up-token").status_code == 404


def test_the_link_is_emailed_when_smtp_is_set(client, admin, db_session, mail_to):
    html = add_user(client).get_data(as_text=True)
    assert "It has also been emailed to nia@example.org" in html
    (recipients, subject), = mail_to.messages
    assert recipients == ("nia@example.org",) and "choose your password" in subject
    assert link_path(html) in mail_to.bodies[0]


@pytest.mark.parametrize("fields, field_id, message", [
    ({"email": "not an email"}, "email", "Enter an email address in the correct format"),
    ({"email": ""}, "email", "Enter an email address"),
    ({"roles": []}, "roles", "Choose at least one role"),
    ({"full_name": "  "}, "full_name", "Enter the person"),
    ({"email": "taken@example.org"}, "email", "A user with the email address taken@example.org already exists"),
])
def test_bad_input_is_answered_beside_the_field_and_adds_nobody(client, admin, db_session, fields, field_id,
                                                                  message):
    UserFactory(email="taken@example.org")
    before = count(db_session, User)
    response = add_user(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: " in html
    assert re.search(rf'id="{field_id}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                     rf'{re.escape(message[:30])}', html), html[html.find("govuk-error-summary"):][:800]
    assert count(db_session, User) == before
    assert count(db_session, AuditEvent, AuditEvent.action == "user_created") == 0


def test_editing_roles_and_team_and_the_last_administrator(client, admin, db_session):
    team = TeamFactory(name="South")
    user = UserFactory(roles=[Role.RECRUITMENT_OFFICER], full_name="Rita Recruiter")
    response = post(client, f"/admin/users/{user.id}", None,
                    {"full_name": "Rita Recruiter", "roles": ["manager"], "team": str(team.id)})
    assert response.status_code == 302
    db_session.expire_all()
    assert user.roles == {Role.MANAGER} and user.team is team
    refused = post(client, f"/admin/users/{admin.id}", None, {"full_name": admin.full_name, "roles": ["manager"]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "the last active administrator and cannot lose the administrator role" in html
    db_session.expire_all()
    assert admin.roles == {Role.ADMINISTRATOR}
    response = post(client, f"/admin/users/{admin.id}", f"/admin/users/{admin.id}/deactivate", {})
    assert "last active administrator and cannot be deactivated" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert admin.active


def test_deactivation_ends_the_users_sessions_at_once_and_reactivation_lets_them_back(app, client, admin,
                                                                                         db_session):
    user = UserFactory(roles=[Role.MANAGER])
    elsewhere = app.test_client()
    AuthActions(elsewhere).login(user)
    assert elsewhere.get("/").status_code == 200
    page = f"/admin/users/{user.id}"
    assert post(client, page, f"{page}/deactivate", {}).status_code == 302
    assert elsewhere.get("/").status_code == 302
    assert AuthActions(elsewhere).login(user).status_code == 200  # refused: the form again
    assert "Deactivated" in client.get(page).get_data(as_text=True)
    assert post(client, page, f"{page}/reactivate", {}).status_code == 302
    assert AuthActions(elsewhere).login(user).status_code == 302
    assert [e.action for e in db_session.scalars(select(AuditEvent).where(AuditEvent.object_id == str(user.id),
                                                                          AuditEvent.object_type == "user"))] == [
        "user_deactivated", "user_reactivated"]


def test_unlock_and_a_new_link(client, admin, db_session):
    user = UserFactory(failed_login_count=2, locked_until=clock.now() + timedelta(minutes=10))
    page = f"/admin/users/{user.id}"
    assert ">Unlock<" in client.get(page).get_data(as_text=True)
    assert post(client, page, f"{page}/unlock", {}).status_code == 302
    db_session.expire_all()
    assert user.locked_until is None and ">Unlock<" not in client.get(page).get_data(as_text=True)
    response = post(client, page, f"{page}/password-link", {})
    assert response.status_code == 200 and "New set-password link" in response.get_data(as_text=True)


def test_the_list_filters_and_pages_at_a_constant_statement_count(app, client, admin, db_session):
    team = TeamFactory(name="East")
    UserFactory(roles=[Role.MANAGER], team=team, full_name="Mo Manager")
    UserFactory(roles=[Role.MANAGER], active=False, full_name="Gil Gone")
    with StatementCounter(app) as few:
        client.get("/admin/users")
    for _ in range(30):
        UserFactory(roles=[Role.STAGE_ONE_WORKER, Role.RECRUITMENT_OFFICER], team=TeamFactory())
    with StatementCounter(app) as many:
        html = client.get("/admin/users").get_data(as_text=True)
    assert "Showing 1 to 25 of 33 users" in html and many.count == few.count
    html = client.get(f"/admin/users?role=manager&team={team.id}").get_data(as_text=True)
    assert "Mo Manager" in html and "Gil Gone" not in html and "1 user." in html
    html = client.get("/admin/users?status=deactivated").get_data(as_text=True)
    assert "Gil Gone" in html and "Mo Manager" not in html
    assert client.get("/admin/users?status=nonsense&team=x&page=zz").status_code == 200


def test_only_administrators_administer(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    for url in ("/admin/", "/admin/users", "/admin/users/new", "/admin/teams", "/admin/partner-authorities"):
        assert client.get(url).status_code == 403


def test_the_administration_index_links_every_section(client, admin, db_session):
    html = client.get("/admin/").get_data(as_text=True)
    for href in ("/admin/users", "/admin/teams", "/admin/partner-authorities", "/admin/api-tokens", "/admin/checks"):
        assert f'href="{href}"' in html
    assert re.search(r'govuk-service-navigation__item--active">\s*<a[^>]*href="/admin/"', html)
    nav = entries(client.get("/").get_data(as_text=True))
    assert nav["Administration"] == "/admin/"
    assert not {"Users", "API tokens"} & set(nav)
