"""The "Your details" task: the applicant sees and corrects each adult's name, date of birth and the circumstances
that decide their checks. Changes go through the household record's own services (crm.households.records,
crm.checks.services), so the worker's timeline shows them, marked as the applicant's, and the checks follow."""
from __future__ import annotations

from dataclasses import asdict

from crm import clock
from crm.checks.catalogue import is_adult
from crm.checks.services import Circumstances, record_circumstances
from crm.households.models import RecordChange
from crm.households.records import PersonDetails, update_person
from crm.portal.audit import record_applicant_event
from crm.portal.auth import actor_for
from crm.portal.tasks import COMPLETED, IN_PROGRESS, NOT_STARTED, PortalTask, register
from crm.extensions import db

CIRCUMSTANCES = ("lived_abroad_months", "employed", "previous_significant_relationship", "fostered_in_last_12_months")


def adults(household) -> list:
    """The household's adults still in it: the people whose details and consents the portal asks for."""
    today = clock.today()
    return [person for person in household.people if person.left_on is None and is_adult(person, today)]


def answered(person) -> int:
    """How many of the questions that decide checks (and the date of birth) are answered."""
    return sum(getattr(person, field) is not None for field in (*CIRCUMSTANCES, "date_of_birth"))


def details_status(account) -> str:
    people = adults(account.household)
    done = [answered(person) for person in people]
    if people and all(count == len(CIRCUMSTANCES) + 1 for count in done):
        return COMPLETED
    return IN_PROGRESS if any(done) else NOT_STARTED


def correct(account, person, details: PersonDetails, circumstances: Circumstances) -> list[RecordChange]:
    """Save what the applicant corrected; each change is a RecordChange marked as made by the account."""
    actor = actor_for(account)
    changes = [update_person(person, details, actor=actor)]
    before = {field: getattr(person, field) for field in CIRCUMSTANCES}
    record_circumstances(person, circumstances, actor=actor)
    after = asdict(circumstances)
    changed = {field: [before[field], after[field]] for field in CIRCUMSTANCES if before[field] != after[field]}
    if changed:
        change = RecordChange(household=person.household, person=person, action="circumstances_changed",
                              changes=changed)
        db.session.add(change)
        changes.append(change)
    made = [change for change in changes if change is not None]
    for change in made:
        change.changed_by_account_id = account.id
    db.session.flush()
    record_applicant_event(account, "portal_details_corrected", person_id=person.id,
                           fields=sorted({field for change in made for field in change.changes}))
    return made


register(PortalTask("details", "Your details", "portal.details", 10, details_status,
                    hint="Check the names, dates of birth and circumstances of each adult"))
