"""`crm withdrawal-reasons ...`: the withdrawal reasons list from the command line (audited as the command line)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.cli import commit_or_fail
from crm.funnel.reasons import services

withdrawal_reasons_group = AppGroup("withdrawal-reasons", help="Manage the list of withdrawal reasons.")


@withdrawal_reasons_group.command("list")
def list_():
    """Every reason in list order, retired ones marked."""
    for reason in services.all_reasons():
        marks = [mark for mark, on in (("needs a note", reason.needs_text), ("retired", not reason.active)) if on]
        click.echo(reason.name + (f" ({', '.join(marks)})" if marks else ""))


@withdrawal_reasons_group.command("add")
@click.argument("name")
@click.option("--needs-text", is_flag=True, help="A withdrawal with this reason must say what it was (like Other).")
def add(name, needs_text):
    """Add the reason NAME at the end of the list."""
    reason = commit_or_fail(lambda: services.add_reason(name, needs_text=needs_text, actor=None))
    click.echo(f"Added {reason.name}.")


@withdrawal_reasons_group.command("retire")
@click.argument("name")
def retire(name):
    """Stop offering the reason NAME (recorded withdrawals keep it)."""
    commit_or_fail(lambda: services.retire_reason(services.find(name), actor=None))
    click.echo(f"Retired {name}.")


@withdrawal_reasons_group.command("reactivate")
@click.argument("name")
def reactivate(name):
    """Offer the retired reason NAME again."""
    commit_or_fail(lambda: services.reactivate_reason(services.find(name), actor=None))
    click.echo(f"{name} is in use again.")
