"""The manager's import page (upload, dry run, the report) and the export downloads."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db
from crm.transfer import formats, services
from crm.transfer.forms import ImportForm
from crm.transfer.report import ImportReport

bp = Blueprint("transfer", __name__)
SHOWN_PROBLEMS = 500  # the page lists this many; the command line lists them all


@bp.route("/imports", methods=["GET", "POST"])
@allow(Role.MANAGER)
def imports():
    form = ImportForm()
    report = _import(form) if form.validate_on_submit() else None
    if report is not None and report.file_errors:
        form.upload.errors = [problem_text(p) for p in report.file_errors]
    failed = bool(form.errors) or (report is not None and not report.ok)
    return render_template("transfer/imports.html", form=form, report=report, shown=SHOWN_PROBLEMS,
                           kinds=services.KINDS, formats=formats.FORMATS), 400 if failed else 200


def _import(form: ImportForm) -> ImportReport:
    upload = form.upload.data
    report = services.import_file(form.kind.data, upload.filename, upload.stream, actor=current_user,
                                  dry_run=form.dry_run.data)
    if not report.applied:
        db.session.rollback()  # all or nothing: a refused file or a dry run leaves only its audit entry
    services.audit_import(report, actor=current_user)
    db.session.commit()
    return report


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
