"""The households, milestones and checks formats written from the database, so that an export imports back unchanged."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.checks.models import CheckInstance, CheckType
from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.funnel import machine
from crm.funnel.models import StageEvent
from crm.funnel.reasons import services as withdrawal_reasons
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household, Person
from crm.transfer import checks as checks_format
from crm.transfer import households as households_format
from crm.transfer import lookups
from crm.transfer import milestones as milestones_format

HOUSEHOLD_COLUMNS = [*households_format.REQUIRED, *households_format.OPTIONAL]
MILESTONE_COLUMNS = [*milestones_format.REQUIRED, *milestones_format.OPTIONAL]
CHECK_COLUMNS = [*checks_format.REQUIRED, *checks_format.OPTIONAL]


def _households(*options) -> list[Household]:
    return list(db.session.scalars(select(Household).order_by(Household.reference).options(
        selectinload(Household.applications).selectinload(Application.events), *options)))


def _contacts() -> dict[int, list[EnquiryContact]]:
    """Every household's contacts, first contact first."""
    found: dict[int, list[EnquiryContact]] = {}
    query = select(EnquiryContact).order_by(EnquiryContact.household_id, EnquiryContact.received_at, EnquiryContact.id)
    for contact in db.session.scalars(query):
        found.setdefault(contact.household_id, []).append(contact)
    return found


def _day(moment) -> date | None:
    return clock.london_date(moment) if moment else None


def household_rows() -> tuple[list[str], list[list], int]:
    """One row per household and service line; with the number of households."""
    households = _households(selectinload(Household.people), selectinload(Household.partner_authority))
    contacts, paths = _contacts(), lookups.channel_paths()
    rows = [_household_row(h, a, (contacts.get(h.id) or [None])[0], paths)
            for h in households for a in h.applications if machine.live(a.events)]
    return HOUSEHOLD_COLUMNS, rows, len({row[0] for row in rows})


def _household_row(household: Household, application: Application, contact: EnquiryContact | None,
                   paths: dict[int, str]) -> list:
    applicants = household.applicants
    opening = machine.live(application.events)[0]
    values = {
        "household_ref": household.reference, "service_line": application.service_line_code,
        "partner_authority": household.partner_authority.name if household.partner_authority else None,
        "first_enquiry_date": opening.occurred_on, "applicant_count": len(applicants),
        "ethnicity": _ethnicity(applicants), "fast_track": "yes" if application.fast_track else "no",
        "opened_at_stage": opening.kind.value, **_names(household, applicants),
        **{column: getattr(household, attribute) for column, attribute in households_format.HOUSEHOLD_FIELDS.items()
           if column != "partner_authority"},
    }
    if contact is not None:
        values.update(channel=paths.get(contact.channel_id), campaign=contact.campaign,
                      contact_method=contact.method.value, first_response_date=_day(contact.first_responded_at))
    return [values.get(column) for column in HOUSEHOLD_COLUMNS]


def _names(household: Household, applicants: list[Person]) -> dict[str, str]:
    """The named applicants' names; placeholders are left blank, and the importer makes them again."""
    names = {}
    for number, person in enumerate(applicants[:households_format.NAMED_APPLICANTS], start=1):
        if (person.first_name, person.last_name) != households_format.placeholder_name(number, household.reference):
            names.update({f"applicant_{number}_first_name": person.first_name,
                          f"applicant_{number}_last_name": person.last_name})
    return names


def _ethnicity(applicants: list[Person]) -> str | None:
    """One value when every applicant has the same, else one per applicant separated by ';'."""
    values = [person.ethnicity or "" for person in applicants]
    if len(set(values)) <= 1:
        return values[0] if values else None
    return "; ".join(values)


def milestone_rows() -> tuple[list[str], list[list], int]:
    """Every application's events after its opening, and every household's contacts after its first."""
    rows, contacts, paths, reasons = [], _contacts(), lookups.channel_paths(), withdrawal_reasons.names()
    for household in _households():
        dated = [(e.occurred_on, _event_row(household, a, e, reasons)) for a in household.applications
                 for e in machine.live(a.events)[1:] if e.kind is not EventKind.ENQUIRY]
        dated += [(_day(c.received_at), _contact_row(household, c, paths)) for c in contacts.get(household.id, [])[1:]]
        rows += [row for _, row in sorted(dated, key=lambda pair: pair[0])]  # stable: same-day events keep their order
    return MILESTONE_COLUMNS, rows, len({row[0] for row in rows})


def _event_row(household: Household, application: Application, event: StageEvent, reasons: dict[int, str]) -> list:
    return [household.reference, application.service_line_code, event.kind.value, event.occurred_on,
            _event_detail(event, reasons), None, None]


def _event_detail(event: StageEvent, reasons: dict[int, str]) -> str | None:
    if event.kind is EventKind.WITHDRAWN:
        # "party: reason" or "party: reason: note", as the import reads it back (crm.funnel.reasons.services.match)
        parts = (event.party.value if event.party else "", reasons.get(event.withdrawal_reason_id, ""),
                 event.reason or "")
        return ": ".join(part for part in parts if part)
    if event.kind is EventKind.TIMESCALE_EXTENDED:
        return f"{event.extension_days} days" + (f": {event.reason}" if event.reason else "")
    return event.reason


def _contact_row(household: Household, contact: EnquiryContact, paths: dict[int, str]) -> list:
    detail = contact.method.value + (f": {contact.notes}" if contact.notes else "")
    return [household.reference, None, milestones_format.REPEAT_CONTACT, _day(contact.received_at), detail,
            paths.get(contact.channel_id), contact.campaign]


def check_rows() -> tuple[list[str], list[list], int]:
    """Every check, by household, application and person (the application's own checks last), in catalogue order.
    service_line is always filled, so that each row finds its application whatever stage the others reach."""
    query = (select(Application.household_id, Application.service_line_code, CheckInstance.person_id,
                    CheckInstance.check_type_id, CheckType.code, CheckInstance.requested_on, CheckInstance.received_on,
                    CheckInstance.outcome)
             .select_from(CheckInstance).join(CheckInstance.application).join(CheckInstance.check_type))
    households = _households_with_checks()
    keyed = sorted((_check_row(households[found.household_id], found) for found in db.session.execute(query)),
                   key=lambda pair: pair[0])
    return CHECK_COLUMNS, [row for _, row in keyed], len(households)


def _households_with_checks() -> dict[int, Household]:
    having = select(Application.household_id).join(CheckInstance, CheckInstance.application_id == Application.id)
    query = select(Household).where(Household.id.in_(having)).options(selectinload(Household.people))
    return {household.id: household for household in db.session.scalars(query)}


def _check_row(household: Household, found) -> tuple[tuple, list]:
    """The row, and where it sorts: people in the household's order, then the checks of the application."""
    position = next((i for i, p in enumerate(household.people) if p.id == found.person_id), len(household.people))
    person = household.people[position] if position < len(household.people) else None
    outcome = found.outcome.value if found.outcome else None
    return ((household.reference, found.service_line_code, position, found.check_type_id),
            [household.reference, checks_format.person_cell(household, person), found.code, found.requested_on,
             found.received_on, outcome, found.service_line_code])
