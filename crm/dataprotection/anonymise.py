"""Anonymising one household in place (retention and erasure): every personal value goes, every row and date the
reports count stays, so every report for every period gives the same figures before and after.

What goes: people's names (replaced by ANONYMOUS), dates of birth (reduced to 1 January of the year: the age
band the equality report gives counts approvals only, and approved households are kept), equality monitoring
answers and circumstances (counted by the reports only for approvals), the household's contact details, address,
postcode and relationship status, and free text: enquiry contacts' notes, stage events' reasons and undo reasons,
chases' notes, consultations' notes, the applicant portal's addresses, passwords, codes and messages (its accounts
closed), referees' names, contact details and relationship and the text of their references, uploaded documents'
files and filenames (crm/documents: the files are deleted once the change commits), and the corrections of details
(record_changes hold before and after values, so those rows are deleted; no report reads them).

What stays, and why: the rows themselves (households, applications, stage events, contacts, bookings, checks
and their outcomes, allocations), their dates, stages, statuses, service lines, partner authority, team and
channel, since the reports count them; the marketing tags of contacts (campaign, UTM tags, referring address), which
attribution reads; a withdrawal's note where it has no reason from the managed list, since the reports count such
a withdrawal under its note. The audit log is append-only (its triggers refuse changes): its entries name ids, but
a few hold typed text (an undo's reason in `check_withdrawn`), which stays (README: Data protection).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update

from crm import clock
from crm.audit.services import CLI_ACTOR, record_event
from crm.checks.models import CheckChase, CheckInstance
from crm.documents.services import purge_household
from crm.enquiries.models import EnquiryContact
from crm.events.models import Consultation
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household, RecordChange
from crm.portal.closure import close_household_accounts
from crm.references.models import Reference, Referee

ANONYMOUS = "Anonymised"
PERSON_FIELDS = ("ethnicity", "sexual_orientation", "disability", "religion", "lived_abroad_months", "employed",
                 "previous_significant_relationship", "fostered_in_last_12_months")
HOUSEHOLD_FIELDS = ("email", "phone", "address_line_1", "address_line_2", "town", "postcode", "relationship_status")


def anonymise_household(household: Household, rule: str, *, actor=None) -> dict[str, int]:
    """Remove the household's personal data in place and mark it anonymised under `rule`; audited with the counts
    (never a value). Returns the counts. The caller commits."""
    counts = {"people": _people(household)}
    for field in HOUSEHOLD_FIELDS:
        setattr(household, field, None)
    applications = select(Application.id).where(Application.household_id == household.id)
    counts["contact_notes"] = _clear(EnquiryContact, EnquiryContact.household_id == household.id, notes=None)
    counts["event_reasons"] = _clear(
        StageEvent, StageEvent.application_id.in_(applications),
        (StageEvent.kind != EventKind.WITHDRAWN) | StageEvent.withdrawal_reason_id.is_not(None), reason=None)
    counts["undo_reasons"] = _clear(StageEvent, StageEvent.application_id.in_(applications), undo_reason=None)
    checks = select(CheckInstance.id).where(CheckInstance.application_id.in_(applications))
    counts["chase_notes"] = _clear(CheckChase, CheckChase.check_id.in_(checks), note=None)
    counts["consultation_notes"] = _clear(Consultation, Consultation.household_id == household.id, notes=None)
    counts.update(_referees(applications))
    counts["record_changes"] = db.session.execute(
        delete(RecordChange).where(RecordChange.household_id == household.id)
        .execution_options(synchronize_session="fetch")).rowcount
    # The applicant portal closes for good, and its addresses, password hashes, codes and message bodies go.
    counts.update(close_household_accounts(household.id, "anonymised", anonymise=True))
    counts["documents"] = purge_household(household.id)
    household.anonymised_at, household.anonymised_rule = clock.now(), rule
    record_event(db.session, "household_anonymised", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="household", object_id=household.id, detail={"rule": rule, **counts})
    db.session.flush()
    return counts


def _referees(applications) -> dict[str, int]:
    """Referees' names and contact details, and what they wrote: the referee and reference rows stay (a check's
    receipt rests on them), their personal values go."""
    named = Referee.application_id.in_(applications)
    referees = db.session.execute(
        update(Referee).where(named, Referee.name != ANONYMOUS)
        .values(name=ANONYMOUS, email=None, phone=None, relationship_to_applicant=None)
        .execution_options(synchronize_session="fetch")).rowcount
    given = select(Referee.id).where(named)
    references = db.session.execute(
        update(Reference).where(Reference.referee_id.in_(given), Reference.how_known != ANONYMOUS)
        .values(how_known=ANONYMOUS, with_children=ANONYMOUS, home=ANONYMOUS, relationships=ANONYMOUS, concerns=None)
        .execution_options(synchronize_session="fetch")).rowcount
    return {"referees": referees, "references": references}


def _people(household: Household) -> int:
    for person in household.people:
        person.first_name, person.last_name = ANONYMOUS, ANONYMOUS
        if person.date_of_birth is not None:
            person.date_of_birth = date(person.date_of_birth.year, 1, 1)
        for field in PERSON_FIELDS:
            setattr(person, field, None)
    return len(household.people)


def _clear(model, *conditions, **values) -> int:
    """Set `values` on the rows matching `conditions` that hold something; the number of rows changed."""
    (column, _), = values.items()
    statement = (update(model).where(*conditions, getattr(model, column).is_not(None)).values(**values)
                 .execution_options(synchronize_session="fetch"))
    return db.session.execute(statement).rowcount
