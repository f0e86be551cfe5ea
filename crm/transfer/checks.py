"""Importing the checks format: each statutory check of an application, when it was requested and received, and how.

Keyed on (household_ref, person, check_type) within the application: a check already stored is compared and
updated, never duplicated, and a blank cell never clears what Hearth holds. Checks are added as the catalogue
starts them (owner, parts); a check that becomes received has its escalations cleared, as when a worker records
it. Outcomes are special-category data: they go to the checks only, never to the audit log, whose one entry for
the file holds counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.checks import services as checks
from crm.checks.models import CheckAppliesTo, CheckInstance, CheckOutcome, CheckType
from crm.escalations import services as escalations
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.households.models import Application, Household, Person, PersonRole
from crm.transfer import cells, lookups
from crm.transfer.cells import CellProblem
from crm.transfer.formats import Table, Value
from crm.transfer.households import placeholder_name
from crm.transfer.report import ImportReport

REQUIRED = ("household_ref", "person", "check_type", "requested_date", "received_date", "outcome")
OPTIONAL = ("service_line",)  # which application, for a household with several in Stage 1 or beyond
WHOLE_APPLICATION = "household"  # what `person` may say, besides blank, for a check of the application as a whole
APPLICANT = re.compile(r"^applicant\s*(\d+)$")
MAX_NAME = 201  # a first and a last name of 100 characters each
# Where a refusal of crm.checks.services.state_problem belongs in the file.
STATE_COLUMNS = {"requested_on": "requested_date", "received_on": "received_date", "outcome": "outcome"}
ROLE_NAMES = {PersonRole.OTHER_ADULT: "other adult", PersonRole.CHILD: "child"}
RESOLUTION = "received (import)"


def name_key(text: str) -> str:
    return " ".join(text.lower().split())


def person_in(household: Household, value: str | None) -> Person | None:
    """The person a `person` cell names: `applicant N` (in the order of the applicants), a full name as Hearth
    holds it, any capitalisation; None (the application as a whole) for a blank or `household`."""
    key = name_key(value or "")
    if key in ("", WHOLE_APPLICATION):
        return None
    numbered = APPLICANT.match(key)
    if numbered:
        return _applicant(household, int(numbered.group(1)))
    found = [person for person in household.people if name_key(person.full_name) == key]
    if len(found) > 1:
        raise CellProblem(f"More than one person of household {household.reference} has this name: write applicant 1, "
                          f"applicant 2, ... instead ({people_list(household)})")
    if not found:
        raise CellProblem(f"No one in household {household.reference} has this name; it has {people_list(household)}")
    return found[0]


def _applicant(household: Household, number: int) -> Person:
    applicants = household.applicants
    if not 1 <= number <= len(applicants):
        raise CellProblem(f"Household {household.reference} has {len(applicants)} applicant(s): "
                          f"{people_list(household)}")
    return applicants[number - 1]


def people_list(household: Household) -> str:
    """The household's people as a problem names them: 'Grace Mensah (applicant 1), Ella Mensah (child)'."""
    applicants = household.applicants
    named = [f"{p.full_name} ({f'applicant {applicants.index(p) + 1}' if p in applicants else ROLE_NAMES[p.role]})"
             for p in household.people]
    return ", ".join(named) or "no one recorded"


def person_cell(household: Household, person: Person | None) -> str | None:
    """How an export names a person: the full name, or `Applicant N` for an applicant with no real name (see
    placeholder_name) or whose name someone else in the household shares, so that it imports back to them."""
    if person is None:
        return None
    applicants = household.applicants
    if person in applicants:
        number = applicants.index(person) + 1
        shared = sum(name_key(p.full_name) == name_key(person.full_name) for p in household.people) > 1
        if shared or (person.first_name, person.last_name) == placeholder_name(number, household.reference):
            return f"Applicant {number}"
    return person.full_name


@dataclass(frozen=True)
class Catalogue:
    """The check types an import may name, by code or by name (active or not: an old check keeps its type)."""

    types: list[CheckType]

    def check_type(self, value: Value) -> CheckType:
        cells.required(value or None)
        code, name = cells.word(value), name_key(str(value))
        found = next((t for t in self.types if t.code == code or name_key(t.name) == name), None)
        if found is None:
            raise CellProblem(f"Unknown check type: use one of {', '.join(t.code for t in self.types)}")
        return found


