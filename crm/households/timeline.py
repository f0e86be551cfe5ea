"""The household timeline: every contact the household made (how, its notes, its first response) and every
correction of the record (who, when, before and after), newest first. Special-category values are shown only to
the roles that may see them (crm.households.monitoring); the rest see that the answer changed, not what it is."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.enquiries.forms import METHOD_LABELS
from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.formatting import date_time, long_date
from crm.households.models import Household, PersonRole, RecordChange
from crm.households.monitoring import NOT_RECORDED, QUESTIONS, RESTRICTED_FIELDS, may_see_monitoring
from crm.households.postcodes import display_postcode
from crm.marketing.models import Channel
from crm.portal.models import PortalAccount

HIDDEN = "Hidden"
FIELD_LABELS = {"email": "Email", "phone": "Phone", "address_line_1": "Address line 1",
                "address_line_2": "Address line 2", "town": "Town or city", "postcode": "Postcode",
                "first_name": "First name", "last_name": "Last name", "date_of_birth": "Date of birth",
                "role": "Role", "left_on": "Left the household on",
                "lived_abroad_months": "Months lived abroad as an adult", "employed": "Employed",
                "previous_significant_relationship": "A significant previous relationship",
                "fostered_in_last_12_months": "Fostered in the last 12 months",
                **{name: label for name, (label, _) in QUESTIONS.items()}}
TITLES = {"contact_details_changed": "Contact details changed", "person_added": "{name} added to the household",
          "person_changed": "{name}'s details corrected", "person_left": "{name} left the household",
          "equality_monitoring_changed": "Equality monitoring changed for {name}",
          "circumstances_changed": "{name}'s circumstances corrected"}


@dataclass
class Item:
    title: str
    at: datetime
    byline: str | None = None
    notes: str | None = None
    lines: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (what, before, after)


def household_timeline(household: Household, viewer) -> list[Item]:
    """Contacts and corrections, newest first: two queries, whatever their number."""
    items = [*_contacts(household), *_changes(household, may_see_monitoring(viewer))]
    return sorted(items, key=lambda item: item.at, reverse=True)


def _contacts(household: Household) -> list[Item]:
    contacts = list(db.session.scalars(
        select(EnquiryContact).where(EnquiryContact.household_id == household.id)
        .options(selectinload(EnquiryContact.recorded_by),
                 selectinload(EnquiryContact.channel).selectinload(Channel.parent))
        .order_by(EnquiryContact.received_at, EnquiryContact.id)))
    return [_contact(contact, first=index == 0) for index, contact in enumerate(contacts)]


def _contact(contact: EnquiryContact, *, first: bool) -> Item:
    method = METHOD_LABELS.get(contact.method, contact.method.value).lower()
    lines = [f"Heard through {contact.channel.path}." if contact.channel else None,
             f"Campaign: {contact.campaign}." if contact.campaign else None, _response(contact)]
    return Item(title=f"{'First enquiry' if first else 'Further contact'} ({method})", at=contact.received_at,
                byline=contact.recorded_by.full_name if contact.recorded_by else None, notes=contact.notes,
                lines=[line for line in lines if line])


def _response(contact: EnquiryContact) -> str:
    if contact.first_responded_at is None:
        return f"Awaiting a first response, due by {date_time(contact.first_response_due_at)}." \
            if contact.first_response_due_at else "Awaiting a first response."
    if contact.first_responded_at <= contact.received_at:
        return "Answered during the contact."
    return f"First response {date_time(contact.first_responded_at)}."


def _changes(household: Household, restricted_shown: bool) -> list[Item]:
    changes = db.session.scalars(
        select(RecordChange).where(RecordChange.household_id == household.id)
        .options(selectinload(RecordChange.changed_by), selectinload(RecordChange.person),
                 selectinload(RecordChange.changed_by_account).selectinload(PortalAccount.person))
        .order_by(RecordChange.id))
    return [_change(change, restricted_shown) for change in changes]


def _change(change: RecordChange, restricted_shown: bool) -> Item:
    name = change.person.full_name if change.person else ""
    rows = [(FIELD_LABELS.get(name_, name_), *(_shown(name_, value, restricted_shown) for value in values))
            for name_, values in change.changes.items()]
    return Item(title=TITLES.get(change.action, change.action).format(name=name), at=change.changed_at,
                byline=_byline(change), rows=rows)


def _byline(change: RecordChange) -> str | None:
    """A staff user's name, or the applicant's with "through the applicant portal" for their own corrections."""
    if change.changed_by is not None:
        return change.changed_by.full_name
    account = change.changed_by_account
    return f"{account.person.full_name} (applicant, through the applicant portal)" if account else None


def _shown(name: str, value, restricted_shown: bool) -> str:
    if name in RESTRICTED_FIELDS and not restricted_shown:
        return HIDDEN
    if value is None or value == "":
        return NOT_RECORDED if name in RESTRICTED_FIELDS else "Not given"
    if name in ("date_of_birth", "left_on"):
        return long_date(date.fromisoformat(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "role":
        return PersonRole(value).value.replace("_", " ").capitalize()
    return display_postcode(value) if name == "postcode" else str(value)
