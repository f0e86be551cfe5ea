"""Importing the milestones format: each application's events through the state machine, and repeat contacts.

Idempotent: an application's stored events that match the start of the file's list for it (same event, same
date) are left alone and the rest are recorded in order; a file that contradicts the stored history is refused.
Every event is recorded by the state machine (`machine.record`), on a working copy of the application's history;
the new events are then inserted in batches and the application row brought up to date, with one audit entry for
the whole file: SPEC section 10 asks for 5,000 rows a second, which an ORM flush and audit row per event cannot reach.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel import machine, routes
from crm.funnel.models import StageEvent
from crm.funnel.reasons.models import WithdrawalReason
from crm.funnel.reasons.services import match as match_reason
from crm.funnel.stages import EventKind, Stage, WithdrawingParty
from crm.households.models import Application, Household
from crm.transfer import cells, lookups
from crm.transfer.cells import CellProblem
from crm.transfer.formats import Table, Value
from crm.transfer.households import received_at
from crm.transfer.report import ImportReport
from crm.workdays import add_working_days

REQUIRED = ("household_ref", "service_line", "event", "date", "detail")
OPTIONAL = ("channel", "campaign")  # how a repeat contact heard of the service
REPEAT_CONTACT = "enquiry"
EVENTS = {kind.value: kind for kind in EventKind if kind is not EventKind.ENQUIRY}
NO_REASON = "No reason given in the imported tracker"
EXTENSION = re.compile(r"^(\d+)\s*days?\s*(?::\s*(.*))?$", re.IGNORECASE | re.DOTALL)
MAX_DETAIL = 2000
WRITE_EVERY = 1000  # applications whose new events are held before they are written
# Where the state machine's refusal belongs in the file; party, reason and extension are all in `detail`.
MACHINE_COLUMNS = {"kind": "event", "occurred_on": "date"}


@dataclass(frozen=True, slots=True)
class Recorded:
    """A plain copy of an event for the state machine to replay: ORM attribute access is slow in a tight loop."""

    kind: EventKind
    occurred_on: date
    party: WithdrawingParty | None
    withdrawal_reason_id: int | None
    reason: str | None
    extension_days: int | None
    recorded_by_id: int | None
    undone_at: Any

    @classmethod
    def of(cls, event: StageEvent) -> Recorded:
        return cls(event.kind, event.occurred_on, event.party, event.withdrawal_reason_id, event.reason,
                   event.extension_days, event.recorded_by_id, event.undone_at)


class Timeline:
    """An application's history while the file extends it: what `machine.record` reads and writes, outside the session."""

    STATE = ("stage", "stage_entered_on", "status", "status_changed_on")

    def __init__(self, application: Application):
        self.application = application
        self.service_line_code, self.fast_track = application.service_line_code, application.fast_track
        self.events = [Recorded.of(event) for event in application.events]
        self.before = {"id": application.id, **{attribute: getattr(application, attribute) for attribute in self.STATE}}
        self.stored = len(self.events)
        self.unrecorded: list[Stage] = []  # stages the route requires that the file's new events moved past
        for attribute in self.STATE:
            setattr(self, attribute, getattr(application, attribute))

    def record(self, kind: EventKind, on: date, **details) -> None:
        """The state machine checks and records the event, as an imported one (which may move past stages the
        tracker never recorded: they are noted, never invented); this keeps a plain copy of it."""
        before = self.stage
        machine.record(self, kind, on, imported=True, **details)
        self.events[-1] = Recorded.of(self.events[-1])
        if kind in machine.STAGE_KINDS and kind is not EventKind.ENQUIRY and before is not None:
            self.unrecorded.extend(routes.unrecorded(before, machine.STAGE_KINDS[kind], self.service_line_code,
                                                     self.fast_track))

    @property
    def added(self) -> list[Recorded]:
        return self.events[self.stored:]

    def rows(self, recorded_at) -> list[dict[str, Any]]:
        return [{"application_id": self.application.id, "kind": e.kind, "occurred_on": e.occurred_on, "party": e.party,
                 "withdrawal_reason_id": e.withdrawal_reason_id, "reason": e.reason, "extension_days": e.extension_days,
                 "recorded_by_id": e.recorded_by_id, "recorded_at": recorded_at} for e in self.added]

    def state(self) -> dict[str, Any]:
        """The application row's new values: the state its events now imply (what `machine.sync` computed here)."""
        return {"id": self.application.id, **{attribute: getattr(self, attribute) for attribute in self.STATE}}


