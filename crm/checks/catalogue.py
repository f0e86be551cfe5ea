"""The check catalogue as configuration: which checks each person of an application needs on a date, and the
administrator's changes to a check type.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.audit.services import CLI_ACTOR, record_event
from crm.checks.models import CheckAppliesTo, CheckRule, CheckType
from crm.errors import DomainError
from crm.extensions import db
from crm.households.models import Application, Person, PersonRole, ServiceLine

ADULT_YEARS = 18
MAX_DAYS = 730
MAX_RULE_MONTHS = 240
# The circumstances rules ask about adults, so a check with a rule applies to adults or applicants only.
RULE_TARGETS = (CheckAppliesTo.EVERY_ADULT, CheckAppliesTo.EACH_APPLICANT)


def latest_adult_birth_date(on: date) -> date:
    """Anyone born on or before this date is 18 or over on `on` (29 February birthdays count from 1 March)."""
    return on - relativedelta(years=ADULT_YEARS)


def is_adult(person: Person, on: date) -> bool:
    """18 or over on the date; an applicant or other adult whose date of birth is unknown counts as an adult."""
    if person.date_of_birth is None:
        return person.role is not PersonRole.CHILD
    return person.date_of_birth <= latest_adult_birth_date(on)


def is_child(person: Person, on: date) -> bool:
    return person.role is PersonRole.CHILD and not is_adult(person, on)


def meets_rule(check_type: CheckType, person: Person) -> bool:
    """Whether the person's recorded circumstances call for the check; an unknown circumstance does not."""
    if check_type.rule is CheckRule.LIVED_ABROAD:
        return (person.lived_abroad_months or 0) > (check_type.rule_months or 0)
    if check_type.rule is CheckRule.EMPLOYED:
        return person.employed is True
    if check_type.rule is CheckRule.PREVIOUS_RELATIONSHIP:
        return person.previous_significant_relationship is True
    if check_type.rule is CheckRule.FOSTERED_RECENTLY:
        return person.fostered_in_last_12_months is True
    return True


WHO = {
    CheckAppliesTo.EVERY_ADULT: is_adult,
    CheckAppliesTo.EACH_APPLICANT: lambda person, on: person.role is PersonRole.APPLICANT,
    CheckAppliesTo.EACH_CHILD: is_child,
}


def concerns(check_type: CheckType, person: Person, on: date) -> bool:
    """Whether a person-level check type applies to this person on this date."""
    return WHO[check_type.applies_to](person, on) and meets_rule(check_type, person)


def serves(check_type: CheckType, service_line_code: str) -> bool:
    return not check_type.service_lines or any(line.code == service_line_code for line in check_type.service_lines)


@dataclass(frozen=True)
class Needed:
    """A check the catalogue calls for: a check type, and the person it concerns (None: the application)."""

    check_type: CheckType
    person: Person | None

    @property
    def key(self) -> tuple[int, int | None]:
        return self.check_type.id, self.person.id if self.person else None

    @property
    def label(self) -> str:
        return f"{self.check_type.name}: {self.person.full_name if self.person else 'the application'}"


def needed_checks(application: Application, on: date, people=None) -> list[Needed]:
    """Every check the active catalogue calls for on this application on this date (of `people`, default all who
    are still in the household)."""
    people = [person for person in (application.household.people if people is None else people)
              if person.left_on is None]  # someone who has left the household needs no new check
    needed = []
    for check_type in active_check_types():
        if not serves(check_type, application.service_line_code):
            continue
        if check_type.applies_to is CheckAppliesTo.EACH_APPLICATION:
            needed.append(Needed(check_type, None))
        else:
            needed += [Needed(check_type, person) for person in people if concerns(check_type, person, on)]
    return needed


def active_check_types() -> list[CheckType]:
    return list(db.session.scalars(select(CheckType).where(CheckType.active)
                                   .options(selectinload(CheckType.service_lines)).order_by(CheckType.id)))


def all_check_types() -> list[CheckType]:
    return list(db.session.scalars(select(CheckType).options(selectinload(CheckType.service_lines))
                                   .order_by(CheckType.id)))


def service_lines() -> list[ServiceLine]:
    return list(db.session.scalars(select(ServiceLine).order_by(ServiceLine.code)))


@dataclass(frozen=True)
class CheckTypeChange:
    """What an administrator may change about a check type."""

    name: str
    applies_to: CheckAppliesTo
    default_days: int
    rule_months: int | None
    service_line_codes: tuple[str, ...]
    active: bool


