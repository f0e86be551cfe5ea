"""Importing the households format: each household, its applicants, its first contact and its applications.

Keyed on household_ref: a household already stored is compared and updated, never duplicated. A blank cell
never clears what Hearth holds; a filled cell that differs updates it.

New households are built as ORM objects outside the session (the same code as an update, the state machine opening
each application) and written with one multi-row insert per table every FLUSH_EVERY households (a batch, committed
on its own under an import run: crm.transfer.runs): SPEC section 10
asks for 5,000 rows a second, which the session's unit of work (cascades, one flush per application) cannot reach.
The file's one audit entry counts them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, time
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.enquiries.services import normalise_postcode
from crm.errors import DomainError
from crm.extensions import db
from crm.formatting import long_date
from crm.funnel import machine
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage
from crm.households.models import Application, Household, Person, PersonRole
from crm.households.phones import normalise_phone
from crm.transfer import cells, lookups
from crm.transfer.authorities import UnknownAuthorities, add_unknown
from crm.transfer.cells import CellProblem
from crm.transfer.formats import Table, Value
from crm.transfer.report import ImportReport, shown
from crm.workdays import add_working_days

REQUIRED = ("household_ref", "service_line", "partner_authority", "first_enquiry_date", "channel", "campaign",
            "applicant_count", "ethnicity", "relationship_status", "fast_track")
OPTIONAL = ("applicant_1_first_name", "applicant_1_last_name", "applicant_2_first_name", "applicant_2_last_name",
            "email", "phone", "address_line_1", "address_line_2", "town", "postcode", "contact_method",
            "first_response_date", "opened_at_stage")
# The application's own columns; every other column describes the household, so all its rows must agree on it.
APPLICATION_COLUMNS = ("service_line", "first_enquiry_date", "fast_track", "opened_at_stage")
HOUSEHOLD_FIELDS = {"partner_authority": "partner_authority_id", "relationship_status": "relationship_status",
                    "email": "email", "phone": "phone", "address_line_1": "address_line_1",
                    "address_line_2": "address_line_2", "town": "town", "postcode": "postcode"}
CONTACT_FIELDS = {"channel": "channel_id", "campaign": "campaign", "contact_method": "method"}
NAMED_APPLICANTS = 2  # names come from the applicant_1_* and applicant_2_* columns
MAX_APPLICANTS = 4
NOON = time(12)
FLUSH_EVERY = 1000  # households held before they are written
# Where the state machine's refusal of an opening belongs in the file.
MACHINE_COLUMNS = {"kind": "opened_at_stage", "occurred_on": "first_enquiry_date"}


def placeholder_name(number: int, reference: str) -> tuple[str, str]:
    """Who an applicant is when the tracker has no names: clearly not a real name, and findable by reference."""
    return f"Applicant {number}", reference


def received_at(day: date) -> datetime:
    return clock.london_time(day, NOON)


class _Plain:
    """A new row as a plain object with the model's column attributes (all None until set), which `machine.record` and
    this module's code read and write as they would an ORM object: building a household's rows through the ORM's
    instrumented attributes cost more than everything else in the import. `_row` turns one into an insert's row."""

    __table__ = None

    def __init__(self, **values):
        self.__dict__.update(_blank(self.__table__))
        self.__dict__.update(values)


class NewHousehold(_Plain):
    __table__ = Household.__table__

    def __init__(self, **values):
        super().__init__(**values)
        self.people, self.applications = [], []

    @property
    def phone(self) -> str | None:
        return self.__dict__["phone"]

    @phone.setter
    def phone(self, value: str | None) -> None:  # as Household's validator does
        self.__dict__["phone"], self.__dict__["phone_normalised"] = value, normalise_phone(value)

    @property
    def applicants(self) -> list:
        return [p for p in self.people if p.role is PersonRole.APPLICANT and p.left_on is None]


class NewPerson(_Plain):
    __table__ = Person.__table__


