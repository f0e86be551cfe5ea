"""`crm authorities ...`: set up the partner authorities before importing a tracker."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.errors import DomainError
from crm.extensions import db
from crm.households import authorities

authorities_group = AppGroup("authorities", help="Manage partner authorities.")


@authorities_group.command("add")
@click.argument("names", nargs=-1, required=True)
def add(names):
    """Add partner authorities named NAME (quote names with spaces); all of them or none."""
    try:
        added = authorities.add_partner_authorities(list(names), actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException("\n".join(message for _, message in error.problems)) from error
    db.session.commit()
    for authority in added:
        click.echo(f"Added {authority.name}.")


@authorities_group.command("list")
def list_():
    """Every partner authority, by name."""
    found = authorities.partner_authorities()
    for authority in found:
        click.echo(authority.name if authority.active else f"{authority.name} (deactivated)")
    if not found:
        click.echo("No partner authorities yet: add them with crm authorities add NAME.")


@authorities_group.command("deactivate")
@click.argument("name")
def deactivate(name):
    """Stop offering the authority NAME for new records; those that name it keep it."""
    _set_active(name, False)


@authorities_group.command("reactivate")
@click.argument("name")
def reactivate(name):
    """Offer the deactivated authority NAME for new records again."""
    _set_active(name, True)


def _set_active(name: str, active: bool) -> None:
    authority = authorities.find_authority(name)
    if authority is None:
        raise click.ClickException(f'There is no partner authority called "{name}"')
    try:
        authorities.set_active(authority, active, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"{'Reactivated' if active else 'Deactivated'} {authority.name}.")
