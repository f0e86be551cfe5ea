"""Statutory checks of an application: starting them, and recording requests, chases, parts and receipts.

Each operation checks everything before it changes anything, audits (object_type "check"), flushes, and leaves
the commit to the caller.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.audit.services import record_event
from crm.auth.roles import Role
from crm.checks import catalogue
from crm.checks.catalogue import Needed
from crm.checks.expiry import default_expiry
from crm.checks.models import CheckAppliesTo, CheckChase, CheckInstance, CheckOutcome, CheckPart
from crm.checks.withdrawal import CHECK_STAGES, reopen_checks
from crm.errors import DomainError
from crm.escalations import services as escalations
from crm.extensions import db
from crm.formatting import long_date
from crm.funnel.stages import OPEN_STATUSES, EventKind, Stage
from crm.funnel.terms import is_open
from crm.households.models import Application, Person

# Who works on checks, owns them and may see their outcomes (special-category data, SPEC section 1).
CHECK_ROLES = frozenset({Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER, Role.MANAGER})
JOB_LABEL = "daily job"
MAX_MONTHS_ABROAD = 1200


def may_see_outcomes(user) -> bool:
    return bool(user.is_authenticated and user.has_any_role(CHECK_ROLES))


def may_own(user) -> bool:
    return user is not None and user.active and user.has_any_role(CHECK_ROLES)


def describe(check: CheckInstance) -> str:
    """'Enhanced DBS check for Ada Smith': how a message names one check among several."""
    whose = check.person.full_name if check.person else f"application {check.application.household.reference}"
    return f"{check.check_type.name} for {whose}"


# Starting checks

def on_stage_entered(application: Application, stage, on: date, *, actor) -> list[CheckInstance]:
    """The funnel calls this after each recorded event. Entering Stage 1 or 2 again reopens the checks withdrawn
    when it was undone; entering Stage 1 starts every other check the catalogue calls for, except on fast track,
    where the worker chooses which checks to repeat (start_checks)."""
    if stage in (Stage.STAGE_1, Stage.STAGE_2):
        reopen_checks(application, actor=actor)
    if stage != Stage.STAGE_1 or application.fast_track:
        return []
    return create_checks(application, missing_checks(application, on), actor=actor)


def may_start_checks(application: Application) -> bool:
    return application.stage in CHECK_STAGES and application.status in OPEN_STATUSES


def missing_checks(application: Application, on: date, people=None) -> list[Needed]:
    """What the catalogue calls for on this date (of `people`, default everyone) that the application lacks."""
    have = existing_keys(application.id)
    return [needed for needed in catalogue.needed_checks(application, on, people) if needed.key not in have]


def existing_keys(application_id: int) -> set[tuple[int, int | None]]:
    rows = db.session.execute(select(CheckInstance.check_type_id, CheckInstance.person_id)
                              .where(CheckInstance.application_id == application_id))
    return {(check_type_id, person_id) for check_type_id, person_id in rows}


def start_checks(application: Application, chosen: set[tuple[int, int | None]], on: date, *,
                 actor) -> list[CheckInstance]:
    """The worker's choice of the missing checks (fast track, or checks not started when Stage 1 began)."""
    if not may_start_checks(application):
        raise DomainError("Checks can be started only while the application is open in Stage 1 or Stage 2", "checks")
    if not chosen:
        raise DomainError("Choose at least one check to start", "checks")
    missing = missing_checks(application, on)
    if not chosen <= {needed.key for needed in missing}:
        raise DomainError("Some of the checks chosen have started already or are no longer needed: choose again",
                          "checks")
    return create_checks(application, [needed for needed in missing if needed.key in chosen], actor=actor)


def create_checks(application: Application, needed: list[Needed], *, actor,
                actor_label: str | None = None) -> list[CheckInstance]:
    checks = [_new_check(application, item) for item in needed]
    db.session.add_all(checks)
    db.session.flush()
    for check in checks:
        _audit(check, "check_created", actor, {"application_id": application.id, "person_id": check.person_id,
                                               "check_type": check.check_type.code}, actor_label=actor_label)
    return checks