def check_types() -> Catalogue:
    return Catalogue(list(db.session.scalars(select(CheckType).order_by(CheckType.id))))


def outcome(value: Value) -> CheckOutcome | None:
    if value == "":
        return None
    try:
        return CheckOutcome(cells.word(value))
    except ValueError:
        raise CellProblem(f"Must be one of {', '.join(o.value for o in CheckOutcome)}, or blank while the check "
                          "is outstanding") from None


@dataclass(frozen=True)
class Row:
    number: int
    raw: dict[str, Value]
    ref: str
    person: str | None
    check_type: CheckType
    requested_on: date | None
    received_on: date | None
    outcome: CheckOutcome | None
    line: str | None  # None: the household's one application in Stage 1 or beyond


class CheckImport:
    """One checks file applied to the session; every problem goes to the report."""

    def __init__(self, table: Table, report: ImportReport, *, today: date):
        self.table, self.report, self.today = table, report, today
        self.seen: dict[tuple[int, int | None, int], int] = {}  # check key -> the row that gave it
        self.received: list[int] = []  # stored checks this file records as received

    def run(self, advance: Callable[[int], None]) -> None:
        found, catalogue = lookups.load(), check_types()
        rows = [row for number, raw in self.table.rows if (row := self._parse(number, raw, found, catalogue))]
        households = lookups.households(sorted({row.ref for row in rows}), selectinload(Household.people),
                                        selectinload(Household.applications))
        stored = _stored_checks([a.id for household in households.values() for a in household.applications])
        for row in rows:
            self._apply(row, households.get(row.ref), stored)
            advance(1)
        for check_id in self.received:
            escalations.resolve_for_subject("check", check_id, RESOLUTION)

    def _cell(self, number: int, raw: dict[str, Value], column: str, parse: Callable[[Value], Any]):
        try:
            return parse(raw.get(column, ""))
        except CellProblem as problem:
            self.report.error(number, column, str(problem), raw.get(column))
            return None

    def _parse(self, number: int, raw: dict[str, Value], found: lookups.Lookups, catalogue: Catalogue) -> Row | None:
        before = len(self.report.errors)

        def cell(column: str, parse: Callable[[Value], Any]):
            return self._cell(number, raw, column, parse)

        def day(value: Value) -> date | None:
            return cells.day(value, today=self.today)

        values = dict(ref=cell("household_ref", lambda v: cells.required(cells.text(v, 40))),
                      person=cell("person", lambda v: cells.text(v, MAX_NAME)),
                      check_type=cell("check_type", catalogue.check_type),
                      requested_on=cell("requested_date", day), received_on=cell("received_date", day),
                      outcome=cell("outcome", outcome),
                      line=cell("service_line", lambda v: found.service_line(v) if v != "" else None))
        return Row(number, raw, **values) if len(self.report.errors) == before else None

    def _apply(self, row: Row, household: Household | None, stored: dict[tuple, CheckInstance]) -> None:
        if household is None:
            self.report.error(row.number, "household_ref", "No household has this reference: import it in the "
                              "households file first", row.ref)
            return
        application, person = self._application(row, household), self._person(row, household)
        if application is None or person is False or not self._fits(row, person):
            return
        key = (application.id, person.id if person else None, row.check_type.id)
        if key in self.seen:
            self.report.error(row.number, "check_type", f"Row {self.seen[key]} already has this check of this "
                              "person", row.raw["check_type"])
            return
        self.seen[key] = row.number
        self._record(row, application, person, stored.get(key))

    def _application(self, row: Row, household: Household) -> Application | None:
        """The application named by service_line, or else the household's one in Stage 1 or beyond."""
        try:
            return named_application(household, row.line) if row.line else reached_application(household)
        except CellProblem as problem:
            self.report.error(row.number, "service_line", str(problem), row.raw.get("service_line"))
            return None

    def _person(self, row: Row, household: Household) -> Person | None | bool:
        """The person the row names, None for the application as a whole, False (reported) for neither."""
        try:
            return person_in(household, row.person)
        except CellProblem as problem:
            self.report.error(row.number, "person", str(problem), row.person)
            return False

    def _fits(self, row: Row, person: Person | None) -> bool:
        """A check of the application as a whole names no person; any other names one."""
        whole = row.check_type.applies_to is CheckAppliesTo.EACH_APPLICATION
        if whole == (person is None):
            return True
        message = (f"{row.check_type.code} is a check of the application as a whole: leave person blank or write "
                   f"{WHOLE_APPLICATION}" if whole else f"{row.check_type.code} is a check of a person: write "
                   "applicant 1, applicant 2, ... or the person's full name")
        self.report.error(row.number, "person", message, row.person)
        return False

    def _record(self, row: Row, application: Application, person: Person | None,
                check: CheckInstance | None) -> None:
        state = {attribute: _given(getattr(row, attribute), check, attribute)
                 for attribute in ("requested_on", "received_on", "outcome")}
        problem = checks.state_problem(check, **state)
        if problem is not None:
            column = STATE_COLUMNS[problem.field]
            self.report.error(row.number, column, str(problem), row.raw[column])
        elif check is None:
            check = checks.unsaved_check(application, row.check_type, person)
            _set(check, **state)
            db.session.add(check)
            self.report.count("checks", "created")
        else:
            was_open = check.received_on is None
            self.report.count("checks", "updated" if _set(check, **state) else "unchanged")
            if was_open and check.received_on is not None:
                self.received.append(check.id)


