"""Correcting a household's and its people's details: contact details and address, people joining and leaving,
names and dates of birth, and the equality monitoring answers.

Each operation checks everything before it changes anything, keeps what changed field by field (before and after)
as a RecordChange for the household timeline, audits the change by field name (values stay out of the audit log:
some are special-category data), flushes, and leaves the commit to the caller.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from crm import clock
from crm.audit.services import record_event
from crm.checks.services import add_checks_for_person
from crm.errors import DomainError
from crm.extensions import db
from crm.formatting import long_date
from crm.households.models import Household, Person, PersonRole, RecordChange
from crm.households.monitoring import HOUSEHOLD_QUESTIONS, PERSON_QUESTIONS, answers, may_see_monitoring
from crm.households.postcodes import display_postcode, is_postcode


@dataclass(frozen=True)
class ContactDetails:
    email: str | None = None
    phone: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    town: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class PersonDetails:
    first_name: str
    last_name: str
    date_of_birth: date | None = None


def update_contact_details(household: Household, details: ContactDetails, *, actor) -> RecordChange | None:
    """Save the household's email, phone and address; the postcode must be a UK one, kept as SW1A 1AA."""
    values = {field: _text(value) for field, value in asdict(details).items()}
    if values["postcode"]:
        if not is_postcode(values["postcode"]):
            raise DomainError("Enter a real postcode, like SW1A 1AA", "postcode")
        values["postcode"] = display_postcode(values["postcode"])
    if values["email"]:
        values["email"] = values["email"].lower()
    return _apply(household, {field: (household, value) for field, value in values.items()},
                  "contact_details_changed", actor)


def add_person(household: Household, details: PersonDetails, role: PersonRole, *, actor,
               today: date | None = None) -> Person:
    """Someone joins the household; while its checks are under way they get the checks they need at once."""
    today = today or clock.today()
    values = _person_values(details, today)
    person = Person(household=household, role=role, **values)
    db.session.add(person)
    db.session.flush()
    shown = {"role": role.value, **values}
    _record(household, person, "person_added", {field: [None, _plain(value)] for field, value in shown.items()
                                                if value is not None}, actor)
    add_checks_for_person(person, today, actor=actor)
    return person


def update_person(person: Person, details: PersonDetails, *, actor, today: date | None = None) -> RecordChange | None:
    """Correct a name or date of birth; a date of birth that makes them an adult brings their checks."""
    today = today or clock.today()
    values = _person_values(details, today)
    change = _apply(person.household, {field: (person, value) for field, value in values.items()},
                    "person_changed", actor, person=person)
    if change is not None and "date_of_birth" in change.changes:
        add_checks_for_person(person, today, actor=actor)
    return change


def mark_left(person: Person, left_on: date | None, *, actor, today: date | None = None) -> RecordChange:
    """They left the household on that day: kept on the record, and no new check is made for them."""
    if person.left_on is not None:
        raise DomainError(f"{person.full_name} is already recorded as having left on {long_date(person.left_on)}",
                          "left_on")
    if left_on is None:
        raise DomainError("Enter the date they left the household", "left_on")
    if left_on > (today or clock.today()):
        raise DomainError("The date they left must be today or in the past", "left_on")
    if person.date_of_birth and left_on < person.date_of_birth:
        raise DomainError("The date they left cannot be before their date of birth", "left_on")
    return _apply(person.household, {"left_on": (person, left_on)}, "person_left", actor, person=person)


def update_monitoring(person: Person, chosen: dict[str, str | None], *, actor) -> RecordChange | None:
    """Save an applicant's equality monitoring answers (PERSON_QUESTIONS) and the household's relationship status
    (HOUSEHOLD_QUESTIONS); None is "Not recorded". Only the roles that may see them may change them."""
    if not may_see_monitoring(actor):
        raise DomainError("Only stage-one workers, assessing social workers and managers can record equality "
                          "monitoring")
    targets = {**{field: person for field in PERSON_QUESTIONS}, **{field: person.household for field in HOUSEHOLD_QUESTIONS}}
    problems = [(field, f"Choose one of the answers for {label.lower()}")
                for field, (label, _) in {**PERSON_QUESTIONS, **HOUSEHOLD_QUESTIONS}.items()
                if chosen.get(field) and chosen[field] not in answers(field, getattr(targets[field], field))]
    if problems:
        raise DomainError.several(problems)
    values = {field: (target, chosen.get(field) or None) for field, target in targets.items()}
    return _apply(person.household, values, "equality_monitoring_changed", actor, person=person)


def _person_values(details: PersonDetails, today: date) -> dict:
    first, last = _text(details.first_name), _text(details.last_name)
    problems = [(field, message) for field, value, message in (
        ("first_name", first, "Enter the first name"), ("last_name", last, "Enter the last name")) if not value]
    if details.date_of_birth and details.date_of_birth > today:
        problems.append(("date_of_birth", "Date of birth must be today or in the past"))
    if problems:
        raise DomainError.several(problems)
    return {"first_name": first, "last_name": last, "date_of_birth": details.date_of_birth}


def _apply(household: Household, values: dict[str, tuple[object, object]], action: str, actor, *,
           person: Person | None = None) -> RecordChange | None:
    """Set each field (field -> (the household or person, value)); record what changed, if anything did."""
    changes = {}
    for field, (target, value) in values.items():
        before = getattr(target, field)
        if before != value:
            changes[field] = [_plain(before), _plain(value)]
            setattr(target, field, value)
    return _record(household, person, action, changes, actor) if changes else None


def _record(household: Household, person: Person | None, action: str, changes: dict, actor) -> RecordChange:
    change = RecordChange(household=household, person=person, action=action, changes=changes,
                          changed_by_id=getattr(actor, "id", None))
    db.session.add(change)
    db.session.flush()
    record_event(db.session, action, actor=actor, object_type="household", object_id=household.id,
                 detail={"change_id": change.id, "person_id": person.id if person else None, "fields": sorted(changes)})
    return change


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _plain(value):
    """A value as JSON keeps it: dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value
