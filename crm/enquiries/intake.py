"""Enquiries that arrive with nobody to confirm a match: the public form and the JSON API.

Each is stored as a household of its own; one that looks like a known household is recorded as a possible match
for an officer to settle (crm.enquiries.matches), never added to that household by itself: anyone who knows an
email address and a surname could otherwise write into someone else's record.

Each submission is stored once. A retry carries the same idempotency key; two copies racing each other are
settled by the unique key in the database, not by a check that both could pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.enquiries.matches import record_possible_matches
from crm.enquiries.models import EnquiryContact
from crm.errors import DomainError
from crm.enquiries.services import EnquiryDetails, find_matches, log_enquiry
from crm.extensions import db


@dataclass(frozen=True)
class Receipt:
    contact: EnquiryContact
    created: bool  # False when this was a retry of a submission already stored
    # What the answer shows, read before the commit: reading it from `contact` afterwards would reload the row in a
    # second transaction (on SQLite a second turn at the write lock, as every transaction begins IMMEDIATE).
    contact_id: int
    household_reference: str
    received_at: datetime
    first_response_due_at: datetime

    @classmethod
    def of(cls, contact: EnquiryContact, created: bool) -> Receipt:
        return cls(contact, created, contact.id, contact.household.reference, contact.received_at,
                   contact.first_response_due_at)


def receive(details: EnquiryDetails) -> Receipt:
    """Store the enquiry and commit, or return the contact an earlier copy of it stored. A key reused for a
    different submission is refused (DomainError), never answered with the earlier one."""
    if details.idempotency_key and (earlier := _by_key(details.idempotency_key)) is not None:
        return _retry_of(earlier, details)
    try:
        matches = find_matches(details)  # before the new household exists
        contact = log_enquiry(details, actor=None)
        record_possible_matches(contact, matches)
        receipt = Receipt.of(contact, created=True)
        db.session.commit()  # the request's one commit
    except IntegrityError:
        db.session.rollback()
        earlier = _by_key(details.idempotency_key) if details.idempotency_key else None
        if earlier is None:
            raise
        return _retry_of(earlier, details)
    return receipt


def _retry_of(earlier: EnquiryContact, details: EnquiryDetails) -> Receipt:
    if earlier.idempotency_fingerprint != details.idempotency_fingerprint:
        raise DomainError("This idempotency key was already used for a different enquiry: send a new key with each "
                          "new submission, and the same body when you retry one", "idempotency_key")
    return Receipt.of(earlier, created=False)


def _by_key(key: str) -> EnquiryContact | None:
    return db.session.scalar(select(EnquiryContact).where(EnquiryContact.idempotency_key == key))