def named_application(household: Household, line: str) -> Application:
    application = next((a for a in household.applications if a.service_line_code == line), None)
    if application is None:
        raise CellProblem(f"Household {household.reference} has no {line} application; it has "
                          f"{_lines(household.applications)}")
    if not _reached_stage_1(application):
        raise CellProblem(f"The {line} application of household {household.reference} has not reached Stage 1: "
                          "import its milestones first")
    return application


def reached_application(household: Household) -> Application:
    """The household's one application in Stage 1 or beyond (checks start there): with two, the file must say."""
    reached = [a for a in household.applications if _reached_stage_1(a)]
    if len(reached) > 1:
        raise CellProblem(f"Household {household.reference} has applications in Stage 1 or beyond for "
                          f"{_lines(reached, ' and ')}: say which in a service_line column")
    if not reached:
        raise CellProblem(f"No application of household {household.reference} has reached Stage 1 "
                          f"({_lines(household.applications)}): import its milestones first")
    return reached[0]


def _reached_stage_1(application: Application) -> bool:
    return application.stage.order >= Stage.STAGE_1.order


def _lines(applications: list[Application], separator: str = ", ") -> str:
    return separator.join(a.service_line_code for a in applications) or "none"


def _given(value, check: CheckInstance | None, attribute: str):
    """The file's value, or for a blank cell what Hearth holds: a blank never clears anything."""
    return value if value is not None or check is None else getattr(check, attribute)


def _set(check: CheckInstance, *, requested_on: date | None, received_on: date | None,
         outcome: CheckOutcome | None) -> bool:
    """Whether anything changed; the due date follows a new request date, and the expiry date a receipt, as they do
    in the checks service."""
    changed = (check.requested_on, check.received_on, check.outcome) != (requested_on, received_on, outcome)
    if requested_on is not None and requested_on != check.requested_on:
        check.requested_on, check.due_on = requested_on, checks.due_date(check, requested_on)
    previously_received = check.received_on
    check.received_on, check.outcome = received_on, outcome
    checks.follow_receipt_with_expiry(check, previously_received)
    return changed


def _stored_checks(application_ids: list[int]) -> dict[tuple[int, int | None, int], CheckInstance]:
    """The applications' checks by (application, person, check type), with the chases and parts they must fit."""
    found = {}
    for start in range(0, len(application_ids), lookups.CHUNK):
        query = (select(CheckInstance)
                 .where(CheckInstance.application_id.in_(application_ids[start:start + lookups.CHUNK]))
                 .options(selectinload(CheckInstance.chases), selectinload(CheckInstance.parts)))
        found.update(((c.application_id, c.person_id, c.check_type_id), c) for c in db.session.scalars(query))
    return found


def import_rows(table: Table, report: ImportReport, *, actor, today: date, advance, batches=None) -> None:
    CheckImport(table, report, today=today).run(advance)
