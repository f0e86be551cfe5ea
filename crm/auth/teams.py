"""Administering teams: their names, members and manager. Every change is audited; the caller commits."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.audit.services import CLI_ACTOR, record_event
from crm.auth.models import Team, User
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import db

MAX_NAME = 120  # the column's length


def _audit(action: str, team: Team, actor: User | None, **detail) -> None:
    record_event(db.session, action, actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="team", object_id=team.id, detail=detail or None)


def find_team(name: str) -> Team | None:
    """The team of this name, in any capitalisation."""
    return db.session.scalar(select(Team).where(func.lower(Team.name) == " ".join(name.split()).lower()))


def _valid_name(name: str, team: Team | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the team's name", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The team's name must be {MAX_NAME} characters or fewer", "name")
    taken = find_team(name)
    if taken is not None and taken is not team:
        raise DomainError(f'There is already a team called "{taken.name}"', "name")
    return name


def create_team(name: str, *, actor: User | None) -> Team:
    team = Team(name=_valid_name(name))
    db.session.add(team)
    db.session.flush()
    _audit("team_created", team, actor, name=team.name)
    return team


def rename_team(team: Team, name: str, *, actor: User | None) -> None:
    name = _valid_name(name, team)
    if name != team.name:
        old, team.name = team.name, name
        db.session.flush()
        _audit("team_renamed", team, actor, name=[old, name])


def set_manager(team: Team, manager: User | None, *, actor: User | None) -> None:
    """The team's manager (an active user with the manager role), or none: escalations then go to the managers
    in the team."""
    if manager is not None and not manager.active:
        raise DomainError(f"{manager.full_name} is deactivated and cannot manage a team", "manager")
    if manager is not None and Role.MANAGER not in manager.roles:
        raise DomainError(f"{manager.full_name} does not have the manager role: give it to them first", "manager")
    if manager is not team.manager:
        before = team.manager.email if team.manager else None
        team.manager = manager
        db.session.flush()
        _audit("team_manager_set", team, actor, manager=[before, manager.email if manager else None])


def add_member(team: Team, user: User, *, actor: User | None) -> None:
    """Move the user into the team (out of any other)."""
    if user.team is team:
        raise DomainError(f"{user.full_name} is already in {team.name}", "user")
    before = user.team.name if user.team else None
    user.team = team
    db.session.flush()
    record_event(db.session, "user_updated", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="user", object_id=user.id, detail={"team": [before, team.name]})


def remove_member(team: Team, user: User, *, actor: User | None) -> None:
    if user.team is not team:
        raise DomainError(f"{user.full_name} is not in {team.name}", "user")
    user.team = None
    db.session.flush()
    record_event(db.session, "user_updated", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="user", object_id=user.id, detail={"team": [team.name, None]})