def _new_check(application: Application, needed: Needed) -> CheckInstance:
    """Owned at first by the household's allocated worker if they work on checks (else by nobody, until the
    hand-over passes them on: crm/allocation), with one part per step of the check type."""
    worker = application.household.allocated_worker
    return CheckInstance(application=application, person=needed.person, check_type=needed.check_type,
                         owner_id=worker.id if may_own(worker) else None,
                         parts=[CheckPart(name=name, position=index)
                                for index, name in enumerate(needed.check_type.parts or [])])


def add_checks_for_person(person: Person, on: date, *, actor) -> list[CheckInstance]:
    """Someone joins the household (or their date of birth is corrected) while an application's checks are under
    way (open in Stage 1 or 2, checks begun): they get what the catalogue calls for them on that day, so an adult
    gets the every-adult checks and a child of 18 next year gets them from the daily job. Nothing once they left."""
    if person.left_on is not None:
        return []
    created = []
    for application in person.household.applications:
        if may_start_checks(application) and existing_keys(application.id):
            created += create_checks(application, missing_checks(application, on, [person]), actor=actor)
    return created


def add_checks_for_new_adults(today: date) -> int:
    """The daily job: someone who turned 18 after their application's checks began, while it is open in Stage 1
    or 2, gets the every-adult checks they lack. Running it again creates nothing more. Returns how many."""
    created = 0
    for application, person in _new_adults(today):
        needed = [item for item in missing_checks(application, today, [person])
                  if item.check_type.applies_to is CheckAppliesTo.EVERY_ADULT]
        created += len(create_checks(application, needed, actor=None, actor_label=JOB_LABEL))
    return created


def _new_adults(today: date) -> list[tuple[Application, Person]]:
    began = exists().where(CheckInstance.application_id == Application.id)
    rows = db.session.execute(
        select(Application, Person).join(Person, Person.household_id == Application.household_id)
        .where(Application.stage.in_(CHECK_STAGES), is_open(), began,
               Person.date_of_birth.is_not(None), Person.left_on.is_(None),
               Person.date_of_birth <= catalogue.latest_adult_birth_date(today))
        .options(selectinload(Application.events)).order_by(Application.id, Person.id))
    return [(application, person) for application, person in rows
            if person.date_of_birth > catalogue.latest_adult_birth_date(checks_began_on(application))]


def checks_began_on(application: Application) -> date:
    """Stage 1's start; or Stage 2's, for an application that went straight there (fast track, connected persons)."""
    starts = [event.occurred_on for event in application.events
              if event.undone_at is None and event.kind in (EventKind.STAGE_1, EventKind.STAGE_2)]
    return min(starts, default=application.stage_entered_on)


# A person's circumstances

@dataclass(frozen=True)
class Circumstances:
    """What decides a person's rule-based checks; None is 'not known' (no check follows from it)."""

    lived_abroad_months: int | None
    employed: bool | None
    previous_significant_relationship: bool | None
    fostered_in_last_12_months: bool | None


def record_circumstances(person: Person, circumstances: Circumstances, *, actor,
                         today: date | None = None) -> list[CheckInstance]:
    """Save them; an application whose checks have begun (not on fast track) gets the checks they now call for."""
    months = circumstances.lived_abroad_months
    if months is not None and not 0 <= months <= MAX_MONTHS_ABROAD:
        raise DomainError(f"Months lived abroad must be between 0 and {MAX_MONTHS_ABROAD}", "lived_abroad_months")
    before = {field: getattr(person, field) for field in asdict(circumstances)}
    for field, value in asdict(circumstances).items():
        setattr(person, field, value)
    db.session.flush()
    record_event(db.session, "person_circumstances_changed", actor=actor, object_type="person", object_id=person.id,
                 detail={"before": before, "after": asdict(circumstances)})
    created = []
    for application in person.household.applications:
        if may_start_checks(application) and not application.fast_track and existing_keys(application.id):
            created += create_checks(application, missing_checks(application, today or clock.today(), [person]),
                                   actor=actor)
    return created