@dataclass(frozen=True)
class Milestone:
    number: int
    raw: dict[str, Value]
    ref: str
    line: str | None  # may be blank on a repeat contact, which belongs to the household
    kind: EventKind | None  # None for a repeat contact
    on: date
    details: dict[str, Any]  # the state machine's party / reason / extension_days, or the contact's fields


def event(value: Value) -> str | EventKind:
    name = cells.word(value)
    if name == REPEAT_CONTACT:
        return name
    if name not in EVENTS:
        raise CellProblem(f"Unknown event: use a stage ({', '.join(s.value for s in Stage)}) or one of "
                          f"{', '.join(k for k in EVENTS if k not in {s.value for s in Stage})}, {REPEAT_CONTACT}")
    return EVENTS[name]


def event_detail(kind: EventKind, value: Value, reasons: list[WithdrawalReason]) -> dict[str, Any]:
    text = cells.text(value, MAX_DETAIL)
    if kind is EventKind.WITHDRAWN:
        return _withdrawal(text or "", reasons)
    if kind is EventKind.TIMESCALE_EXTENDED:
        return _extension(text or "")
    return {"reason": text or (NO_REASON if kind in machine.NEEDS_REASON else None)}


def _withdrawal(text: str, reasons: list[WithdrawalReason]) -> dict[str, Any]:
    """"party", "party: reason" or "party: reason: note": a reason not on the list (or none) is recorded under the
    reason that takes a note ("Other"), with the text as its note."""
    party, _, reason = text.partition(":")
    if party.strip().lower() not in {p.value for p in WithdrawingParty}:
        raise CellProblem("Start with who withdrew, applicant or service, then optionally ': ' and the reason")
    try:
        chosen, note = match_reason(reason.strip() or NO_REASON, reasons)
    except DomainError as error:
        raise CellProblem(error.message) from error
    return {"party": WithdrawingParty(party.strip().lower()), "withdrawal_reason": chosen, "reason": note}


def _extension(text: str) -> dict[str, Any]:
    match = EXTENSION.match(text)
    if match is None:
        raise CellProblem('Write the extension as "N days: reason", for example "28 days: medical report delayed"')
    return {"extension_days": int(match.group(1)), "reason": (match.group(2) or "").strip() or NO_REASON}


def contact_detail(value: Value) -> dict[str, Any]:
    """`method` or `method: notes` (phone, email, web, event, walk_in); anything else is notes, by phone."""
    text = cells.text(value, MAX_DETAIL) or ""
    head, colon, rest = text.partition(":")
    method = _method(head if colon else text)
    if method is None:
        return {"method": ContactMethod.PHONE, "notes": text or None}
    return {"method": method, "notes": rest.strip() or None}


def _method(text: str) -> ContactMethod | None:
    try:
        return ContactMethod(cells.word(text))
    except ValueError:
        return None


