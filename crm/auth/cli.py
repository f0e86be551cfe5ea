"""`crm users ...` and `crm teams ...`: the administration pages' changes, for scripts. Each is audited."""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.auth import accounts, services, teams
from crm.auth.models import Team, User
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import db

users_group = AppGroup("users", help="Manage user accounts.")
teams_group = AppGroup("teams", help="Manage teams.")
ROLE_CHOICE = click.Choice([r.value for r in Role])


@contextmanager
def committed():
    """Commit what the block did, or undo it all and exit with the rule's message."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException("\n".join(message for _, message in error.problems)) from error
    db.session.commit()


def _user(email: str) -> User:
    user = services.find_user(email)
    if user is None:
        raise click.ClickException(f"There is no user with the email address {email}")
    return user


def _team(name: str, *, create: bool = False) -> Team:
    team = teams.find_team(name)
    if team is None and create:
        return teams.create_team(name, actor=None)
    if team is None:
        raise click.ClickException(f'There is no team called "{name}"')
    return team


def _print_link(user: User, token: str) -> None:
    url = accounts.link_url(token)
    sent = accounts.email_link(user, url)
    click.echo(f"Set-password link for {user.email} (works once, for 24 hours{', also emailed' if sent else ''}):")
    click.echo(url)


@users_group.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, required=True, type=ROLE_CHOICE, help="A role; repeat for several.")
@click.option("--team", help="Team name (created if new).")
@click.option("--password", help="For scripts: a password instead of a set-password link.")
def create(email, full_name, roles, team, password):
    """Create a user who signs in with EMAIL; prints a one-time link for them to choose their password."""
    with committed():
        team_row = _team(team, create=True) if team else None
        user = services.create_user(email, full_name, password, [Role(r) for r in roles], team=team_row)
        token = None if password else accounts.issue_password_link(user, actor=None)
    click.echo(f"Created {user.email} ({', '.join(sorted(r.label for r in user.roles))}).")
    if token:
        _print_link(user, token)


@users_group.command("update")
@click.argument("email")
@click.option("--name", "full_name", help="A new full name.")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, help="The user's roles (replacing theirs); repeat.")
@click.option("--team", help="Move the user to this team.")
@click.option("--no-team", is_flag=True, help="Take the user out of their team.")
def update(email, full_name, roles, team, no_team):
    """Change the name, roles or team of the user EMAIL."""
    user = _user(email)
    with committed():
        new_team = None if no_team else (_team(team) if team else user.team)
        accounts.update_user(user, full_name=full_name or user.full_name,
                             roles=[Role(r) for r in roles] if roles else list(user.roles), team=new_team, actor=None)
    click.echo(f"Updated {user.email}.")


def _account_command(name: str, change, done: str, help_text: str) -> None:
    @users_group.command(name, help=help_text)
    @click.argument("email")
    def command(email):
        user = _user(email)
        with committed():
            change(user, actor=None)
        click.echo(f"{done} {user.email}.")


_account_command("deactivate", accounts.deactivate, "Deactivated",
                 "Stop the user EMAIL signing in and end their sessions now; their history stays.")
_account_command("reactivate", accounts.reactivate, "Reactivated", "Let the deactivated user EMAIL sign in again.")
_account_command("unlock", accounts.unlock, "Unlocked", "Clear the failed sign-ins that locked the user EMAIL.")


@users_group.command("set-password-link")
@click.argument("email")
def set_password_link(email):
    """A new one-time link for the user EMAIL to choose a password (any earlier link stops working)."""
    user = _user(email)
    with committed():
        token = accounts.issue_password_link(user, actor=None)
    _print_link(user, token)


@users_group.command("list")
@click.option("--role", type=ROLE_CHOICE)
@click.option("--team", help="Team name.")
@click.option("--status", type=click.Choice([s.value for s in accounts.Status]))
def list_(role, team, status):
    """Every user (that the filters select): email, name, roles, team, status."""
    filters = accounts.UserFilters(role=Role(role) if role else None, team_id=_team(team).id if team else None,
                                   status=accounts.Status(status) if status else None)
    found = db.session.scalars(accounts.users_query(filters).options(selectinload(User.team))).all()
    for user in found:
        roles = ",".join(sorted(r.value for r in user.roles))
        click.echo(f"{user.email}\t{user.full_name}\t{roles}\t{user.team.name if user.team else '-'}\t"
                   f"{accounts.status(user).value}")
    if not found:
        click.echo("No users.")


@teams_group.command("create")
@click.argument("name")
def create_team(name):
    """Create the team NAME."""
    with committed():
        team = teams.create_team(name, actor=None)
    click.echo(f"Created {team.name}.")


@teams_group.command("rename")
@click.argument("name")
@click.argument("new_name")
def rename_team(name, new_name):
    """Rename the team NAME to NEW_NAME."""
    team = _team(name)
    with committed():
        teams.rename_team(team, new_name, actor=None)
    click.echo(f"Renamed to {team.name}.")


@teams_group.command("set-manager")
@click.argument("name")
@click.argument("email", required=False)
def set_manager(name, email):
    """Make the user EMAIL (who has the manager role) the manager of the team NAME; without EMAIL, no manager."""
    team = _team(name)
    with committed():
        teams.set_manager(team, _user(email) if email else None, actor=None)
    click.echo(f"{team.name}: manager {team.manager.email if team.manager else 'none'}.")


@teams_group.command("list")
def list_teams():
    """Every team: name, manager, number of members."""
    found = db.session.scalars(select(Team).options(selectinload(Team.manager), selectinload(Team.members))
                               .order_by(Team.name)).all()
    for team in found:
        click.echo(f"{team.name}\t{team.manager.email if team.manager else '-'}\t{len(team.members)} members")
    if not found:
        click.echo("No teams yet: create one with crm teams create NAME.")