# Recording a check's progress

def due_date(check: CheckInstance, requested_on: date) -> date:
    return requested_on + timedelta(days=check.check_type.default_days)


def request_check(check: CheckInstance, requested_on: date, owner, *, actor, today: date | None = None) -> None:
    """Record (or correct) when the check was requested and who owns it; the due date follows the request. Every
    problem is reported at once. The check's current owner may stay its owner even if they no longer work on
    checks: only a change of owner needs someone who does."""
    _not_withdrawn(check, "requested_on")
    problems = []
    if requested_on > (today or clock.today()):
        problems.append(("requested_on", "The date requested must be today or in the past"))
    first_later = min(_later_dates(check), default=None)
    if first_later is not None and requested_on > first_later:
        problems.append(("requested_on", f"The date requested must be on or before {long_date(first_later)}, when "
                         "the check was first chased, a part was completed or it was received"))
    if not (owner is not None and owner.id == check.owner_id) and not may_own(owner):
        problems.append(("owner", "Choose an owner who works on checks"))
    if problems:
        raise DomainError.several(problems)
    _record_request(check, requested_on, owner, actor)


def _record_request(check: CheckInstance, requested_on: date, owner, actor, detail: dict | None = None) -> None:
    action = "check_request_changed" if check.requested_on else "check_requested"
    check.requested_on, check.due_on, check.owner = requested_on, due_date(check, requested_on), owner
    db.session.flush()
    _audit(check, action, actor, {"requested_on": requested_on.isoformat(), "due_on": check.due_on.isoformat(),
                                  "owner_id": owner.id, **(detail or {})})


def request_checks(checks: list[CheckInstance], requested_on: date, owner, *, actor,
                   today: date | None = None) -> int:
    """Several unrequested checks requested at once, on one date, for one owner: all of them, or none, with every
    problem reported. Each check's audit row names the others requested with it. Returns how many."""
    problems = []
    if not checks:
        problems.append(("checks", "Select the checks you requested"))
    if requested_on is not None and requested_on > (today or clock.today()):
        problems.append(("requested_on", "The date requested must be today or in the past"))
    if not may_own(owner):
        problems.append(("owner", "Choose an owner who works on checks"))
    problems += [("checks", problem) for check in checks if (problem := request_problem(check, describe(check)))]
    if problems:
        raise DomainError.several(problems)
    together = [check.id for check in checks]
    for check in checks:
        _record_request(check, requested_on, owner, actor, {"requested_together": together})
    return len(checks)


def request_problem(check: CheckInstance, subject: str) -> str | None:
    """Why the check cannot be requested from the list of unrequested checks, naming it as `subject`."""
    if check.withdrawn_at is not None:
        return f"{subject} was withdrawn when its stage was undone, so it cannot be requested"
    if check.received_on is not None:
        return f"{subject} has been received, so there is nothing to request"
    if check.requested_on is not None:
        return f"{subject} was requested on {long_date(check.requested_on)}: change its request on its own page"
    return None


def chase_check(check: CheckInstance, chased_on: date, note: str | None, *, actor,
                today: date | None = None) -> CheckChase:
    problem = chase_problem(check, chased_on, today or clock.today(), "This check")
    if problem:
        raise DomainError(problem, "chased_on")
    return _chase(check, chased_on, (note or "").strip() or None, actor)


def chase_checks(checks: list[CheckInstance], chased_on: date, *, actor, today: date | None = None) -> int:
    """'Chased today' for several checks at once: all of them, or none if any cannot be chased."""
    if not checks:
        raise DomainError("Select the checks you chased", "checks")
    today = today or clock.today()
    problems = [problem for check in checks if (problem := chase_problem(check, chased_on, today, describe(check)))]
    if problems:
        raise DomainError.several(("checks", f"{problem}. Nothing was marked as chased" if index == 0 else problem)
                                  for index, problem in enumerate(problems))
    for check in checks:
        _chase(check, chased_on, None, actor)
    return len(checks)


