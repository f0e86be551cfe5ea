"""`crm check-types ...`: the check catalogue from the command line (audited as the command line)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.cli import commit_or_fail
from crm.checks import catalogue
from crm.checks.models import CheckAppliesTo

check_types_group = AppGroup("check-types", help="List, add and retire check types.")


@check_types_group.command("list")
def list_():
    """Every check type: code, name, who needs it, days, and whether it is retired."""
    for check_type in catalogue.all_check_types():
        retired = "" if check_type.active else " (retired)"
        click.echo(f"{check_type.code}: {check_type.name}{retired} - {check_type.who}, {check_type.default_days} days")


@check_types_group.command("add")
@click.argument("name")
@click.option("--applies-to", type=click.Choice([who.value for who in CheckAppliesTo]), required=True)
@click.option("--days", type=int, required=True, help="Days to complete, from the request.")
@click.option("--service-line", "lines", multiple=True, help="A service line code (repeat; none: every line).")
def add(name, applies_to, days, lines):
    """Add the check type NAME, in use for applications entering Stage 1 from now on."""
    change = catalogue.CheckTypeChange(name=name, applies_to=CheckAppliesTo(applies_to), default_days=days,
                                       rule_months=None, service_line_codes=tuple(lines), active=True)
    check_type = commit_or_fail(lambda: catalogue.add_check_type(change, actor=None))
    click.echo(f"Added {check_type.name} ({check_type.code}).")


@check_types_group.command("retire")
@click.argument("name_or_code")
def retire(name_or_code):
    """Stop starting the check type NAME_OR_CODE (checks already started stay)."""
    check_type = commit_or_fail(lambda: _set(name_or_code, False))
    click.echo(f"Retired {check_type.name}.")


@check_types_group.command("reactivate")
@click.argument("name_or_code")
def reactivate(name_or_code):
    """Start the retired check type NAME_OR_CODE again for new applications."""
    check_type = commit_or_fail(lambda: _set(name_or_code, True))
    click.echo(f"{check_type.name} is in use again.")


def _set(name_or_code: str, active: bool):
    check_type = catalogue.find_check_type(name_or_code)
    catalogue.set_check_type_active(check_type, active, actor=None)
    return check_type
