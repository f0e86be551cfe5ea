"""The manager's import page (upload, dry run, the report) and the export downloads."""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import db
from crm.transfer import formats, pending, services
from crm.transfer.forms import ConfirmImportForm, ImportForm
from crm.transfer.authorities import COLUMN as AUTHORITY_COLUMN
from crm.transfer.report import ImportReport

bp = Blueprint("transfer", __name__)
SHOWN_PROBLEMS = 500  # the page lists this many; the command line lists them all


@bp.route("/imports", methods=["GET", "POST"])
@allow(Role.MANAGER)
def imports():
    form = ImportForm()
    report, held = _import(form) if form.validate_on_submit() else (None, None)
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
    report = services.import_file(held.kind, held.filename, io.BytesIO(held.content), actor=current_user,
                                  add_authorities=adding)
    kept = None
    if report.applied:
        pending.forget(held)
    else:
        db.session.rollback()  # all or nothing; the held file stays for its hour
        kept = held.id if report.only_unknown_authorities else None
    services.audit_import(report, actor=current_user)
    db.session.commit()
    return _page(form, report, kept)


def _page(form: ImportForm, report: ImportReport | None, held: str | None):
    if report is not None and report.file_errors:
        form.upload.errors = [problem_text(p) for p in report.file_errors if p.column != AUTHORITY_COLUMN]
    failed = bool(form.errors) or (report is not None and not report.ok)
    confirm_form = ConfirmImportForm(formdata=None, upload_id=held) if held else None
    return render_template("transfer/imports.html", form=form, report=report, shown=SHOWN_PROBLEMS,
                           kinds=services.KINDS, formats=formats.FORMATS, confirm_form=confirm_form), \
        400 if failed else 200


def _import(form: ImportForm) -> tuple[ImportReport, str | None]:
    """The report, and the id of the file held for "Import these rows" (after a clean dry run) or for adding the
    partner authorities it names (when they are its only problem)."""
    upload = form.upload.data
    content = upload.read()
    report = services.import_file(form.kind.data, upload.filename, io.BytesIO(content), actor=current_user,
                                  dry_run=form.dry_run.data)
    if not report.applied:
        db.session.rollback()  # all or nothing: a refused file or a dry run leaves only its audit entry
    services.audit_import(report, actor=current_user)
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
