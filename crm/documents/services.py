"""Documents: adding an upload, listing, a download's audit row, removal. Each operation checks everything before
it changes anything, audits (object_type "document"), flushes, and leaves the commit to the caller; the files
follow the transaction (crm/documents/files.py)."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.audit.services import record_event
from crm.documents import files, storage
from crm.documents.models import Document, DocumentKind, ScanStatus
from crm.errors import DomainError
from crm.escalations import services as escalations
from crm.extensions import db
from crm.formatting import long_date
from crm.households.models import Application, Household, Person


def max_bytes() -> int:
    return int(current_app.config["HEARTH_UPLOAD_MAX_BYTES"])


def scanner_configured() -> bool:
    return bool(current_app.config.get("HEARTH_CLAMDSCAN"))


def add_document(household: Household, upload, kind, *, person_id: int | None = None, check_id: int | None = None,
                 expires_on: date | None = None, user=None, account=None, today: date | None = None) -> Document:
    """Store an upload (a file-like `upload` with .stream and .filename) as one of the household's documents. Every
    rule is checked before the file is read; a file that is not a PDF, JPEG or PNG by its first bytes, is empty or
    is too large is refused with nothing left on disk."""
    kind = _kind(kind)
    person = _person(household, person_id)
    check = _check(household, check_id)
    if expires_on is not None and expires_on < (today or clock.today()):
        raise DomainError("The expiry date must be today or in the future", "expires_on")
    if household.anonymised_at is not None:
        raise DomainError("This household's record has been anonymised: no documents can be added", "upload")
    if upload is None or not getattr(upload, "filename", None):
        raise DomainError("Select a file", "upload")
    held = storage.hold(upload.stream, max_bytes())
    files.created(db.session, held.path)
    stored = storage.keep(held)
    files.created(db.session, storage.path_of(stored))
    document = Document(household_id=household.id, person_id=person.id if person else None,
                        check_id=check.id if check else None, kind=kind,
                        original_filename=storage.safe_filename(upload.filename, held.content_type),
                        stored_name=stored, content_type=held.content_type, size_bytes=held.size, sha256=held.sha256,
                        uploaded_by_user_id=getattr(user, "id", None), uploaded_by_account_id=getattr(account, "id", None),
                        scan_status=ScanStatus.PENDING if scanner_configured() else ScanStatus.NOT_SCANNED,
                        expires_on=expires_on)
    db.session.add(document)
    db.session.flush()
    _audit(document, "document_uploaded", user, account, {
        "household_id": household.id, "kind": kind.value, "person_id": document.person_id,
        "check_id": document.check_id, "size": held.size, "content_type": held.content_type})
    return document


def _kind(value) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError:
        raise DomainError("Choose what kind of document it is", "kind") from None


def _person(household: Household, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = next((p for p in household.people if p.id == person_id), None)
    if person is None:
        raise DomainError("Choose a person in this household", "person")
    return person


def _check(household: Household, check_id: int | None):
    if check_id is None:
        return None
    from crm.checks.models import CheckInstance  # the checks area owns the model

    check = db.session.scalar(select(CheckInstance).join(Application, Application.id == CheckInstance.application_id)
                              .where(CheckInstance.id == check_id, Application.household_id == household.id))
    if check is None:
        raise DomainError("Choose one of this household's checks", "check")
    return check


def check_choices(household_id: int) -> list[tuple[str, str]]:
    """The household's checks a document may evidence, as (id, "Enhanced DBS check: Ada Smith")."""
    from crm.checks.models import CheckInstance, CheckType

    rows = db.session.execute(
        select(CheckInstance.id, CheckType.name, Person.first_name, Person.last_name)
        .join(CheckType, CheckType.id == CheckInstance.check_type_id)
        .join(Application, Application.id == CheckInstance.application_id)
        .outerjoin(Person, Person.id == CheckInstance.person_id)
        .where(Application.household_id == household_id, CheckInstance.withdrawn_at.is_(None))
        .order_by(CheckInstance.id)).all()
    return [(str(check_id), f"{name}: {first} {last}" if first else f"{name}: the application")
            for check_id, name, first, last in rows]


def household_documents(household_id: int, *, include_deleted: bool = False) -> list[Document]:
    query = (select(Document).where(Document.household_id == household_id)
             .options(selectinload(Document.person), selectinload(Document.uploaded_by),
                      selectinload(Document.check))
             .order_by(Document.uploaded_at.desc(), Document.id.desc()))
    if not include_deleted:
        query = query.where(Document.deleted_at.is_(None))
    return list(db.session.scalars(query))


def check_documents(check_id: int) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.check_id == check_id, Document.deleted_at.is_(None))
                                   .order_by(Document.uploaded_at, Document.id)))


def record_download(document: Document, *, user=None, account=None) -> None:
    _audit(document, "document_downloaded", user, account, {"household_id": document.household_id})


def remove_document(document: Document, *, actor) -> None:
    """Removed from the lists (the row stays as the record, audited); its file is deleted once this commits."""
    if document.deleted_at is not None:
        raise DomainError("This document has already been removed", "document")
    files.delete_on_commit(db.session, document.stored_name)
    document.deleted_at, document.deleted_by_user_id, document.stored_name = clock.now(), actor.id, None
    db.session.flush()
    escalations.resolve_for_subject("document", document.id, "document removed")
    _audit(document, "document_removed", actor, None, {"household_id": document.household_id,
                                                       "kind": document.kind.value})


def purge_household(household_id: int) -> int:
    """Anonymisation and erasure: every document's file is deleted (once the change commits) and its filename cleared;
    the rows stay, as the other rows the reports count do. Returns how many had a file or a name."""
    documents = list(db.session.scalars(select(Document).where(Document.household_id == household_id)))
    purged = 0
    for document in documents:
        if document.stored_name or document.original_filename:
            purged += 1
        files.delete_on_commit(db.session, document.stored_name)
        document.stored_name, document.original_filename = None, None
        document.deleted_at = document.deleted_at or clock.now()
    db.session.flush()
    return purged


def describe(document: Document) -> str:
    whose = f" of {document.person.full_name}" if document.person else ""
    expiry = f", expires {long_date(document.expires_on)}" if document.expires_on else ""
    return f"{document.kind.label}{whose}{expiry}"


def _audit(document: Document, action: str, user, account, detail: dict) -> None:
    """Staff actions name the user and the document; an applicant's (crm/portal) name their portal account, never
    the person, with the document in the detail."""
    if account is not None:
        from crm.portal.audit import record_applicant_event

        record_applicant_event(account, action, document_id=document.id, **detail)
        return
    record_event(db.session, action, actor=user, object_type="document", object_id=document.id, detail=detail)