class NewContact(_Plain):
    __table__ = EnquiryContact.__table__


class NewApplication(_Plain):
    __table__ = Application.__table__

    def __init__(self, **values):
        super().__init__(**values)
        self.events = []


class NewEvent(_Plain):
    __table__ = StageEvent.__table__


@cache
def _blank(table) -> dict[str, None]:
    return dict.fromkeys(column.key for column in table.columns)


@dataclass(frozen=True)
class Row:
    number: int
    raw: dict[str, Value]
    values: dict[str, Any]  # the file's columns, read; None for a blank cell

    ref = property(lambda self: self.values["household_ref"])
    line = property(lambda self: self.values["service_line"])
    opened_on = property(lambda self: self.values["first_enquiry_date"])


def _parsers(found: lookups.Lookups, today: date) -> dict[str, Callable[[Value], Any]]:
    def text(limit: int):
        return lambda value: cells.text(value, limit)

    names = {f"applicant_{n}_{part}_name": text(100) for n in (1, 2) for part in ("first", "last")}
    return {
        "household_ref": lambda value: cells.required(cells.text(value, 40)),
        "service_line": found.service_line,
        "partner_authority": found.partner_authority,
        "first_enquiry_date": lambda value: cells.required(cells.day(value, today=today)),
        "channel": found.channel,
        "campaign": text(200),
        "applicant_count": lambda value: cells.count(value, 0, MAX_APPLICANTS),
        "ethnicity": _ethnicities,
        "relationship_status": text(60),
        "fast_track": cells.flag,
        **names,
        "email": cells.email,
        "phone": text(40),
        "address_line_1": text(200),
        "address_line_2": text(200),
        "town": text(120),
        "postcode": _postcode,
        "contact_method": cells.contact_method,
        "first_response_date": lambda value: cells.day(value, today=today),
        "opened_at_stage": cells.stage,
    }


def _ethnicities(value: Value) -> tuple[str | None, ...] | None:
    """One ethnicity for every applicant, or one per applicant separated by ';'."""
    if value == "":
        return None
    return tuple(cells.text(part.strip(), 80) for part in str(value).split(";"))


def _postcode(value: Value) -> str | None:
    code = normalise_postcode(cells.text(value, 20))
    if len(code) > 10:
        raise CellProblem("Must be a UK postcode, like SW1A 1AA")
    return code or None


def _assign(thing, attribute: str, value) -> bool:
    """Set a value the file gives (a blank never clears); whether anything changed."""
    if value is None or getattr(thing, attribute) == value:
        return False
    setattr(thing, attribute, value)
    return True


def history_allows(application: Application, fast_track: bool, today: date) -> bool:
    """Whether the application's live history is still possible under the other route, replayed on a scratch copy:
    an imported history may lack steps its tracker never recorded, but the other route must not lack more."""
    trial = SimpleNamespace(service_line_code=application.service_line_code, fast_track=fast_track, events=[])
    try:
        for event in machine.live(application.events):
            machine.record(trial, event.kind, event.occurred_on, today=today, party=event.party,
                           reason=event.reason or "-", extension_days=event.extension_days,
                           withdrawal_reason=machine.ANY_REASON, imported=True)
    except DomainError:
        return False
    return _gap_stages(trial) <= _gap_stages(application)


def _gap_stages(application) -> set[tuple[int, Stage]]:
    return {(index, stage) for index, stages in machine.unrecorded(application).items() for stage in stages}


