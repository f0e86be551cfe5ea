"""Running an import or an export: read the file, apply it in the caller's transaction, audit it.

All or nothing per file: without a run, the caller commits an import only when `report.applied`, and otherwise rolls
back (a refused file, a dry run) before recording the audit entry; with a run (crm.transfer.runs) the import commits
in batches and the run keeps or undoes them. Exports are personal data, so each one is audited.
"""
from __future__ import annotations

from typing import BinaryIO

from sqlalchemy.exc import DataError, IntegrityError

from crm import clock
from crm.audit.services import CLI_ACTOR, record_event
from crm.extensions import db
from crm.transfer import checks, exports, formats, households, milestones
from crm.transfer.report import ImportReport
from crm.transfer.runs import Batches

COLUMNS = {"households": (households.REQUIRED, households.OPTIONAL),
           "milestones": (milestones.REQUIRED, milestones.OPTIONAL), "checks": (checks.REQUIRED, checks.OPTIONAL)}
IMPORTERS = {"households": households.import_rows, "milestones": milestones.import_rows, "checks": checks.import_rows}
EXPORTERS = {"households": exports.household_rows, "milestones": exports.milestone_rows, "checks": exports.check_rows}
KINDS = tuple(IMPORTERS)
GROUPED_BY = {"households": "household_ref"}  # the column whose rows an importer takes together (table.rows.grouped())


def _no_progress(total: int):
    return lambda done: None


class _Counted:
    """Passes rows done on to the progress bar, so that the rows an importer skipped can be counted at the end."""

    def __init__(self, step):
        self.step, self.done = step, 0

    def __call__(self, rows: int) -> None:
        self.done += rows
        self.step(rows)


def import_file(kind: str, filename: str | None, stream: BinaryIO, *, actor, dry_run: bool = False, today=None,
                progress=None, add_authorities: bool = False, max_rows: int | None = None,
                batches: Batches | None = None, report: ImportReport | None = None) -> ImportReport:
    """Check the file and apply it to the session. `progress(total)` returns a callable told of rows done.
    `add_authorities` (households only) first adds the partner authorities the file names that Hearth lacks.
    `max_rows`: the most rows the file may hold (formats.MAX_ROWS unless given). `batches`: how to write
    (crm.transfer.runs: committed batch by batch under a run); without it, in the caller's transaction, and a dry
    run writes nothing at all."""
    report = report or ImportReport(kind=kind, filename=filename or "", dry_run=dry_run)
    batches = batches or Batches(report, write=not dry_run)
    try:
        table = formats.read_table(filename, stream, max_rows=max_rows, key=GROUPED_BY.get(kind))
    except formats.FileProblem as problem:
        report.error(None, None, str(problem))
        return report
    try:
        return _import_table(kind, table, report, actor=actor, today=today, progress=progress,
                             add_authorities=add_authorities, batches=batches)
    finally:
        table.close()


def _import_table(kind: str, table: formats.Table, report: ImportReport, *, actor, today, progress,
                  add_authorities: bool, batches: Batches) -> ImportReport:
    _check_columns(kind, table, report)
    if report.errors:
        return report
    report.rows_read = len(table.rows)
    advance = _Counted((progress or _no_progress)(len(table.rows)))
    expire_on_commit, db.session.expire_on_commit = db.session.expire_on_commit, False  # objects live across batches
    batches.watch()
    try:
        options = {"add_authorities": True} if add_authorities else {}
        with db.session.no_autoflush:
            IMPORTERS[kind](table, report, actor=actor, today=today or clock.today(), advance=advance,
                            batches=batches, **options)
        if batches.run_id is None:
            batches.commit()  # the caller's transaction: flushed, not committed
    except (IntegrityError, DataError):
        # Only a race can get here (the rows were checked): another import stored the same references meanwhile.
        report.error(None, None, "The database refused the file, perhaps because another import ran at the same "
                     "time. Nothing was stored: try again")
    finally:
        batches.unwatch()
        db.session.expire_on_commit = expire_on_commit
    advance(len(table.rows) - advance.done)  # rows with problems, which the importer passed over
    return report


def _check_columns(kind: str, table: formats.Table, report: ImportReport) -> None:
    required, optional = COLUMNS[kind]
    for column in required:
        if column not in table.columns:
            report.error(None, column, "This required column is missing from the first row")
    for column in table.columns:
        if column not in required and column not in optional:
            report.warn(column, "Unknown column: its values were not imported")


def audit_import(report: ImportReport, *, actor) -> None:
    """One audit entry for the whole file, whatever became of it (call after the rollback of an unapplied one)."""
    action = "import_applied" if report.applied else "import_checked" if report.ok else "import_refused"
    record_event(db.session, action, actor=actor, actor_label=None if actor else CLI_ACTOR, object_type="import",
                 object_id=report.kind, detail={
                     "file": report.filename[:200], "rows": report.rows_read, "dry_run": report.dry_run,
                     "counts": report.counts(), "problems": len(report.errors),
                     "unknown_columns": [w.column for w in report.warnings], "gaps": len(report.gaps)})


def export(kind: str, fmt: str, *, actor, bom: bool = False) -> tuple[bytes, int]:
    """The file's bytes and its number of rows; audited in the caller's transaction."""
    columns, rows, household_count = EXPORTERS[kind]()
    data = formats.render(fmt, kind, columns, rows, bom=bom)
    record_event(db.session, f"exported_{kind}", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="export", object_id=kind,
                 detail={"format": fmt, "rows": len(rows), "households": household_count})
    return data, len(rows)


def export_filename(kind: str, fmt: str) -> str:
    return f"hearth-{kind}-{clock.today().isoformat()}.{fmt}"
