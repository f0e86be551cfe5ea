"""Subject access (SPEC section 8): everything Hearth holds about a household, or about one person in it, as a zip of
`data.json` (every section, machine-readable) and `summary.html` (the same, readable, self-contained).

Each section is read in one statement, whatever its length: an export costs the same number of statements for a
household with one contact as for one with a hundred.

A person's export holds the household's reference, their own row, their checks (with chases and parts), the
corrections of their details, their documents and the audit entries about them, their checks or their documents. An
applicant is a party to everything the household did, so theirs also holds the household's details and the
household-wide sections (contacts, applications and their stage events, bookings, allocations...) with the
corrections of the household's details; another adult's or a child's holds only what concerns them by name.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import render_template
from sqlalchemy import String, and_, cast, false, or_, select, true
from sqlalchemy.orm import aliased

from crm import clock
from crm.allocation.models import Allocation
from crm.audit.models import AuditEvent
from crm.audit.services import CLI_ACTOR, record_event
from crm.auth.models import Team, User
from crm.checks.models import CheckChase, CheckInstance, CheckPart, CheckType
from crm.enquiries.models import EnquiryContact, PossibleMatch
from crm.escalations.models import Escalation
from crm.events.models import Consultation, EventBooking, InformationEvent
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.reasons.models import WithdrawalReason
from crm.funnel.stages import EventKind
from crm.households.models import Application, Household, Person, PersonRole, RecordChange
from crm.documents.models import Document

# Every section, in the order data.json and the summary give them, with the summary's heading.
SECTIONS = {
    "household": "Household details",
    "people": "People",
    "contacts": "Enquiry contacts",
    "applications": "Applications",
    "stage_events": "Stage events",
    "withdrawal_reasons": "Withdrawals and their reasons",
    "checks": "Statutory checks",
    "check_chases": "Chases of checks",
    "check_parts": "Parts of checks",
    "event_bookings": "Information event bookings",
    "consultations": "Consultations",
    "allocations": "Allocation history",
    "record_changes": "Corrections of details",
    "documents": "Uploaded documents (their details; each file is downloaded from the household page)",
    "possible_matches": "Possible matches with other records",
    "escalations": "Escalations",
    "portal_accounts": "Applicant portal accounts",
    "portal_consents": "Consents given in the applicant portal",
    "portal_messages": "Messages through the applicant portal",
    "audit_events": "Audit log entries",
    "staff": "Staff named in this export",
}
# Columns naming a user: the staff section gives their names.
STAFF_COLUMNS = ("created_by_id", "allocated_worker_id", "recorded_by_id", "first_responded_by_id", "undone_by_id",
                 "owner_id", "chased_by_id", "completed_by_id", "booked_by_id", "cancelled_by_id", "held_by_id",
                 "worker_id", "previous_worker_id", "changed_by_id", "resolved_by_id", "recipient_id", "actor_id", "user_id")


@dataclass
class SubjectAccessExport:
    household: Household
    person: Person | None
    generated_at: datetime
    sections: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.sections.items()}

    @property
    def subject(self) -> str:
        if self.person is not None:
            return f"{self.person.full_name}, of household {self.household.reference}"
        return f"Household {self.household.reference}: {self.household.display_name}"

    @property
    def filename(self) -> str:
        person = f"-person-{self.person.id}" if self.person is not None else ""
        return f"subject-access-{self.household.reference}{person}.zip"

    def data(self) -> dict:
        return {"export": {"household_id": self.household.id, "household_reference": self.household.reference,
                           "person_id": self.person.id if self.person is not None else None,
                           "generated_at": self.generated_at, "sections": list(self.sections)},
                **self.sections}

    def to_zip(self) -> bytes:
        """The zip, built in memory: data.json and summary.html."""
        data = json.dumps(self.data(), default=_json_value, sort_keys=True, indent=2, ensure_ascii=False)
        summary = render_template("dataprotection/summary.html", export=self, titles=SECTIONS,
                                  text=_text, columns=_columns)
        buffer = io.BytesIO()
        stamp = clock.in_london(self.generated_at).timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in (("data.json", data), ("summary.html", summary)):
                entry = zipfile.ZipInfo(name, date_time=stamp)
                entry.external_attr = 0o644 << 16  # readable once unzipped (ZipInfo's default is no permissions)
                archive.writestr(entry, content.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        return buffer.getvalue()


def export_subject_access(household: Household, person: Person | None = None, *, actor) -> SubjectAccessExport:
    """Gather every section and audit the export (the sections and their counts, never the values)."""
    if person is not None and person.household_id != household.id:
        raise ValueError("The person is not in this household")
    export = SubjectAccessExport(household, person, clock.now())
    export.sections = _gather(household, person)
    detail = {"sections": export.counts}
    if person is not None:
        detail["person_id"] = person.id
    record_event(db.session, "subject_access_export", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="household", object_id=household.id, detail=detail)
    db.session.flush()
    return export


def find_household(reference: str) -> Household | None:
    return db.session.scalar(select(Household).where(Household.reference == reference))


def _gather(household: Household, person: Person | None) -> dict[str, list[dict]]:
    hid = household.id
    # A person's export has the household-wide sections only if they are an applicant (a party to all of it).
    whole = person is None or person.role is PersonRole.APPLICANT
    household_wide = true() if whole else false()
    application_ids = select(Application.id).where(Application.household_id == hid)
    checks_of = (CheckInstance.application_id.in_(application_ids) if person is None
                 else CheckInstance.person_id == person.id)
    sections: dict[str, list[dict]] = {}
    # Its contact details and address are the applicants': another adult's or a child's export names the record only.
    details = select(Household.__table__) if whole else select(Household.id, Household.reference)
    sections["household"] = _rows(details.where(Household.id == hid))
    sections["people"] = _rows(select(Person.__table__)
                               .where(Person.household_id == hid if person is None else Person.id == person.id)
                               .order_by(Person.id))
    sections["contacts"] = _rows(select(EnquiryContact.__table__)
                                 .where(EnquiryContact.household_id == hid, household_wide).order_by(EnquiryContact.id))
    sections["applications"] = _rows(select(Application.__table__)
                                     .where(Application.household_id == hid, household_wide).order_by(Application.id))
    events = _rows(select(StageEvent.__table__, WithdrawalReason.name.label("withdrawal_reason"))
                   .outerjoin(WithdrawalReason, WithdrawalReason.id == StageEvent.withdrawal_reason_id)
                   .where(StageEvent.application_id.in_(application_ids), household_wide)
                   .order_by(StageEvent.application_id, StageEvent.occurred_on, StageEvent.id))
    sections["stage_events"] = events
    sections["withdrawal_reasons"] = [
        {"stage_event_id": e["id"], "application_id": e["application_id"], "occurred_on": e["occurred_on"],
         "party": e["party"], "reason": e["withdrawal_reason"], "note": e["reason"], "undone_at": e["undone_at"]}
        for e in events if e["kind"] == EventKind.WITHDRAWN]
    sections["checks"] = _rows(select(CheckInstance.__table__, CheckType.name.label("check_type"),
                                      Application.service_line_code)
                               .join(CheckType, CheckType.id == CheckInstance.check_type_id)
                               .join(Application, Application.id == CheckInstance.application_id)
                               .where(checks_of).order_by(CheckInstance.id))
    check_ids = select(CheckInstance.id).where(checks_of)
    sections["check_chases"] = _rows(select(CheckChase.__table__).where(CheckChase.check_id.in_(check_ids))
                                     .order_by(CheckChase.check_id, CheckChase.chased_on, CheckChase.id))
    sections["check_parts"] = _rows(select(CheckPart.__table__).where(CheckPart.check_id.in_(check_ids))
                                    .order_by(CheckPart.check_id, CheckPart.position))
    sections["event_bookings"] = _rows(
        select(EventBooking.__table__, InformationEvent.title.label("event_title"),
               InformationEvent.starts_at.label("event_starts_at"), InformationEvent.online.label("event_online"),
               InformationEvent.venue.label("event_venue"))
        .join(InformationEvent, InformationEvent.id == EventBooking.event_id)
        .where(EventBooking.household_id == hid, household_wide).order_by(EventBooking.id))
    sections["consultations"] = _rows(select(Consultation.__table__)
                                      .where(Consultation.household_id == hid, household_wide)
                                      .order_by(Consultation.id))
    team, previous_team = aliased(Team), aliased(Team)
    sections["allocations"] = _rows(
        select(Allocation.__table__, team.name.label("team_name"), previous_team.name.label("previous_team_name"))
        .outerjoin(team, team.id == Allocation.team_id)
        .outerjoin(previous_team, previous_team.id == Allocation.previous_team_id)
        .where(Allocation.household_id == hid, household_wide).order_by(Allocation.changed_at, Allocation.id))
    changes_of = (RecordChange.household_id == hid) if person is None else and_(
        RecordChange.household_id == hid,
        or_(RecordChange.person_id == person.id, and_(RecordChange.person_id.is_(None), household_wide)))
    sections["record_changes"] = _rows(select(RecordChange.__table__).where(changes_of)
                                       .order_by(RecordChange.changed_at, RecordChange.id))
    documents_of = (Document.household_id == hid) if person is None else and_(
        Document.household_id == hid,
        or_(Document.person_id == person.id, and_(Document.person_id.is_(None), household_wide)))
    sections["documents"] = _rows(select(*(column for column in Document.__table__.columns
                                           if column.name not in ("stored_name", "scan_claimed_at")))
                                  .where(documents_of).order_by(Document.id))
    # Both ways: an enquiry of theirs that looked like another record, and another's that looked like theirs.
    their_contacts = select(EnquiryContact.id).where(EnquiryContact.household_id == hid)
    sections["possible_matches"] = _rows(select(PossibleMatch.__table__)
                                         .where(or_(PossibleMatch.household_id == hid,
                                                    PossibleMatch.contact_id.in_(their_contacts)), household_wide)
                                         .order_by(PossibleMatch.id))
    sections["escalations"] = _rows(select(Escalation.__table__)
                                    .where(Escalation.household_id == hid, household_wide).order_by(Escalation.id))
    sections.update(_portal(hid, person))
    document_ids = select(Document.id).where(documents_of)
    sections["audit_events"] = _rows(select(AuditEvent.__table__)
                                     .where(_audit_about(hid, person, whole, check_ids, document_ids))
                                     .order_by(AuditEvent.at, AuditEvent.id))
    sections["staff"] = _staff(sections)
    return sections


def _portal(hid: int, person: Person | None) -> dict[str, list[dict]]:
    """The applicant portal's rows: accounts (never a password hash or token), consents, and the household's
    messages (a person's export holds the messages of the household: they are the household's thread)."""
    from crm.portal.models import PortalAccount, PortalConsent, PortalMessage

    secret = {"password_hash", "session_token", "invitation_token_hash"}
    account_columns = [column for column in PortalAccount.__table__.columns if column.name not in secret]
    accounts_of = PortalAccount.household_id == hid if person is None else PortalAccount.person_id == person.id
    consents_of = PortalConsent.person_id.in_(select(Person.id).where(Person.household_id == hid)) \
        if person is None else PortalConsent.person_id == person.id
    return {"portal_accounts": _rows(select(*account_columns).where(accounts_of).order_by(PortalAccount.id)),
            "portal_consents": _rows(select(PortalConsent.__table__).where(consents_of).order_by(PortalConsent.id)),
            "portal_messages": _rows(select(PortalMessage.__table__).where(PortalMessage.household_id == hid)
                                     .order_by(PortalMessage.sent_at, PortalMessage.id))}


def _audit_about(hid: int, person: Person | None, whole: bool, check_ids, document_ids):
    """The audit entries about the household, its people, applications, checks and documents (or about one person:
    their checks, and the documents of the documents section)."""
    people = select(Person.id).where(Person.household_id == hid) if person is None else None
    clauses = [and_(AuditEvent.object_type == "check", AuditEvent.object_id.in_(_id_text(check_ids))),
               and_(AuditEvent.object_type == "document", AuditEvent.object_id.in_(_id_text(document_ids)))]
    if person is None:
        clauses.append(and_(AuditEvent.object_type == "person", AuditEvent.object_id.in_(_id_text(people))))
    else:
        clauses.append(and_(AuditEvent.object_type == "person", AuditEvent.object_id == str(person.id)))
    if whole:
        clauses.append(and_(AuditEvent.object_type == "household", AuditEvent.object_id == str(hid)))
        clauses.append(and_(AuditEvent.object_type == "application", AuditEvent.object_id.in_(
            _id_text(select(Application.id).where(Application.household_id == hid)))))
    return or_(*clauses)


def _id_text(ids):
    """An id subquery as text: audit_events.object_id is a string column."""
    return ids.with_only_columns(cast(ids.selected_columns[0], String))


def _staff(sections: dict[str, list[dict]]) -> list[dict]:
    """The users named in the other sections, with their names (one statement)."""
    ids = {row[column] for rows in sections.values() for row in rows for column in STAFF_COLUMNS
           if row.get(column) is not None}
    if not ids:
        return []
    return _rows(select(User.id, User.full_name).where(User.id.in_(ids)).order_by(User.id))


def _rows(query) -> list[dict]:
    return [dict(row) for row in db.session.execute(query).mappings()]


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Not JSON serialisable: {type(value).__name__}")


def _columns(rows: list[dict]) -> list[str]:
    return list(rows[0]) if rows else []


def _text(value) -> str:
    """A value as the summary shows it (escaped by the template)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return clock.in_london(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_json_value, ensure_ascii=False, sort_keys=True)
    return str(value)