class HouseholdImport:
    """One households file applied to the session; every problem goes to the report."""

    def __init__(self, table: Table, report: ImportReport, *, actor, today: date, batches, add_authorities: bool = False):
        self.table, self.report, self.actor, self.today, self.batches = table, report, actor, today, batches
        self.actor_id = getattr(actor, "id", None)
        self.response_days = current_app.config["FIRST_RESPONSE_WORKING_DAYS"]
        self.add_authorities, self.unknown = add_authorities, UnknownAuthorities()
        self.new: list[tuple[Household, EnquiryContact]] = []  # households to insert, with their first contact
        # A new household's later first enquiries about another service line (SPEC section 2: a contact of its own),
        # by the household object's id(), written with it; an existing household's are added to the session.
        self.later: dict[int, list[date]] = {}
        self.stored_days: dict[int, set[date]] = {}

    def run(self, advance: Callable[[int], None]) -> None:
        """Read the file's rows grouped by reference (from disk: crm.transfer.spill), FLUSH_EVERY households at a time:
        each batch's stored households read, then applied and written, so memory stays flat in file size."""
        found = lookups.load()
        if self.add_authorities:
            found = add_unknown(self.table, found, self.report, actor=self.actor)
        self.parsers = _parsers(found, self.today)
        self.batches.reads_done()
        batch: list[list[Row]] = []
        for group in self._groups():
            batch.append(group)
            if len(batch) == FLUSH_EVERY:
                self._apply_batch(batch, advance)
                batch = []
        self._apply_batch(batch, advance)
        self.unknown.report_to(self.report)

    def _apply_batch(self, batch: list[list[Row]], advance: Callable[[int], None]) -> None:
        stored = lookups.households([group[0].ref for group in batch], selectinload(Household.people),
                                    selectinload(Household.applications).selectinload(Application.events))
        contacts = _first_contacts([household.id for household in stored.values()])
        self.batches.reads_done()
        for group in batch:
            household = stored.get(group[0].ref)
            self._apply(group, household, contacts.get(household.id) if household else None)
            advance(len(group))
        self._write_new()
        self.batches.commit()
        self.stored_days.clear()  # each household comes in one batch only

    def _write_new(self) -> None:
        """Insert the new households, then their people, first contacts, applications and opening events, one
        multi-row insert per table (ids read back in order)."""
        if not self.new:
            return
        insert = self.batches.insert
        ids = insert(Household.__table__, [_row(household) for household, _ in self.new])
        insert(Person.__table__, [_row(person, household_id=id_) for (household, _), id_ in zip(self.new, ids)
                                  for person in household.people], under="household_id")
        later = [_row(self._later_contact(day), household_id=id_) for (household, _), id_ in zip(self.new, ids)
                 for day in self.later.pop(id(household), [])]
        insert(EnquiryContact.__table__, [*(_row(contact, household_id=id_) for (_, contact), id_ in zip(self.new, ids)),
                                          *later], under="household_id")
        applications = [(application, id_) for (household, _), id_ in zip(self.new, ids)
                        for application in household.applications]
        application_ids = insert(Application.__table__, [_row(a, household_id=id_) for a, id_ in applications])
        insert(StageEvent.__table__, [_row(event, application_id=id_) for (application, _), id_ in
                                      zip(applications, application_ids) for event in application.events],
               under="application_id")
        self.new = []

    def _parse(self, number: int, raw: dict[str, Value]) -> Row | None:
        values, ok, parsers = {}, True, self.parsers
        for column in self.table.columns:
            if column in parsers:
                try:
                    values[column] = parsers[column](raw[column])
                except lookups.UnknownAuthority:
                    self.unknown.note(number, raw[column])  # reported once the whole file is read
                    self.batches.stop()
                    ok = False
                except CellProblem as problem:
                    self.report.error(number, column, str(problem), raw[column])
                    ok = False
        row = Row(number, raw, values)
        return row if ok and self._consistent(row) else None

    def _consistent(self, row: Row) -> bool:
        """Checks between the cells of one row."""
        problems = []
        for n in (1, 2):
            first, last = (f"applicant_{n}_{part}_name" for part in ("first", "last"))
            if (row.values.get(first) is None) != (row.values.get(last) is None):
                blank = first if row.values.get(first) is None else last
                problems.append((blank, "Give the applicant's first and last names, or neither"))
        count, ethnicities = row.values.get("applicant_count"), row.values.get("ethnicity")
        if count is not None and count < _named(row.values):
            problems.append(("applicant_count", f"Says {count} applicant(s), but applicant {_named(row.values)} is named"))
        if ethnicities and len(ethnicities) > 1 and len(ethnicities) != (count or _named(row.values)):
            problems.append(("ethnicity", "Give one ethnicity for all applicants, or one per applicant separated by ';'"))
        for column, message in problems:
            self.report.error(row.number, column, message, row.raw[column])
        return not problems

    def _groups(self) -> Iterator[list[Row]]:
        """Each household's rows that could be read, when they agree."""
        for rows in self.table.rows.grouped():
            group = [row for number, raw in rows if (row := self._parse(number, raw))]
            if group and self._agree(group):
                yield group

    def _agree(self, group: list[Row]) -> bool:
        """A household's rows agree on its details and name each service line once."""
        first, before = group[0], len(self.report.errors)
        lines: dict[str, int] = {}
        for row in group:
            if row.line in lines:
                self.report.error(row.number, "service_line", f"Row {lines[row.line]} already has this household "
                                  "and service line", row.raw["service_line"])
            lines.setdefault(row.line, row.number)
            for column in (c for c in self.table.columns if c in first.values and c not in APPLICATION_COLUMNS):
                if row.values[column] != first.values[column]:
                    self.report.error(row.number, column, f"Differs from row {first.number} of the same household "
                                      f"({shown(first.raw[column]) or 'blank'}): its rows must agree", row.raw[column])
        response = first.values.get("first_response_date")
        if response and response < min(row.opened_on for row in group):
            self.report.error(first.number, "first_response_date", "Is before the household's first enquiry", response)
        return len(self.report.errors) == before

    def _apply(self, group: list[Row], household: Household | None, contact: EnquiryContact | None) -> None:
        if household is None:
            household = self._create(group)
            self.report.count("households", "created")
        else:
            self.report.count("households", "updated" if self._update(household, group, contact) else "unchanged")
        for row in group:
            self._application(household, row)

    def _create(self, group: list[Row]) -> Household:
        values = group[0].values
        household = NewHousehold(reference=group[0].ref, first_enquiry_on=min(row.opened_on for row in group),
                                 created_by_id=self.actor_id)  # not in the session: `_write_new` inserts it
        self._fields(household, values)
        self._applicants(household, values)
        self.new.append((household, self._new_contact(household, values, add=False)))
        return household

    def _update(self, household: Household, group: list[Row], contact: EnquiryContact | None) -> bool:
        values = group[0].values
        changed = self._fields(household, values) | self._applicants(household, values)
        changed |= _assign(household, "first_enquiry_on", min(min(row.opened_on for row in group),
                                                              household.first_enquiry_on))
        if contact is None:
            self._new_contact(household, values)
            changed = True
        else:
            contact_changed = self._contact(contact, values)
            self.report.count("contacts", "updated" if contact_changed else "unchanged")
            changed |= contact_changed
        return changed

    @staticmethod
    def _fields(household: Household, values: dict[str, Any]) -> bool:
        if normalise_postcode(household.postcode) == values.get("postcode"):
            values = {**values, "postcode": None}  # the same postcode, spaced differently: leave it as stored
        return any([_assign(household, attribute, values.get(column)) for column, attribute in HOUSEHOLD_FIELDS.items()])

    @staticmethod
    def _applicants(household: Household, values: dict[str, Any]) -> bool:
        """Add applicants up to the count (placeholder names until named); never removes anyone."""
        have = len(household.applicants)
        wanted = values.get("applicant_count")
        wanted = max(have, _named(values), 1) if wanted is None else wanted
        person = NewPerson if isinstance(household, NewHousehold) else Person
        for number in range(have + 1, wanted + 1):
            first, last = placeholder_name(number, household.reference)
            household.people.append(person(role=PersonRole.APPLICANT, first_name=first, last_name=last))
        changed = wanted > have
        applicants = household.applicants
        for number, person in enumerate(applicants[:NAMED_APPLICANTS], start=1):
            changed |= _assign(person, "first_name", values.get(f"applicant_{number}_first_name"))
            changed |= _assign(person, "last_name", values.get(f"applicant_{number}_last_name"))
        return _set_ethnicities(applicants, values.get("ethnicity") or ()) | changed

    def _later_contact(self, day: date) -> EnquiryContact:
        """A later first enquiry about another service line: a contact, dealt with in the tracker (transient)."""
        received = received_at(day)
        self.report.count("contacts", "created")
        return EnquiryContact(received_at=received, method=ContactMethod.PHONE, recorded_by_id=self.actor_id,
                              first_response_due_at=add_working_days(received, self.response_days),
                              first_responded_at=received)

    def _second_line_enquiry(self, household: Household, day: date) -> None:
        """An application opened after the household's first enquiry: its first enquiry is a contact of its own,
        unless the household already has a contact that day (one contact may open two lines)."""
        if day <= household.first_enquiry_on:
            return
        if household.id is None:
            days = self.later.setdefault(id(household), [])
            if day not in days:
                days.append(day)
            return
        if household.id not in self.stored_days:
            received = db.session.scalars(select(EnquiryContact.received_at)
                                          .where(EnquiryContact.household_id == household.id))
            self.stored_days[household.id] = {clock.london_date(at) for at in received}
        if day not in self.stored_days[household.id]:
            self.stored_days[household.id].add(day)
            contact = self._later_contact(day)
            contact.household = household
            db.session.add(contact)

    def _new_contact(self, household: Household, values: dict[str, Any], add: bool = True) -> EnquiryContact:
        """The household's first contact, on its first enquiry date."""
        received = received_at(household.first_enquiry_on)
        fields = {"received_at": received, "method": ContactMethod.PHONE, "recorded_by_id": self.actor_id,
                  "first_response_due_at": add_working_days(received, self.response_days)}
        contact = EnquiryContact(household=household, **fields) if add else NewContact(**fields)
        if "first_response_date" not in self.table.columns:
            contact.first_responded_at = received  # a tracker without response dates: answered outside Hearth
        if add:
            db.session.add(contact)
        self._contact(contact, values)
        self.report.count("contacts", "created")
        return contact

    @staticmethod
    def _contact(contact: EnquiryContact, values: dict[str, Any]) -> bool:
        changed = any([_assign(contact, attribute, values.get(column)) for column, attribute in CONTACT_FIELDS.items()])
        if values.get("channel") is not None and contact.channel_from_rule:
            # The tracker names the channel: a person recorded it, so the UTM rules must not overwrite it any more.
            contact.channel_from_rule, changed = False, True
        response = values.get("first_response_date")
        answered = clock.london_date(contact.first_responded_at) if contact.first_responded_at else None
        if response is not None and response != answered:
            contact.first_responded_at, changed = received_at(response), True
        return changed

    def _application(self, household: Household, row: Row) -> None:
        existing = next((a for a in household.applications if a.service_line_code == row.line), None)
        if existing is None:
            self._open(household, row)
            return
        conflict = _opening_conflict(existing, row)
        if conflict:
            self.report.error(row.number, conflict[0], conflict[1], row.raw[conflict[0]])
        elif existing.fast_track == row.values["fast_track"]:
            self.report.count("applications", "unchanged")
        elif not history_allows(existing, row.values["fast_track"], self.today):
            self.report.error(row.number, "fast_track", "The application's history in Hearth does not fit that route",
                              row.raw["fast_track"])
        else:
            existing.fast_track = row.values["fast_track"]
            self.report.count("applications", "updated")

    def _open(self, household: Household, row: Row) -> None:
        """The application, opened by the state machine as `funnel.open_application` opens one, but without its flush
        and audit row per application (the file's audit entry counts them): SPEC section 10's 5,000 rows a second."""
        new = isinstance(household, NewHousehold)
        application = (NewApplication if new else Application)(service_line_code=row.line,
                                                               fast_track=row.values["fast_track"])
        if not new:
            application.events = []
        stage = row.values.get("opened_at_stage") or Stage.ENQUIRY
        try:
            machine.record(application, EventKind(stage.value), row.opened_on, today=self.today, actor=self.actor,
                           event_type=NewEvent if new else StageEvent)
        except DomainError as error:
            column = MACHINE_COLUMNS.get(error.field, "service_line")
            self.report.error(row.number, column, str(error), row.raw.get(column))
            return
        household.applications.append(application)
        self.report.count("applications", "created")
        self._second_line_enquiry(household, row.opened_on)


