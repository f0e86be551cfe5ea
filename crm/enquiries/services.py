"""Logging enquiries: matching a repeat contact to its household, opening applications, first responses.

The caller commits. Every path (officer's form, public form, API, import) logs through `log_enquiry`.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from crm import clock
from crm.audit.services import record_event
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel import services as funnel
from crm.households.models import Household, Person, PersonRole, ServiceLine
from crm.households.phones import normalise_phone
from crm.marketing.attribution.touchpoints import resolve_contact
from crm.workdays import add_working_days

ANSWERABLE_DURING_CONTACT = (ContactMethod.PHONE, ContactMethod.WALK_IN)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on the phone


@dataclass
class EnquiryDetails:
    first_name: str
    last_name: str
    service_lines: list[str]
    method: ContactMethod
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None
    address_line_1: str | None = None
    town: str | None = None
    partner_authority_id: int | None = None
    second_applicant: tuple[str, str] | None = None
    channel_id: int | None = None
    campaign: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    referrer: str | None = None
    notes: str | None = None
    received_at: datetime | None = None
    idempotency_key: str | None = None
    idempotency_fingerprint: str | None = None  # what the submission said, where a retry must say the same
    # The officer answered while speaking with them (phone, in person): the first response is the contact itself.
    answered_during_contact: bool = False


@dataclass(frozen=True)
class Match:
    household: Household
    reasons: tuple[str, ...]


def normalise_postcode(postcode: str | None) -> str:
    return "".join((postcode or "").split()).upper()


def find_matches(details: EnquiryDetails, *, limit: int = 5) -> list[Match]:
    """Households this enquiry may come from: same surname with the same email, phone or postcode,
    or the same email address whatever the name. The officer confirms; nothing is merged silently."""
    email = (details.email or "").strip().lower()
    surname = details.last_name.strip().lower()
    same_surname = select(Person.household_id).where(func.lower(Person.last_name) == surname)
    conditions = [Household.email.is_not(None) & (func.lower(Household.email) == email)] if email else []
    postcode = normalise_postcode(details.postcode)
    if postcode:
        conditions.append(Household.id.in_(same_surname) & (func.replace(func.upper(Household.postcode), " ", "") == postcode))
    candidates = db.session.scalars(select(Household).where(or_(*conditions)).limit(50)) if conditions else []
    matches = [Match(h, reasons) for h in candidates if (reasons := _reasons(h, details))]
    matches.extend(_phone_matches(details, {m.household.id for m in matches}, surname))
    return matches[:limit]


def _phone_matches(details: EnquiryDetails, seen: set[int], surname: str) -> list[Match]:
    phone = normalise_phone(details.phone)
    if phone is None or len(phone) < 6:
        return []
    same_surname = select(Person.household_id).where(func.lower(Person.last_name) == surname)
    query = select(Household).where(Household.phone_normalised == phone, Household.id.in_(same_surname)).limit(50)
    return [Match(h, _reasons(h, details)) for h in db.session.scalars(query) if h.id not in seen]


def _reasons(household: Household, details: EnquiryDetails) -> tuple[str, ...]:
    reasons = []
    if details.email and (household.email or "").lower() == details.email.strip().lower():
        reasons.append("same email address")
    if details.phone and household.phone_normalised == normalise_phone(details.phone):
        reasons.append("same phone number")
    if details.postcode and normalise_postcode(household.postcode) == normalise_postcode(details.postcode):
        reasons.append("same postcode")
    if any(p.last_name.lower() == details.last_name.strip().lower() for p in household.people):
        reasons.append("same surname")
    return tuple(reasons) if reasons != ["same surname"] else ()


def log_enquiry(details: EnquiryDetails, *, actor, household: Household | None = None) -> EnquiryContact:
    """Record a contact; on a new household (household=None) or on the household the officer confirmed."""
    if details.idempotency_key:
        existing = db.session.scalar(select(EnquiryContact).where(EnquiryContact.idempotency_key == details.idempotency_key))
        if existing is not None:
            return existing  # a retried submission: stored once
    if not details.service_lines:
        raise DomainError("Choose at least one service line", "service_lines")
    unknown = set(details.service_lines) - set(db.session.scalars(select(ServiceLine.code)))
    if unknown:
        raise DomainError(f"Unknown service line: {', '.join(sorted(unknown))}", "service_lines")
    received = details.received_at or clock.now()
    if received > clock.now() + timedelta(minutes=5):
        raise DomainError("An enquiry cannot be dated in the future", "received_at")
    if details.answered_during_contact and details.method not in ANSWERABLE_DURING_CONTACT:
        raise DomainError("Only a phone call or a visit in person can be answered during the contact: "
                          "untick ‘Answered during this call’, or change how they got in touch", "answered")
    household = household or _new_household(details, actor, received)
    contact = EnquiryContact(
        household=household, received_at=received, method=details.method, channel_id=details.channel_id,
        campaign=details.campaign, utm_source=details.utm.get("source"), utm_medium=details.utm.get("medium"),
        utm_campaign=details.utm.get("campaign"), referrer=details.referrer, notes=details.notes,
        idempotency_key=details.idempotency_key, idempotency_fingerprint=details.idempotency_fingerprint,
        recorded_by_id=getattr(actor, "id", None),
        first_response_due_at=add_working_days(received, _response_days()),
    )
    db.session.add(contact)
    _open_applications(household, details.service_lines, received, actor)
    db.session.flush()
    resolve_contact(db.session, contact)
    record_event(db.session, "enquiry_logged", actor=actor, object_type="household", object_id=household.id,
                 detail={"contact_id": contact.id, "method": details.method.value})
    if details.answered_during_contact:
        record_first_response(contact, actor=actor, at=received)
    return contact


def _response_days() -> int:
    return current_app.config["FIRST_RESPONSE_WORKING_DAYS"]


def _new_household(details: EnquiryDetails, actor, received: datetime) -> Household:
    household = Household(
        reference=_new_reference(), email=(details.email or "").strip().lower() or None, phone=details.phone,
        postcode=normalise_postcode(details.postcode) or None, address_line_1=details.address_line_1,
        town=details.town, partner_authority_id=details.partner_authority_id,
        first_enquiry_on=clock.london_date(received), created_by_id=getattr(actor, "id", None),
    )
    names = [(details.first_name, details.last_name), *([details.second_applicant] if details.second_applicant else [])]
    household.people = [Person(role=PersonRole.APPLICANT, first_name=f.strip(), last_name=l.strip()) for f, l in names]
    db.session.add(household)
    return household


def _new_reference() -> str:
    while True:
        reference = "H" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
        if db.session.scalar(select(Household.id).where(Household.reference == reference)) is None:
            return reference


def _open_applications(household: Household, service_lines: list[str], received: datetime, actor) -> None:
    """Open an application for each service line the household has none for yet.

    A repeat contact about a line already applied for is the contact row itself, not a funnel event.
    """
    existing = {a.service_line_code for a in household.applications}
    for line in dict.fromkeys(service_lines):
        if line not in existing:
            funnel.open_application(household, line, clock.london_date(received), actor=actor)




def record_first_response(contact: EnquiryContact, *, actor, at: datetime | None = None) -> None:
    if contact.first_responded_at is not None:
        raise DomainError("A first response is already recorded for this enquiry")
    contact.first_responded_at, contact.first_responded_by_id = at or clock.now(), actor.id
    record_event(db.session, "first_response_recorded", actor=actor, object_type="household",
                 object_id=contact.household_id, detail={"contact_id": contact.id})
