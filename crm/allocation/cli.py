"""`crm caseload move LEAVING TO`: all of a worker's open cases and checks to another worker, from a script."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.allocation import services
from crm.auth.services import find_user
from crm.errors import DomainError
from crm.extensions import db

caseload_group = AppGroup("caseload", help="Reallocate workers' cases.")


@caseload_group.command("move")
@click.argument("leaving_email")
@click.argument("to_email")
@click.option("--dry-run", is_flag=True, help="Only count what would move.")
def move(leaving_email, to_email, dry_run):
    """Move every open application and open check of LEAVING_EMAIL's to TO_EMAIL's (audited as the command line)."""
    try:
        if dry_run:
            plan = services.plan_caseload_move(find_user(leaving_email), find_user(to_email))
        else:
            plan = services.move_caseload(find_user(leaving_email), find_user(to_email), actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    verb = "Would move" if dry_run else "Moved"
    click.echo(f"{verb} {len(plan.household_ids)} households and {len(plan.check_ids)} open checks from "
               f"{plan.leaving.full_name} to {plan.to.full_name}.")