class MilestoneImport:
    """One milestones file applied to the session; every problem goes to the report."""

    def __init__(self, table: Table, report: ImportReport, *, actor, today: date, batches):
        self.table, self.report, self.actor, self.today, self.batches = table, report, actor, today, batches
        self.response_days = current_app.config["FIRST_RESPONSE_WORKING_DAYS"]
        self.recorded_at = clock.now()
        self.pending: list[Timeline] = []
        self.new_contacts: list[dict[str, Any]] = []  # written together at the end, like the events

    def run(self, advance: Callable[[int], None]) -> None:
        found = lookups.load()
        rows = [m for number, raw in self.table.rows if (m := self._parse(number, raw, found))]
        households = lookups.households(sorted({m.ref for m in rows}),
                                        selectinload(Household.applications).selectinload(Application.events))
        applications, contacts = self._group(rows, households)
        stored_contacts = _contact_days([households[ref].id for ref in contacts])
        openings = {ref: _opening_days(households[ref]) for ref in contacts}  # before the events below are written
        self.batches.reads_done()
        for (ref, line), group in applications.items():
            self._application(households[ref], line, group)
            advance(len(group))
        self._write()
        for ref, group in contacts.items():
            stored = stored_contacts.get(households[ref].id) or StoredContacts(None, Counter())
            self._contacts(households[ref], group, stored, openings[ref])
            advance(len(group))
            if len(self.new_contacts) >= WRITE_EVERY:
                self._write_contacts()
        self._write_contacts()

    def _write_contacts(self) -> None:
        self.batches.insert(EnquiryContact.__table__, self.new_contacts)
        self.batches.commit()
        self.new_contacts = []

    def _cell(self, number: int, raw: dict[str, Value], column: str, parse: Callable[[Value], Any]):
        try:
            return parse(raw[column])
        except CellProblem as problem:
            self.report.error(number, column, str(problem), raw[column])
            return None

    def _parse(self, number: int, raw: dict[str, Value], found: lookups.Lookups) -> Milestone | None:
        before = len(self.report.errors)
        ref = self._cell(number, raw, "household_ref", lambda v: cells.required(cells.text(v, 40)))
        kind = self._cell(number, raw, "event", event)
        on = self._cell(number, raw, "date", lambda v: cells.required(cells.day(v, today=self.today)))
        contact = kind == REPEAT_CONTACT
        line = self._cell(number, raw, "service_line",
                          lambda v: None if contact and v == "" else found.service_line(cells.required(v or None)))
        details = {}
        if kind is not None:
            details = self._cell(number, raw, "detail",
                                 contact_detail if contact else lambda v: event_detail(kind, v, found.withdrawal_reasons))
            details = {**(details or {}), **self._touch(number, raw, found, contact)}
        if len(self.report.errors) > before:
            return None
        return Milestone(number, raw, ref, line, None if contact else kind, on, details)

    def _touch(self, number: int, raw: dict[str, Value], found: lookups.Lookups, contact: bool) -> dict[str, Any]:
        """The channel and campaign a repeat contact names; other events have none."""
        given = {column: raw.get(column, "") for column in OPTIONAL}
        if not contact:
            for column in (c for c, value in given.items() if value != ""):
                self.report.error(number, column, f"Only an {REPEAT_CONTACT} row takes a {column}", given[column])
            return {}
        return {"channel_id": self._cell(number, given, "channel", found.channel),
                "campaign": self._cell(number, given, "campaign", lambda v: cells.text(v, 200))}

    def _group(self, rows: list[Milestone], households: dict[str, Household]):
        """Each application's events in file order, and each household's repeat contacts."""
        applications: dict[tuple[str, str], list[Milestone]] = {}
        contacts: dict[str, list[Milestone]] = {}
        for m in rows:
            if m.ref not in households:
                self.report.error(m.number, "household_ref", "No household has this reference: import it in the "
                                  "households file first", m.ref)
            elif m.kind is None:
                contacts.setdefault(m.ref, []).append(m)
            else:
                applications.setdefault((m.ref, m.line), []).append(m)
        return applications, contacts

    def _application(self, household: Household, line: str, group: list[Milestone]) -> None:
        application = next((a for a in household.applications if a.service_line_code == line), None)
        if application is None:
            self.report.error(group[0].number, "service_line", f"Household {household.reference} has no {line} "
                              "application: add a row for it to the households file first", group[0].raw["service_line"])
            return
        timeline = Timeline(application)
        first_gap = None
        # The opening event comes from the households file; further-contact events are not milestones.
        stored = [e for e in machine.live(timeline.events)[1:] if e.kind is not EventKind.ENQUIRY]
        for index, m in enumerate(group):
            if index < len(stored) and (stored[index].kind, stored[index].occurred_on) == (m.kind, m.on):
                self.report.count("events", "unchanged")
            elif index < len(stored):
                self.report.error(m.number, "event", f"Conflicts with the application's history in Hearth, which has "
                                  f"{stored[index].kind.value} on {stored[index].occurred_on.isoformat()} here", m.raw["event"])
                return
            elif not self._record(timeline, m):
                return  # none of this application's new events is kept
            elif timeline.unrecorded and first_gap is None:
                first_gap = m.number
        if first_gap is not None:
            self.report.gap(first_gap, household.reference, line, timeline.unrecorded)
        self._keep(timeline)

    def _record(self, timeline: Timeline, m: Milestone) -> bool:
        try:
            timeline.record(m.kind, m.on, today=self.today, actor=self.actor, **m.details)
        except DomainError as error:
            column = MACHINE_COLUMNS.get(error.field, "detail")
            self.report.error(m.number, column, str(error), m.raw[column])
            return False
        return True

    def _keep(self, timeline: Timeline) -> None:
        self.report.count("applications", "updated" if timeline.added else "unchanged")
        self.report.count("events", "created", len(timeline.added))
        if timeline.added:
            self.pending.append(timeline)
        if len(self.pending) >= WRITE_EVERY:
            self._write()

    def _write(self) -> None:
        """The held events in one insert and their applications' new state in one update (the same columns in every
        row, so each is one executemany, in file order); the ORM objects are read afresh when next used."""
        if not self.pending:
            return
        events = [row for timeline in self.pending for row in timeline.rows(self.recorded_at)]
        self.batches.insert(StageEvent.__table__, events)  # Core: no per-row ORM bookkeeping
        self.batches.update(Application, [timeline.state() for timeline in self.pending],
                            [timeline.before for timeline in self.pending])
        if self.batches.live:
            for timeline in self.pending:
                db.session.expire(timeline.application)
        self.batches.commit()
        self.pending = []

    def _contacts(self, household: Household, group: list[Milestone], stored: StoredContacts,
                  openings: dict[str, date]) -> None:
        """Contacts not already stored (matched by date) are added to the household. A row naming a service line on
        the day its application opened is the contact that opened it: on the day of the household's first contact it
        is that contact, which the households file made, and rows for lines opened by one later contact are one."""
        opened_by: set[date] = {stored.first} if stored.first else set()
        for m in group:
            opening = m.line is not None and openings.get(m.line) == m.on
            if m.on < household.first_enquiry_on:
                self.report.error(m.number, "date", "Is before the household's first enquiry "
                                  f"({household.first_enquiry_on.isoformat()})", m.raw["date"])
            elif opening and m.on in opened_by:
                self.report.count("contacts", "unchanged")
            elif stored.later[m.on] > 0:
                stored.later[m.on] -= 1
                self.report.count("contacts", "unchanged")
            else:
                self._add_contact(household, m)
            if opening:
                opened_by.add(m.on)

    def _add_contact(self, household: Household, m: Milestone) -> None:
        received = received_at(m.on)
        # A contact recorded in a tracker was dealt with there: it is not left waiting for a first response.
        self.new_contacts.append({
            "household_id": household.id, "received_at": received, "recorded_by_id": getattr(self.actor, "id", None),
            "first_response_due_at": add_working_days(received, self.response_days), "first_responded_at": received,
            "recorded_at": self.recorded_at, **m.details})
        self.report.count("contacts", "created")


