"""Possible matches of unconfirmed enquiries (public form, API): found on arrival, settled by a person.

"Same household" moves the enquiry's contacts into the known household, with the applications it opened for
service lines the known household has not applied for; the placeholder household the enquiry made is then
removed. Only an untouched placeholder can be merged (still at first contact, nothing booked), so no work is lost.
"""
from __future__ import annotations

from sqlalchemy import delete, func, select, update

from crm import clock
from crm.audit.services import record_event
from crm.enquiries.models import EnquiryContact, PossibleMatch
from crm.errors import DomainError
from crm.events.models import EventBooking
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.households.models import Application, Household
from crm.marketing.models import AttributionCredit


def record_possible_matches(contact: EnquiryContact, matches) -> list[PossibleMatch]:
    """One row per known household the new contact may belong to (crm.enquiries.services.find_matches)."""
    rows = [PossibleMatch(contact=contact, household=match.household, reasons=", ".join(match.reasons)[:200])
            for match in matches if match.household.id != contact.household_id]
    db.session.add_all(rows)
    return rows


def open_matches(household_ids) -> dict[int, list[PossibleMatch]]:
    """Unsettled possible matches of contacts held by these households, by the household holding the contact."""
    ids = list(household_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(EnquiryContact.household_id, PossibleMatch).join(PossibleMatch.contact)
        .where(EnquiryContact.household_id.in_(ids), PossibleMatch.resolved_at.is_(None))
        .order_by(PossibleMatch.id)).all()
    found: dict[int, list[PossibleMatch]] = {}
    for household_id, match in rows:
        found.setdefault(household_id, []).append(match)
    return found


def settle(match: PossibleMatch, same: bool, *, actor) -> Household:
    """Record the answer; for "same household", merge the enquiry into it. Returns the household to show."""
    if match.resolved_at is not None:
        raise DomainError("This possible match has already been settled")
    now = clock.now()
    match.resolved_at, match.resolved_by_id, match.outcome = now, actor.id, "same" if same else "different"
    if not same:
        record_event(db.session, "possible_match_dismissed", actor=actor, object_type="household",
                     object_id=match.contact.household_id, detail={"known_household_id": match.household_id})
        return match.contact.household
    placeholder, known = match.contact.household, match.household
    _refuse_if_worked_on(placeholder)
    lines = set(db.session.scalars(select(Application.service_line_code).where(Application.household_id == known.id)))
    duplicates = [application.id for application in placeholder.applications if application.service_line_code in lines]
    moved_lines = sorted(a.service_line_code for a in placeholder.applications if a.id not in duplicates)
    contacts = db.session.scalar(select(func.count()).where(EnquiryContact.household_id == placeholder.id))
    db.session.execute(update(PossibleMatch).where(
        PossibleMatch.contact_id.in_(select(EnquiryContact.id).where(EnquiryContact.household_id == placeholder.id)),
        PossibleMatch.resolved_at.is_(None)).values(resolved_at=now, resolved_by_id=actor.id, outcome="superseded"))
    db.session.execute(update(EnquiryContact).where(EnquiryContact.household_id == placeholder.id)
                       .values(household_id=known.id))
    if duplicates:  # the known household's own application for the line stands; the enquiry is a contact on it
        db.session.execute(delete(Application).where(Application.id.in_(duplicates)))
    db.session.execute(update(Application).where(Application.household_id == placeholder.id)
                       .values(household_id=known.id))
    db.session.execute(delete(AttributionCredit).where(AttributionCredit.household_id == placeholder.id))
    placeholder_id, placeholder_reference = placeholder.id, placeholder.reference
    db.session.execute(delete(Household).where(Household.id == placeholder_id))
    db.session.expire_all()
    record_event(db.session, "possible_match_merged", actor=actor, object_type="household", object_id=known.id,
                 detail={"merged_household_id": placeholder_id, "merged_reference": placeholder_reference,
                         "contacts": contacts, "applications_moved": moved_lines})
    return db.session.get(Household, known.id)


def _refuse_if_worked_on(placeholder: Household) -> None:
    beyond = [a for a in placeholder.applications if a.stage is not Stage.ENQUIRY]
    booked = db.session.scalar(select(func.count()).where(EventBooking.household_id == placeholder.id))
    if beyond or booked:
        raise DomainError(f"Household {placeholder.reference} has been worked on since the enquiry (it has moved on "
                          "or has a booking), so it cannot be merged here. Keep both, or ask a manager to combine "
                          "them by hand.")