def chase_problem(check: CheckInstance, chased_on: date, today: date, subject: str) -> str | None:
    """Why the check cannot be chased on that date, naming it as `subject`; None if it can."""
    if check.withdrawn_at is not None:
        return f"{subject} was withdrawn when its stage was undone, so there is nothing to chase"
    if check.received_on is not None:
        return f"{subject} has been received, so there is nothing to chase"
    if check.requested_on is None:
        return f"{subject} has not been requested yet: record the request before chasing it"
    if chased_on > today:
        return "The date chased must be today or in the past"
    if chased_on < check.requested_on:
        return f"The date chased must be on or after the date requested, {long_date(check.requested_on)}"
    return None


def _chase(check: CheckInstance, chased_on: date, note: str | None, actor) -> CheckChase:
    chase = CheckChase(check=check, chased_on=chased_on, chased_by_id=actor.id, note=note)
    db.session.add(chase)
    check.last_chased_on = max(filter(None, (check.last_chased_on, chased_on)))
    db.session.flush()
    # Someone acted: the check's escalations clear (later rungs still come if it stays outstanding).
    escalations.resolve_for_subject("check", check.id, f"chased on {chased_on.isoformat()}")
    _audit(check, "check_chased", actor, {"chased_on": chased_on.isoformat(), "chase_id": chase.id})
    return chase


def complete_part(part: CheckPart, completed_on: date, *, actor, today: date | None = None) -> None:
    """Record (or correct) the date one step of the check was done."""
    check = part.check
    _not_withdrawn(check, "completed_on")
    if check.received_on is not None:
        raise DomainError("This check has been received: its parts can no longer change", "completed_on")
    if check.requested_on is None:
        raise DomainError("Record when the check was requested before completing its parts", "completed_on")
    _not_future(completed_on, today, "The date completed", "completed_on")
    if completed_on < check.requested_on:
        raise DomainError(f"The date completed must be on or after the date requested, "
                          f"{long_date(check.requested_on)}", "completed_on")
    part.completed_on, part.completed_by_id = completed_on, actor.id
    db.session.flush()
    _audit(check, "check_part_completed", actor, {"part": part.name, "completed_on": completed_on.isoformat()})


def receive_check(check: CheckInstance, received_on: date, outcome, *, actor, today: date | None = None,
                  actor_label: str | None = None) -> None:
    """Record (or correct) when the check came back and its outcome; 'not required' needs no request. A reference
    given through a referee's link records it too (crm.references), with no user and an `actor_label`."""
    try:
        outcome = CheckOutcome(outcome)
    except ValueError:
        raise DomainError("Choose the outcome", "outcome") from None
    _not_withdrawn(check, "received_on")
    _not_future(received_on, today, "The date received", "received_on")
    if check.requested_on is None and outcome is not CheckOutcome.NOT_REQUIRED:
        raise DomainError("Record when the check was requested before recording it received, or choose "
                          "‘Not required’", "received_on")
    problem = _received_before_request(check.requested_on, received_on)
    if problem:
        raise problem
    previous, previously_received = check.outcome, check.received_on
    check.received_on, check.outcome = received_on, outcome
    follow_receipt_with_expiry(check, previously_received)
    db.session.flush()
    escalations.resolve_for_subject("check", check.id, "received")
    _audit(check, "check_outcome_changed" if previous else "check_received", actor,
           {"received_on": received_on.isoformat(), "outcome": outcome.value,
            "previous_outcome": previous.value if previous else None,
            "expires_on": check.expires_on.isoformat() if check.expires_on else None}, actor_label=actor_label)


def follow_receipt_with_expiry(check: CheckInstance, previously_received: date | None) -> None:
    """The renewal date follows the date received (a worker's own expiry date stays while that date does): for a
    check received here or by an import (crm/transfer/checks)."""
    renewal = default_expiry(check.check_type.code, check.application.service_line_code, check.received_on)
    if renewal is not None and check.outcome is not CheckOutcome.NOT_REQUIRED and (
            check.expires_on is None or previously_received != check.received_on):
        check.expires_on = renewal


