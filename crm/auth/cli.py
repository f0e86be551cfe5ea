"""`crm users ...`: create user accounts from the command line."""
from __future__ import annotations

import click
from sqlalchemy import select

from flask.cli import AppGroup

from crm.auth import services
from crm.auth.models import Team
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import db

users_group = AppGroup("users", help="Manage user accounts.")


@users_group.command("create")
@click.argument("email")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]),
              help="A role; repeat for several.")
@click.option("--team", help="Team name (created if new).")
@click.password_option(help="The password (asked for when not given).")
def create(email, full_name, roles, team, password):
    """Create a user who signs in with EMAIL."""
    team_row = _team(team) if team else None
    try:
        user = services.create_user(email, full_name, password, [Role(r) for r in roles], team=team_row)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(r.label for r in user.roles))}).")


def _team(name: str) -> Team:
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
    return team
