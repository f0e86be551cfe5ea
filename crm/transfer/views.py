"""The manager's import page (upload, dry run, the report), a background import's progress, and the export downloads.

A file above IMPORT_BACKGROUND_BYTES is imported in the background (crm/transfer/runs.py): the page holds it, queues
a run and sends the manager to the run's page, which shows a progress bar (static/js/import-progress.js polls the
run's progress; without script the page says to reload it) and then the same report as a small file gets at once.
"""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import db
from crm.transfer import formats, pending, runs, services
from crm.transfer.forms import ConfirmImportForm, ImportForm
from crm.transfer.authorities import COLUMN as AUTHORITY_COLUMN
from crm.transfer.models import ImportRun, ImportRunStatus, PendingImport
from crm.transfer.report import ImportReport

bp = Blueprint("transfer", __name__)
SHOWN_PROBLEMS = 500  # the page lists this many; the command line lists them all


@bp.route("/imports", methods=["GET", "POST"])
@allow(Role.MANAGER)
def imports():
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, None, None)
    upload = form.upload.data
    content = upload.read()
    if _in_background(content):
        held = pending.keep(current_user, form.kind.data, upload.filename or "", content)
        run_id = runs.start(form.kind.data, upload.filename or "", user=current_user, dry_run=form.dry_run.data,
                            pending_id=held, queued=True)
        return redirect(url_for("transfer.run", run_id=run_id), 303)
    report, held = _import(form, content)
    return _page(form, report, held)


@bp.route("/imports/confirm", methods=["POST"])
@allow(Role.MANAGER)
def confirm():
    """Import the file a dry run checked, without uploading it again; or add the partner authorities it names that
    Hearth lacks, and import it."""
    confirm_form, form = ConfirmImportForm(), ImportForm(formdata=None)
    try:
        if not confirm_form.validate_on_submit():
            raise DomainError(pending.GONE, "upload_id")
        held = pending.take(current_user, confirm_form.upload_id.data)
    except DomainError as error:
        form.upload.errors = [str(error)]
        return _page(form, None, None)
    adding = confirm_form.add_authorities.data == "y" and held.kind == "households"
    if _in_background(held.content):
        run_id = runs.start(held.kind, held.filename, user=current_user, dry_run=False, add_authorities=adding,
                            pending_id=held.id, queued=True)
        return redirect(url_for("transfer.run", run_id=run_id), 303)
    kind, filename, content, held_id = held.kind, held.filename, held.content, held.id
    run_id = runs.start(kind, filename, user=current_user, dry_run=False, add_authorities=adding)
    report = runs.run_import(run_id, io.BytesIO(content), actor=current_user)
    kept = None
    if report.applied:
        db.session.execute(PendingImport.__table__.delete().where(PendingImport.id == held_id))
    else:
        kept = held_id if report.only_unknown_authorities else None  # the held file stays for its hour
    db.session.commit()
    return _page(form, report, kept)


@bp.route("/imports/runs/<int:run_id>")
@allow(Role.MANAGER)
def run(run_id: int):
    """A background import: its progress while it runs (reload the page, or let the script follow it), then its
    report, as the import page shows one."""
    found = _own_run(run_id)
    if found.status in (ImportRunStatus.QUEUED, ImportRunStatus.RUNNING) and not runs.crashed(found):
        return render_template("transfer/import_run.html", run=found, progress=_progress(found))
    report = ImportReport.from_dict(found.result) if found.result is not None else \
        runs.failure_report(found, runs.CRASHED)  # its worker died; the next one will undo it
    held = found.held_id if found.held_id and db.session.get(PendingImport, found.held_id) else None
    page, _status = _page(ImportForm(formdata=None), report, held)
    return page, 200


@bp.route("/imports/runs/<int:run_id>/progress")
@allow(Role.MANAGER)
def run_progress(run_id: int):
    return jsonify(_progress(_own_run(run_id)))


def _own_run(run_id: int) -> ImportRun:
    """The signed-in manager's own run; anyone else's is as unknown as a made-up id."""
    found = db.session.scalar(select(ImportRun).where(ImportRun.id == run_id, ImportRun.user_id == current_user.id))
    if found is None:
        abort(404)
    return found


def _progress(found: ImportRun) -> dict:
    finished = found.status in (ImportRunStatus.DONE, ImportRunStatus.FAILED) or runs.crashed(found)
    total, done = found.rows_total, min(found.rows_done, found.rows_total)
    return {"status": found.status.value, "finished": finished, "rows_done": done, "rows_total": total,
            "percent": 100 if finished else (done * 100 // total if total else 0),
            "url": url_for("transfer.run", run_id=found.id)}


def _in_background(content: bytes) -> bool:
    return len(content) > current_app.config["IMPORT_BACKGROUND_BYTES"]


def _page(form: ImportForm, report: ImportReport | None, held: str | None):
    if report is not None and report.file_errors:
        form.upload.errors = [problem_text(p) for p in report.file_errors if p.column != AUTHORITY_COLUMN]
    failed = bool(form.errors) or (report is not None and not report.ok)
    confirm_form = ConfirmImportForm(formdata=None, upload_id=held) if held else None
    return render_template("transfer/imports.html", form=form, report=report, shown=SHOWN_PROBLEMS,
                           kinds=services.KINDS, formats=formats.FORMATS, confirm_form=confirm_form), \
        400 if failed else 200


def _import(form: ImportForm, content: bytes) -> tuple[ImportReport, str | None]:
    """The report, and the id of the file held for "Import these rows" (after a clean dry run) or for adding the
    partner authorities it names (when they are its only problem). Committed in batches under a run."""
    upload = form.upload.data
    run_id = runs.start(form.kind.data, upload.filename or "", user=current_user, dry_run=form.dry_run.data)
    report = runs.run_import(run_id, io.BytesIO(content), actor=current_user)
    held = None
    if (report.ok and report.dry_run) or report.only_unknown_authorities:
        held = pending.keep(current_user, form.kind.data, upload.filename or "", content)
    db.session.commit()
    return report, held


def problem_text(problem) -> str:
    return f"{problem.column}: {problem.message}" if problem.column else problem.message


@bp.route("/exports/<kind>.<fmt>")
@allow(Role.MANAGER)
def export(kind: str, fmt: str):
    if kind not in services.KINDS or fmt not in formats.FORMATS:
        abort(404)
    data, _rows = services.export(kind, fmt, actor=current_user, bom=True)
    db.session.commit()
    filename = services.export_filename(kind, fmt)
    return Response(data, mimetype=formats.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