def set_expiry(check: CheckInstance, expires_on: date | None, *, actor) -> None:
    """Record (or clear) when a received check lapses; the expiry reminders follow the new date."""
    if check.received_on is None:
        raise DomainError("Record the check as received before giving its expiry date", "expires_on")
    if expires_on is not None and expires_on <= check.received_on:
        raise DomainError(f"The expiry date must be after the date received, {long_date(check.received_on)}",
                          "expires_on")
    previous, check.expires_on = check.expires_on, expires_on
    db.session.flush()
    _audit(check, "check_expiry_changed", actor, {"expires_on": expires_on.isoformat() if expires_on else None,
                                                  "previous": previous.isoformat() if previous else None})


def state_problem(check: CheckInstance | None, requested_on: date | None, received_on: date | None,
                  outcome: CheckOutcome | None) -> DomainError | None:
    """Why a check cannot hold these dates and outcome all at once (what request_check and receive_check enforce
    one change at a time), for callers that set them together, such as an import; None when they can. `check` is
    the stored check, whose chases and completed parts the dates must fit around (None for a new one)."""
    if (received_on is None) != (outcome is None):
        return (DomainError("A received check needs its outcome", "outcome") if received_on else
                DomainError("An outcome needs the date the check was received", "outcome"))
    if received_on and requested_on is None and outcome is not CheckOutcome.NOT_REQUIRED:
        return DomainError("Give the date requested: only a check that was not required can be received without "
                           "one", "requested_on")
    later = _later_dates(check, received=False) if check else []
    if requested_on and later and requested_on > min(later):
        return DomainError(f"The date requested must be on or before {long_date(min(later))}, when the check was "
                           "first chased or a part was completed", "requested_on")
    return _received_before_request(requested_on, received_on)


def _received_before_request(requested_on: date | None, received_on: date | None) -> DomainError | None:
    """A receipt may be dated any day from the request on, whatever chases or parts were recorded meanwhile:
    a chase entered after the reply came back is common, and the receipt is the date that counts."""
    if received_on and requested_on and received_on < requested_on:
        return DomainError(f"The date received must be on or after {long_date(requested_on)}, when the check was "
                           "requested", "received_on")
    return None


def unsaved_check(application: Application, check_type, person: Person | None) -> CheckInstance:
    """A check made as the catalogue starts one (its owner, its parts), for a caller that adds and audits it
    itself (an import, which audits the file as a whole)."""
    return _new_check(application, Needed(check_type, person))


def record_outcome_views(checks, viewer, where: str) -> int:
    """Every outcome shown is audited, one row per check (special-category data); returns how many were shown."""
    if not may_see_outcomes(viewer):
        return 0
    shown = [check for check in checks if check.outcome is not None]
    for check in shown:
        record_event(db.session, "viewed_check_outcome", actor=viewer, object_type="check", object_id=check.id,
                     detail={"where": where})
    return len(shown)


def _later_dates(check: CheckInstance, *, received: bool = True) -> list[date]:
    """Dates of what follows a request: chases, completed parts, and (if asked) the receipt."""
    dates = [chase.chased_on for chase in check.chases]
    dates += [part.completed_on for part in check.parts if part.completed_on]
    if received and check.received_on:
        dates.append(check.received_on)
    return dates


def _not_withdrawn(check: CheckInstance, field: str) -> None:
    if check.withdrawn_at is not None:
        raise DomainError("This check was withdrawn when its stage was undone: it can change again once the stage "
                          "is recorded again", field)


def _not_future(value: date, today: date | None, what: str, field: str) -> None:
    if value > (today or clock.today()):
        raise DomainError(f"{what} must be today or in the past", field)


def _audit(check: CheckInstance, action: str, actor, detail: dict, actor_label: str | None = None) -> None:
    record_event(db.session, action, actor=actor, actor_label=actor_label, object_type="check", object_id=check.id,
                 detail=detail)
