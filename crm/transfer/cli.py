"""`crm import KIND FILE` and `crm export KIND` (households, milestones, checks): a spreadsheet tracker in and out."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from tqdm import tqdm

from crm.extensions import db
from crm.transfer import formats, runs, services

import_group = AppGroup("import", help="Import a spreadsheet tracker (CSV or XLSX): households first, then "
                                       "milestones, then checks.")
export_group = AppGroup("export", help="Export households, milestones or checks in the import formats (personal "
                                       "data: audited).")


class ProgressBar:
    """A tqdm bar on stderr, opened once the importer knows how many rows there are."""

    def __init__(self, kind: str):
        self.kind, self.bar = kind, None

    def start(self, total: int):
        self.bar = tqdm(total=total, desc=f"Importing {self.kind}", unit=" rows", file=sys.stderr)
        return self.bar.update

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run_import(kind: str, path: Path, dry_run: bool, add_authorities: bool = False) -> None:
    """Synchronous, under an import run: batches committed one by one, kept or undone at the end (all or nothing)."""
    bar = ProgressBar(kind)
    run_id = runs.start(kind, path.name, user=None, dry_run=dry_run, add_authorities=add_authorities)
    try:
        with path.open("rb") as stream:
            report = runs.run_import(run_id, stream, actor=None, progress=bar.start, max_rows=formats.MAX_ROWS_CLI)
    finally:
        bar.close()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        click.get_current_context().exit(1)


ADD_AUTHORITIES = click.option("--add-authorities", is_flag=True, help="First add the partner authorities the file "
                               "names that Hearth does not hold (audited; with --dry-run nothing is stored).")


def _import_command(kind: str, *extra_options) -> None:
    @import_group.command(kind, help=f"Import the {kind} format from FILE (.csv or .xlsx); see the README.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and report what would change; store nothing.")
    def command(file: Path, dry_run: bool, **options) -> None:
        _run_import(kind, file, dry_run, **options)

    for option in extra_options:
        option(command)  # click adds an option to a command already made


def _export_command(kind: str) -> None:
    @export_group.command(kind, help=f"Write the {kind} format: CSV to stdout, or to --output FILE.")
    @click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="csv", show_default=True)
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
    def command(fmt: str, output: Path | None) -> None:
        if fmt == "xlsx" and output is None:
            raise click.UsageError("An XLSX export needs --output FILE")
        data, rows = services.export(kind, fmt, actor=None, bom=output is not None)
        db.session.commit()  # the audit entry is stored before the data leaves
        if output is None:
            click.echo(data, nl=False)  # bytes go to stdout as they are
            return
        output.write_bytes(data)
        click.echo(f"Exported {rows} {kind} rows to {output}.")


@import_group.command("work", help="Run the background imports queued by the import page, then stop (the scheduler "
                                    "does this every few seconds).")
def work_command() -> None:
    click.echo(f"Background imports run: {runs.work()}.")


for _kind in services.KINDS:
    _import_command(_kind, *([ADD_AUTHORITIES] if _kind == "households" else []))
    _export_command(_kind)
