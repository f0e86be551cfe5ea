"""The `crm` command: each area's click group attached to one Flask CLI."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, routes_command, shell_command

from crm import migrate


def create_app_for_cli():
    from crm import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=create_app_for_cli, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main():
    """Hearth: recruitment-funnel CRM for adoption and fostering services."""


main.add_command(shell_command)
main.add_command(routes_command)

db_group = AppGroup("db", help="Create, upgrade or downgrade the database schema (Alembic).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Upgrade the schema to REVISION (default: head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision):
    """Downgrade the schema to REVISION (default: one step; `base` removes everything)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database downgraded to {revision}.")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes, as a short slug.")
def db_revision(message):
    """Autogenerate a migration from the models (one change per revision)."""
    migrate.revision(current_app.config["DATABASE_URL"], message)


def commit_or_fail(change):
    """Run an administrative change for a command: commit what it returns, or roll back and exit with its
    DomainError's message."""
    from crm.errors import DomainError
    from crm.extensions import db

    try:
        result = change()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    return result


def register_commands(app) -> None:
    from bench.cli import bench_command
    from crm.allocation.cli import caseload_group
    from crm.auth.cli import teams_group, users_group
    from crm.backup import backup_command, restore_command
    from crm.checks.cli import check_types_group
    from crm.dataprotection.cli import erase_command, retention_group, subject_access_command
    from crm.demo.cli import demo_group, run_command
    from crm.households.cli import authorities_group
    from crm.funnel.reasons.cli import withdrawal_reasons_group
    from crm.reports.cli import report_command
    from crm.transfer.cli import export_group, import_group
    from jobs.cli import jobs_group, scheduler_command

    for group in (db_group, users_group, authorities_group, demo_group, run_command, jobs_group, scheduler_command,
                  import_group, export_group, report_command, bench_command, caseload_group, withdrawal_reasons_group,
                  check_types_group):
        app.cli.add_command(group)
    app.cli.add_command(teams_group)
    app.cli.add_command(subject_access_command)
    app.cli.add_command(retention_group)
    app.cli.add_command(erase_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
