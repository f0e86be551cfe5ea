"""Administering accounts through the services and `crm users ...`: creating with a set-password link, roles and
team, deactivation, unlocking, the last administrator, and the link's rules (24 hours, once)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth import accounts, services
from crm.auth.models import User
from crm.auth.passwords import NO_PASSWORD, verify_password
from crm.auth.roles import Role
from crm.errors import DomainError
from tests.factories import TeamFactory, UserFactory

NEW_PASSWORD = "quartz meadow kettle lantern"
MONDAY = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)


def actions(db_session, user) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "user",
                                                                   AuditEvent.object_id == str(user.id))
                                   .order_by(AuditEvent.id)))


def test_a_new_user_has_no_password_until_they_use_their_link(app_context, db_session, travel):
    travel(MONDAY, tick=False)
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    user = services.create_user(" Worker@Example.org ", "  Ada   Lovelace ", None, [Role.STAGE_ONE_WORKER], actor=admin)
    assert (user.email, user.full_name, user.password_hash) == ("worker@example.org", "Ada Lovelace", NO_PASSWORD)
    assert accounts.status(user) == accounts.Status.AWAITING_PASSWORD
    token = accounts.issue_password_link(user, actor=admin)
    assert user.password_link_hash != token and len(token) >= 40
    assert user.password_link_expires_at == MONDAY + timedelta(hours=24)
    with pytest.raises(DomainError):
        services.authenticate(user.email, NEW_PASSWORD)
    assert accounts.set_password_with_link(token, NEW_PASSWORD) is user
    db_session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD) and user.password_link_hash is None
    assert services.authenticate(user.email, NEW_PASSWORD) is user
    assert actions(db_session, user) == ["user_created", "password_link_issued", "password_set_with_link"]


def test_a_link_works_once_and_for_24_hours_and_a_newer_one_replaces_it(app_context, db_session, travel):
    travel(MONDAY)
    user = UserFactory()
    first = accounts.issue_password_link(user, actor=None)
    second = accounts.issue_password_link(user, actor=None)
    with pytest.raises(DomainError, match="already been used, or a newer link"):
        accounts.link_holder(first)
    travel(MONDAY + timedelta(hours=24, seconds=1))
    with pytest.raises(DomainError, match="expired"):
        accounts.set_password_with_link(second, NEW_PASSWORD)
    travel(MONDAY + timedelta(hours=1))
    third = accounts.issue_password_link(user, actor=None)
    accounts.set_password_with_link(third, NEW_PASSWORD)
    with pytest.raises(DomainError, match="already been used"):
        accounts.set_password_with_link(third, "another quartz meadow kettle")


def test_a_weak_password_keeps_the_link(app_context, db_session):
    user = UserFactory(full_name="Grace Hopper")
    token = accounts.issue_password_link(user, actor=None)
    for weak, message in (("short", "12 characters"), ("grace hopper rocks", "name or email"),
                          ("password1234", "Choose a longer password")):
        with pytest.raises(DomainError, match=message) as refused:
            accounts.set_password_with_link(token, weak)
        assert refused.value.field == "new_password"
    assert accounts.link_holder(token) is user


@pytest.mark.parametrize("email, roles, field, message", [
    ("not-an-email", [Role.MANAGER], "email", "correct format"),
    ("", [Role.MANAGER], "email", "Enter an email address"),
    ("someone@example.org", [], "roles", "at least one role"),
])
def test_bad_input_creates_nothing(app_context, db_session, email, roles, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        services.create_user(email, "Someone", None, roles)
    assert refused.value.field == field
    assert db_session.scalar(select(User).where(User.full_name == "Someone")) is None


def test_an_email_address_is_one_account_in_any_capitalisation(app_context, db_session):
    UserFactory(email="taken@example.org")
    with pytest.raises(DomainError, match="already exists"):
        services.create_user("TAKEN@example.org", "Someone", None, [Role.MANAGER])


def test_deactivating_ends_sessions_and_sign_in_keeps_history(app_context, db_session):
    UserFactory(roles=[Role.ADMINISTRATOR])
    user = UserFactory(roles=[Role.ADMINISTRATOR])
    token, session_token = accounts.issue_password_link(user, actor=None), user.session_token
    accounts.deactivate(user, actor=None)
    assert not user.active and user.session_token != session_token
    assert services.load_user(user.session_token) is None
    with pytest.raises(DomainError):
        accounts.link_holder(token)
    with pytest.raises(DomainError, match="correct email address and password"):
        services.authenticate(user.email, "correct horse battery staple")
    with pytest.raises(DomainError, match="already deactivated"):
        accounts.deactivate(user, actor=None)
    accounts.reactivate(user, actor=None)
    assert services.authenticate(user.email, "correct horse battery staple") is user
    assert actions(db_session, user)[:2] == ["password_link_issued", "user_deactivated"]


def test_the_last_active_administrator_stays_one(app_context, db_session):
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    UserFactory(roles=[Role.ADMINISTRATOR], active=False)
    with pytest.raises(DomainError, match="last active administrator and cannot be deactivated"):
        accounts.deactivate(admin, actor=admin)
    with pytest.raises(DomainError, match="last active administrator and cannot lose the administrator role") as refused:
        accounts.update_user(admin, full_name=admin.full_name, roles=[Role.MANAGER], team=None, actor=admin)
    assert refused.value.field == "roles"
    assert admin.active and admin.roles == {Role.ADMINISTRATOR}
    other = UserFactory(roles=[Role.ADMINISTRATOR, Role.MANAGER])
    accounts.update_user(admin, full_name=admin.full_name, roles=[Role.MANAGER], team=None, actor=other)
    assert admin.roles == {Role.MANAGER}


def test_update_changes_roles_and_team_and_audits_what_changed(app_context, db_session):
    old, new = TeamFactory(name="North"), TeamFactory(name="South")
    user = UserFactory(roles=[Role.RECRUITMENT_OFFICER], team=old)
    accounts.update_user(user, full_name=user.full_name, roles=[Role.MANAGER, Role.RECRUITMENT_OFFICER], team=new,
                         actor=None)
    assert user.roles == {Role.MANAGER, Role.RECRUITMENT_OFFICER} and user.team is new
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "user_updated"))
    assert event.detail == {"roles": [["recruitment_officer"], ["manager", "recruitment_officer"]],
                            "team": ["North", "South"]}
    assert event.actor_label == "command line"


def test_unlock_clears_the_lock(app_context, db_session):
    user = UserFactory(failed_login_count=3, locked_until=clock.now() + timedelta(minutes=10))
    assert accounts.status(user) == accounts.Status.LOCKED
    accounts.unlock(user, actor=None)
    assert (user.failed_login_count, user.locked_until) == (0, None)
    assert accounts.status(user) == accounts.Status.ACTIVE


def test_users_query_filters_by_role_team_and_status(app_context, db_session):
    team = TeamFactory()
    manager = UserFactory(roles=[Role.MANAGER], team=team, full_name="A Manager")
    gone = UserFactory(roles=[Role.MANAGER], active=False, full_name="B Gone")
    locked = UserFactory(roles=[Role.STAGE_ONE_WORKER], locked_until=clock.now() + timedelta(minutes=5),
                         full_name="C Locked")
    invited = UserFactory(roles=[Role.STAGE_ONE_WORKER], password_hash=NO_PASSWORD, full_name="D Invited")

    def found(**filters):
        return list(db_session.scalars(accounts.users_query(accounts.UserFilters(**filters))))

    assert found(role=Role.MANAGER) == [manager, gone]
    assert found(team_id=team.id) == [manager]
    assert manager not in found(team_id=0) and locked in found(team_id=0)
    assert found(status=accounts.Status.DEACTIVATED) == [gone]
    assert found(status=accounts.Status.LOCKED) == [locked]
    assert found(status=accounts.Status.AWAITING_PASSWORD) == [invited]
    assert manager in found(status=accounts.Status.ACTIVE) and locked not in found(status=accounts.Status.ACTIVE)


# The command line

def link_in(output: str) -> str:
    return re.search(r"/set-password/(\S+)", output).group(1)


def test_cli_create_prints_a_link_and_the_user_can_set_a_password(runner, app, db_session):
    result = runner.invoke(args=["users", "create", "new@example.org", "--name", "Nell Newman", "--role", "manager",
                                 "--team", "West"])
    assert result.exit_code == 0, result.output
    assert "Created new@example.org (Manager)." in result.output
    assert "Set-password link for new@example.org" in result.output
    with app.app_context():
        user = services.find_user("new@example.org")
        assert user.team.name == "West" and user.password_hash == NO_PASSWORD
        accounts.set_password_with_link(link_in(result.output), NEW_PASSWORD)


def test_cli_create_with_a_password_prints_no_link(runner, db_session):
    result = runner.invoke(args=["users", "create", "scripted@example.org", "--name", "Sam Script", "--role",
                                 "manager", "--password", NEW_PASSWORD])
    assert result.exit_code == 0 and "set-password" not in result.output


def test_cli_refuses_bad_input(runner, db_session):
    UserFactory(email="taken@example.org")
    result = runner.invoke(args=["users", "create", "taken@example.org", "--name", "X", "--role", "manager"])
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(args=["users", "create", "nope", "--name", "X", "--role", "manager"])
    assert result.exit_code == 1 and "correct format" in result.output
    result = runner.invoke(args=["users", "deactivate", "nobody@example.org"])
    assert result.exit_code == 1 and "no user with the email address" in result.output


def test_cli_update_deactivate_reactivate_unlock_link_and_list(runner, app, db_session):
    admin = UserFactory(roles=[Role.ADMINISTRATOR], email="admin@example.org")
    TeamFactory(name="East")
    user = UserFactory(email="worker@example.org", roles=[Role.STAGE_ONE_WORKER], full_name="Wendy Worker")
    assert runner.invoke(args=["users", "update", "worker@example.org", "--role", "manager", "--team", "East"]
                         ).exit_code == 0
    db_session.expire_all()
    assert user.roles == {Role.MANAGER} and user.team.name == "East"
    result = runner.invoke(args=["users", "deactivate", "admin@example.org"])
    assert result.exit_code == 1 and "last active administrator" in result.output
    db_session.refresh(admin)
    assert admin.active
    for command in ("deactivate", "reactivate", "unlock", "set-password-link"):
        result = runner.invoke(args=["users", command, "worker@example.org"])
        assert result.exit_code == 0, result.output
    assert "/set-password/" in result.output
    listed = runner.invoke(args=["users", "list", "--team", "East"]).output
    assert listed == "worker@example.org\tWendy Worker\tmanager\tEast\tactive\n"
    assert runner.invoke(args=["users", "list", "--status", "deactivated"]).output == "No users.\n"
