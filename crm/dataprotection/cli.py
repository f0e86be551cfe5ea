"""Data protection from the command line: `crm subject-access REFERENCE --output FILE [--person ID]`,
`crm retention preview|run` and `crm erase REFERENCE --reason TEXT`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from crm import clock
from crm.dataprotection.subject_access import export_subject_access, find_household
from crm.errors import DomainError
from crm.extensions import db


@click.command("subject-access")
@click.argument("reference")
@click.option("--output", "output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the zip (data.json and summary.html).")
@click.option("--person", "person_id", type=int, help="Only what is held about this person of the household (id).")
@with_appcontext
def subject_access_command(reference, output, person_id):
    """Export everything held about the household REFERENCE (or one person in it) as a zip."""
    household = find_household(reference)
    if household is None:
        raise click.ClickException(f'There is no household with the reference "{reference}"')
    person = None
    if person_id is not None:
        person = next((p for p in household.people if p.id == person_id), None)
        if person is None:
            raise click.ClickException(f"Household {reference} has no person with the id {person_id}")
    export = export_subject_access(household, person, actor=None)
    data = export.to_zip()
    try:
        output.write_bytes(data)
    except OSError as error:
        db.session.rollback()
        raise click.ClickException(f"Could not write {output}: {error.strerror}") from error
    db.session.commit()
    counts = ", ".join(f"{name} {count}" for name, count in export.counts.items())
    click.echo(f"Wrote {output} ({counts}).")


retention_group = AppGroup("retention", help="Retention: what the job would anonymise tonight, or run it now.")


@retention_group.command("preview")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="As if today were this date.")
@with_appcontext
def retention_preview(today):
    """The households the retention job would anonymise, with the rule and the day each became due."""
    from crm.dataprotection.retention import preview

    day = today.date() if today else clock.today()
    number, total = 1, 0
    while True:
        page = preview(day, number)
        for due in page.items:
            click.echo(f"{due.reference}\t{due.rule}\tdue {due.due_on.isoformat()}")
        total = page.total
        if number >= page.pages:
            break
        number += 1
    click.echo(f"{total} household{'' if total == 1 else 's'} due on {day.isoformat()}.")


@retention_group.command("run")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Run as if today were this date.")
@with_appcontext
def retention_run(today):
    """Run the retention job now (recorded in job_runs like the scheduler's runs)."""
    from jobs.runner import run_job

    run = run_job("retention_nightly", today.date() if today else None)
    click.echo(f"retention_nightly: {run.status.value} {run.counts or ''}")
    if run.error:
        raise click.ClickException(run.error.strip().splitlines()[-1])


@click.command("erase")
@click.argument("reference")
@click.option("--reason", required=True, help="The request the erasure answers (kept on the tombstone; no personal "
                                                "details).")
@with_appcontext
def erase_command(reference, reason):
    """Erase the personal data of household REFERENCE where the retention rules allow, leaving a tombstone."""
    from crm.dataprotection.erasure import erase_household

    household = find_household(reference)
    if household is None:
        raise click.ClickException(f'There is no household with the reference "{reference}"')
    try:
        erase_household(household, reason, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Erased household {reference}: its record is anonymised and its tombstone kept.")
