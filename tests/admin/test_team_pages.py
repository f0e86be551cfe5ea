"""Teams: created, renamed, members and manager, from the pages and `crm teams ...`; the team's manager heads the
escalation ladder's team rung."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth import teams
from crm.auth.models import Team
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.escalations.recipients import Directory
from tests.factories import TeamFactory, UserFactory
from tests.helpers import count, post


@pytest.fixture
def admin(auth, db_session):
    user = UserFactory(roles=[Role.ADMINISTRATOR])
    auth.login(user)
    return user


def test_create_rename_members_and_manager_from_the_pages(client, admin, db_session):
    response = post(client, "/admin/teams", None, {"name": "  Fostering   North "})
    team = db_session.scalar(select(Team).where(Team.name == "Fostering North"))
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/teams/{team.id}"
    page = f"/admin/teams/{team.id}"
    manager = UserFactory(roles=[Role.MANAGER], full_name="Mina Manager")
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER], full_name="Wes Worker", team=TeamFactory(name="Other"))
    assert post(client, page, f"{page}/members", {"user": str(worker.id)}).status_code == 302
    assert post(client, page, f"{page}/manager", {"manager": str(manager.id)}).status_code == 302
    assert post(client, page, f"{page}/rename", {"name": "Fostering North and West"}).status_code == 302
    db_session.expire_all()
    assert (team.name, team.manager, worker.team) == ("Fostering North and West", manager, team)
    html = client.get("/admin/teams").get_data(as_text=True)
    assert "Fostering North and West" in html and "Mina Manager" in html
    assert post(client, page, f"{page}/members/{worker.id}/remove", {}).status_code == 302
    db_session.expire_all()
    assert worker.team is None
    assert [e.action for e in db_session.scalars(select(AuditEvent).where(AuditEvent.object_type == "team")
                                                 .order_by(AuditEvent.id))] == [
        "team_created", "team_manager_set", "team_renamed"]


def test_bad_input_is_answered_beside_the_field(client, admin, db_session):
    TeamFactory(name="Adoption")
    response = post(client, "/admin/teams", None, {"name": "ADOPTION"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'There is already a team called &#34;Adoption&#34;' in html
    assert "<title>Error: " in html and count(db_session, Team) == 1
    team = TeamFactory(name="Kinship")
    page = f"/admin/teams/{team.id}"
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    response = post(client, page, f"{page}/manager", {"manager": str(worker.id)})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    response = post(client, page, f"{page}/rename", {"name": ""})
    assert response.status_code == 400 and "Enter a name" in response.get_data(as_text=True)
    response = post(client, page, f"{page}/members", {"user": ""})
    assert response.status_code == 400 and "Choose a user to add" in response.get_data(as_text=True)


def test_a_team_manager_must_be_an_active_manager(app_context, db_session):
    team = TeamFactory()
    with pytest.raises(DomainError, match="does not have the manager role"):
        teams.set_manager(team, UserFactory(roles=[Role.STAGE_ONE_WORKER]), actor=None)
    with pytest.raises(DomainError, match="deactivated"):
        teams.set_manager(team, UserFactory(roles=[Role.MANAGER], active=False), actor=None)
    assert team.manager is None


def test_escalations_go_to_the_teams_manager_when_set(app_context, db_session):
    team, other = TeamFactory(), TeamFactory()
    in_team = UserFactory(roles=[Role.MANAGER], team=team)
    head = UserFactory(roles=[Role.MANAGER], team=other)
    assert Directory().team_managers(team.id) == [in_team.id]
    teams.set_manager(team, head, actor=None)
    assert Directory().team_managers(team.id) == [head.id]
    head.active = False
    db_session.flush()
    assert Directory().team_managers(team.id) == [in_team.id]


def test_cli_teams(runner, db_session):
    manager = UserFactory(roles=[Role.MANAGER], email="boss@example.org")
    assert runner.invoke(args=["teams", "list"]).output.startswith("No teams yet")
    assert runner.invoke(args=["teams", "create", "Adoption"]).output == "Created Adoption.\n"
    result = runner.invoke(args=["teams", "create", "adoption"])
    assert result.exit_code == 1 and "already a team" in result.output
    assert runner.invoke(args=["teams", "rename", "Adoption", "Adoption South"]).exit_code == 0
    result = runner.invoke(args=["teams", "set-manager", "Adoption South", "boss@example.org"])
    assert result.exit_code == 0 and result.output == "Adoption South: manager boss@example.org.\n"
    assert runner.invoke(args=["teams", "list"]).output == "Adoption South\tboss@example.org\t0 members\n"
    result = runner.invoke(args=["teams", "set-manager", "Nowhere", "boss@example.org"])
    assert result.exit_code == 1 and 'There is no team called "Nowhere"' in result.output
    assert manager.active