def update_check_type(check_type: CheckType, change: CheckTypeChange, *, actor) -> None:
    """Apply an administrator's change; checks already created keep their due dates."""
    _validate(check_type, change)
    before = _snapshot(check_type)
    lines = {line.code: line for line in service_lines()}
    check_type.name = change.name.strip()
    check_type.applies_to = change.applies_to
    check_type.default_days = change.default_days
    check_type.rule_months = change.rule_months if check_type.rule is CheckRule.LIVED_ABROAD else check_type.rule_months
    check_type.service_lines = [lines[code] for code in sorted(set(change.service_line_codes))]
    check_type.active = change.active
    db.session.flush()
    record_event(db.session, "check_type_changed", actor=actor, object_type="check_type", object_id=check_type.id,
                 detail={"before": before, "after": _snapshot(check_type)})


def add_check_type(change: CheckTypeChange, *, actor) -> CheckType:
    """A new check type with no rule about circumstances or parts; applications entering Stage 1 from now on get it
    (if `change.active`)."""
    check_type = CheckType(code=_new_code(change.name), name="", applies_to=change.applies_to, default_days=1,
                           parts=[], active=True)
    _validate(check_type, change)
    if _name_taken(change.name):
        raise DomainError("There is already a check with this name", "name")
    db.session.add(check_type)
    lines = {line.code: line for line in service_lines()}
    check_type.name, check_type.default_days = change.name.strip(), change.default_days
    check_type.service_lines = [lines[code] for code in sorted(set(change.service_line_codes))]
    check_type.active = change.active
    db.session.flush()
    record_event(db.session, "check_type_added", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="check_type", object_id=check_type.id, detail={"after": _snapshot(check_type)})
    return check_type


def set_check_type_active(check_type: CheckType, active: bool, *, actor) -> None:
    """Retire (no longer started for new applications or people, nor offered; checks already made stay and are
    shown) or bring back into use."""
    if check_type.active is active:
        return
    check_type.active = active
    db.session.flush()
    record_event(db.session, "check_type_reactivated" if active else "check_type_retired", actor=actor,
                 actor_label=None if actor else CLI_ACTOR, object_type="check_type", object_id=check_type.id,
                 detail={"name": check_type.name})


def find_check_type(name_or_code: str) -> CheckType:
    key = name_or_code.strip().casefold()
    found = next((t for t in all_check_types() if key in (t.code.casefold(), t.name.casefold())), None)
    if found is None:
        raise DomainError(f"No check type has the name or code {name_or_code.strip()!r}", "name")
    return found


def _name_taken(name: str) -> bool:
    return any(t.name.casefold() == name.strip().casefold() for t in all_check_types())


def _new_code(name: str) -> str:
    """A stable code from the name ("Pet assessment" -> pet_assessment), made unique."""
    base = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:50] or "check"
    taken = set(db.session.scalars(select(CheckType.code)))
    return next(code for code in (base if n == 1 else f"{base}_{n}" for n in range(1, len(taken) + 2))
                if code not in taken)


def _validate(check_type: CheckType, change: CheckTypeChange) -> None:
    if not change.name.strip():
        raise DomainError("Enter the name of the check", "name")
    if len(change.name.strip()) > 200:
        raise DomainError("The name must be 200 characters or fewer", "name")
    if not 1 <= change.default_days <= MAX_DAYS:
        raise DomainError(f"Days to complete must be between 1 and {MAX_DAYS}", "default_days")
    if check_type.rule is not None and change.applies_to not in RULE_TARGETS:
        raise DomainError("A check with a rule about a person's circumstances must apply to every adult or "
                          "each applicant", "applies_to")
    if check_type.rule is CheckRule.LIVED_ABROAD and not (
            change.rule_months is not None and 1 <= change.rule_months <= MAX_RULE_MONTHS):
        raise DomainError(f"Enter the months abroad, from 1 to {MAX_RULE_MONTHS}, beyond which the check is needed",
                          "rule_months")
    unknown = set(change.service_line_codes) - {line.code for line in service_lines()}
    if unknown:
        raise DomainError("Choose service lines from the list", "service_lines")


def _snapshot(check_type: CheckType) -> dict:
    return {"name": check_type.name, "applies_to": check_type.applies_to.value,
            "default_days": check_type.default_days, "rule_months": check_type.rule_months,
            "service_lines": [line.code for line in check_type.service_lines], "active": check_type.active}