def _row(thing, **given) -> dict[str, Any]:
    """A transient ORM object's column values for a Core insert: Python-side column defaults filled in (every row of
    one insert has the same keys), foreign keys `given`. Read from the object's __dict__ (a transient object holds
    there every value set on it), which is much faster than the instrumented attributes."""
    keys, defaults = _columns(thing.__table__)
    values = vars(thing)
    row = {key: values.get(key) for key in keys}
    row.update(given)
    for key, default in defaults:
        if row[key] is None:
            row[key] = default.arg(None) if default.is_callable else default.arg
    return row


@cache
def _columns(table) -> tuple[tuple[str, ...], tuple]:
    """The columns an insert names, and those with a Python-side default. Generated columns
    (households.email_normalised...) are the database's to fill: an INSERT naming them fails."""
    columns = [column for column in table.columns if not column.primary_key and column.computed is None]
    return (tuple(column.key for column in columns),
            tuple((column.key, column.default) for column in columns if column.default is not None))


def _set_ethnicities(applicants: list[Person], ethnicities: tuple[str | None, ...]) -> bool:
    """One ethnicity for every applicant, or one each in order."""
    each = ethnicities * len(applicants) if len(ethnicities) == 1 else ethnicities
    return any([_assign(person, "ethnicity", ethnicity) for person, ethnicity in zip(applicants, each)])


