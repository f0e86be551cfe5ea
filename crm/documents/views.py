"""Staff pages for a household's documents: upload, download (audited), remove. The list is on the household page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth.policy import allow
from crm.checks.services import CHECK_ROLES
from crm.documents import scanning, services, storage
from crm.documents.forms import FILE_HINT, RemoveForm, UploadForm
from crm.documents.models import Document
from crm.errors import errors_on
from crm.extensions import db
from crm.households import services as households

bp = Blueprint("documents", __name__)
# Documents evidence checks (DBS certificates, medicals): seen by those who see check outcomes (SPEC section 1),
# on the households they may see. Recruitment officers (up to ROI), marketing and administrators never see them.
DOCUMENT_ROLES = tuple(sorted(CHECK_ROLES))


@bp.route("/households/<int:household_id>/documents/new", methods=["GET", "POST"])
@allow(*DOCUMENT_ROLES)
def upload(household_id: int):
    household = _household(household_id)
    form = UploadForm() if request.method == "POST" else UploadForm(formdata=None)
    offer_choices(form, household)
    if form.validate_on_submit():
        with errors_on(form):
            document = services.add_document(
                household, request.files.get("upload"), form.kind.data, person_id=form.chosen_id(form.person),
                check_id=form.chosen_id(form.check), expires_on=form.expires_on.data, user=current_user)
            db.session.commit()
            flash(after_upload(document.id, document.original_filename), "success")
            return redirect(url_for("households.show", household_id=household.id, _anchor="documents"))
    return render_template("documents/upload.html", form=form, household=household,
                           hint=FILE_HINT.format(limit=storage.megabytes(services.max_bytes()))), \
        400 if form.errors else 200


def offer_choices(form: UploadForm, household, *, checks: bool = True) -> None:
    form.person.choices = [("", "The household as a whole")] + [(str(p.id), p.full_name) for p in household.people]
    if checks:
        form.check.choices = [("", "No")] + services.check_choices(household.id)


def after_upload(document_id: int, filename: str) -> str:
    """Scan at once when a scanner is configured (a quick scan answers in the page); otherwise the job scans it."""
    if not services.scanner_configured():
        return f"Uploaded: {filename}."
    result = scanning.scan_document(document_id)
    if result == "clean":
        return f"Uploaded: {filename}. It was scanned for viruses and is clean."
    if result == "infected":
        return f"{filename} held a virus and was deleted. Nothing was kept."
    return f"Uploaded: {filename}. It can be opened once the virus scan has finished."


@bp.route("/documents/<int:document_id>/download")
@allow(*DOCUMENT_ROLES)
def download(document_id: int):
    document = _document(document_id)
    if not document.downloadable:
        abort(404)
    services.record_download(document, user=current_user)
    db.session.commit()
    return send_document(document)


def send_document(document: Document):
    """The file as an attachment, of the type its bytes were found to be; the browser never guesses."""
    path = storage.path_of(document.stored_name)
    if not path.is_file():
        current_app.logger.error("Document %s has no file", document.id)
        abort(404)
    response = send_file(path, mimetype=document.content_type, as_attachment=True,
                         download_name=document.original_filename or "document", max_age=0, conditional=False,
                         etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/documents/<int:document_id>/remove", methods=["GET", "POST"])
@allow(*DOCUMENT_ROLES)
def remove(document_id: int):
    document = _document(document_id)
    if document.deleted_at is not None:
        abort(404)
    form = RemoveForm()
    if request.method == "POST" and form.validate_on_submit():
        with errors_on(form):
            services.remove_document(document, actor=current_user)
            db.session.commit()
            flash("Document removed.", "success")
            return redirect(url_for("households.show", household_id=document.household_id, _anchor="documents"))
    return render_template("documents/remove.html", form=form, document=document,
                           describe=services.describe(document)), 400 if form.errors else 200


def _household(household_id: int):
    try:
        return households.visible_household(current_user, household_id)
    except households.NotVisible:
        abort(404)  # the same answer whether it does not exist or is not theirs to see


def _document(document_id: int) -> Document:
    household_id = db.session.scalar(select(Document.household_id).where(Document.id == document_id))
    if household_id is None:
        abort(404)
    _household(household_id)
    return db.session.get(Document, document_id)


def section(household) -> dict | None:
    """The household page's documents section, for those who may see documents (None: no section)."""
    if not current_user.has_any_role(set(DOCUMENT_ROLES)):
        return None
    return {"documents": services.household_documents(household.id)}

