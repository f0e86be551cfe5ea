"""`crm subject-access REFERENCE --output FILE [--person ID]`: a subject access export from the command line."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from crm.dataprotection.subject_access import export_subject_access, find_household
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
