"""What documents a household is asked for through the portal: the one home of that rule.

An identity document from each adult applicant (the agency verifies identity documents for the DBS check, SPEC
section 3), and one proof of address for the household. A request is met by a live document of that kind (for that
person) that is not waiting for, or refused by, the virus scan."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm.documents.models import Document, DocumentKind, ScanStatus
from crm.extensions import db
from crm.households.models import Person, PersonRole

USABLE = (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED)


@dataclass(frozen=True)
class Requested:
    kind: DocumentKind
    person_id: int | None  # None: once for the household
    label: str


def requested_of(account) -> list[Requested]:
    """What the applicant behind this portal account is asked for: their own identity document (if an applicant of
    the household) and the household's proof of address."""
    person = db.session.get(Person, account.person_id)
    asked = []
    if person is not None and person.role is PersonRole.APPLICANT and person.left_on is None:
        asked.append(Requested(DocumentKind.IDENTITY, person.id,
                               "Your identity document: a passport, or a photocard driving licence"))
    asked.append(Requested(DocumentKind.PROOF_OF_ADDRESS, None,
                           "Proof of your address, once for your household: a recent bill or bank statement"))
    return asked


def progress(account) -> dict[Requested, ScanStatus | None]:
    """Each request with the best scan status among the documents that answer it (None: nothing uploaded)."""
    rows = db.session.execute(
        select(Document.kind, Document.person_id, Document.scan_status)
        .where(Document.household_id == account.household_id, Document.deleted_at.is_(None))).all()
    result = {}
    for request in requested_of(account):
        statuses = [status for kind, person_id, status in rows
                    if kind == request.kind and (request.person_id is None or person_id == request.person_id)]
        usable = [status for status in statuses if status in USABLE]
        result[request] = usable[0] if usable else (ScanStatus.PENDING if ScanStatus.PENDING in statuses else
                                                    (statuses[0] if statuses else None))
    return result