def _named(values: dict[str, Any]) -> int:
    """How many applicants the row names (applicant 2 named means at least two)."""
    return 2 if values.get("applicant_2_first_name") else 1 if values.get("applicant_1_first_name") else 0


def _opening_conflict(application: Application, row: Row) -> tuple[str, str] | None:
    """An import cannot move when, or at which stage, a stored application opened: that is its history."""
    opening = next(iter(machine.live(application.events)), None)
    if opening is None:
        return None
    if opening.occurred_on != row.opened_on:
        return "first_enquiry_date", (f"Hearth has this application opened on {long_date(opening.occurred_on)}; "
                                      "an import cannot change when an application opened")
    stage = row.values.get("opened_at_stage")
    if stage is not None and opening.kind is not EventKind(stage.value):
        return "opened_at_stage", f"Hearth has this application opened at {Stage(opening.kind.value).label}"
    return None


def _first_contacts(household_ids: list[int]) -> dict[int, EnquiryContact]:
    found: dict[int, EnquiryContact] = {}
    for start in range(0, len(household_ids), lookups.CHUNK):
        query = (select(EnquiryContact).where(EnquiryContact.household_id.in_(household_ids[start:start + lookups.CHUNK]))
                 .order_by(EnquiryContact.household_id, EnquiryContact.received_at, EnquiryContact.id))
        for contact in db.session.scalars(query):
            found.setdefault(contact.household_id, contact)
    return found


def import_rows(table: Table, report: ImportReport, *, actor, today: date, advance, batches,
                add_authorities=False) -> None:
    HouseholdImport(table, report, actor=actor, today=today, batches=batches, add_authorities=add_authorities).run(advance)
