"""The applicant's documents at /my/documents: what is asked of them, what they uploaded, uploading (the same
rules as staff uploads) and downloading their own. Another household's document, or one not theirs to see, is 404."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from crm.documents import services, storage
from crm.documents.forms import FILE_HINT, UploadForm
from crm.documents.models import Document, DocumentKind
from crm.documents.requests import USABLE, progress
from crm.documents.views import after_upload, send_document
from crm.errors import errors_on
from crm.extensions import db
from crm.households.models import Household
from crm.portal.auth import applicant_required, current_account
from crm.portal.tasks import COMPLETED, IN_PROGRESS, NOT_STARTED, PortalTask, register
from crm.portal.views import portal_form_limit

bp = Blueprint("portal_documents", __name__, url_prefix="/my/documents")
# What an applicant may upload: their identity documents, the household's proof of address, anything else asked.
APPLICANT_KINDS = (DocumentKind.IDENTITY, DocumentKind.PROOF_OF_ADDRESS, DocumentKind.OTHER)


def task_status(account) -> str:
    found = progress(account).values()
    if all(status in USABLE for status in found):
        return COMPLETED
    return IN_PROGRESS if any(status is not None for status in found) else NOT_STARTED


register(PortalTask("documents", "Upload documents", "portal_documents.index", 40, task_status,
                    "Your identity document and proof of address"))


def visible_to(account):
    """The household's documents this applicant sees: those they uploaded, and those asked of them (their identity
    documents, the household's proof of address); never the staff's own papers (DBS certificates, medicals)."""
    return (Document.household_id == account.household_id, Document.deleted_at.is_(None),
            or_(Document.uploaded_by_account_id == account.id,
                (Document.kind == DocumentKind.IDENTITY) & (Document.person_id == account.person_id),
                (Document.kind == DocumentKind.PROOF_OF_ADDRESS) & Document.person_id.is_(None)))


@bp.route("", methods=["GET", "POST"])
@portal_form_limit
@applicant_required
def index():
    account = current_account()
    form = UploadForm() if request.method == "POST" else UploadForm(formdata=None)
    form.kind.choices = [(kind.value, kind.label) for kind in APPLICANT_KINDS]
    form.person.choices, form.check.choices = [], []  # whose it is follows from its kind; checks are the worker's
    if form.validate_on_submit():
        household = db.session.get(Household, account.household_id)
        with errors_on(form):
            kind = form.kind.data
            document = services.add_document(
                household, request.files.get("upload"), kind if kind in {k.value for k in APPLICANT_KINDS} else "",
                person_id=None if kind == DocumentKind.PROOF_OF_ADDRESS else account.person_id,
                expires_on=form.expires_on.data, account=account)
            db.session.commit()
            flash(after_upload(document.id, document.original_filename), "success")
            return redirect(url_for("portal_documents.index"))
    documents = list(db.session.scalars(select(Document).where(*visible_to(account))
                                        .order_by(Document.uploaded_at.desc(), Document.id.desc())))
    return render_template("documents/portal_index.html", title="Your documents", form=form, documents=documents,
                           asked=progress(account), portal_account=account,
                           hint=FILE_HINT.format(limit=storage.megabytes(services.max_bytes()))), \
        400 if form.errors else 200


@bp.route("/<int:document_id>/download")
@applicant_required
def download(document_id: int):
    account = current_account()
    document = db.session.scalar(select(Document).where(Document.id == document_id, *visible_to(account)))
    if document is None or not document.downloadable:
        abort(404)
    services.record_download(document, account=account)
    db.session.commit()
    return send_document(document)