@dataclass(slots=True)
class StoredContacts:
    """The day of a household's first contact (made by the households file) and the days of its later ones."""

    first: date | None
    later: Counter


def _contact_days(household_ids: list[int]) -> dict[int, StoredContacts]:
    """Each household's stored contacts by their London date."""
    days: dict[int, StoredContacts] = {}
    for start in range(0, len(household_ids), lookups.CHUNK):
        query = (select(EnquiryContact.household_id, EnquiryContact.received_at)
                 .where(EnquiryContact.household_id.in_(household_ids[start:start + lookups.CHUNK]))
                 .order_by(EnquiryContact.household_id, EnquiryContact.received_at, EnquiryContact.id))
        for household_id, at in db.session.execute(query):
            if household_id in days:
                days[household_id].later[clock.london_date(at)] += 1
            else:
                days[household_id] = StoredContacts(clock.london_date(at), Counter())
    return days


def _opening_days(household: Household) -> dict[str, date]:
    """The day each of the household's applications opened (its first enquiry date for that service line)."""
    return {a.service_line_code: live[0].occurred_on
            for a in household.applications if (live := machine.live(a.events))}


def import_rows(table: Table, report: ImportReport, *, actor, today: date, advance, batches) -> None:
    MilestoneImport(table, report, actor=actor, today=today, batches=batches).run(advance)
