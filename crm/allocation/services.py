"""Allocating households (SPEC section 1): taking an enquiry, the hand-overs at Stage 1 and Stage 2, and a manager's
reallocation of one household or of all of a worker's cases.

The household is the unit: its worker and team hold every open application of it, and what a worker sees follows
them (crm/households/visibility.py). The open checks follow the allocation: at each change, those owned by the
previous worker (or by nobody, or by someone who cannot own checks) pass to the new worker. Each operation checks
everything before it changes anything, records an Allocation row (the timeline) and an audit row, flushes, and
leaves the commit to the caller.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, exists, select, type_coerce
from sqlalchemy.orm import selectinload

from crm import clock
from crm.allocation.models import Allocation, AllocationReason
from crm.audit.services import CLI_ACTOR, record_event
from crm.auth.models import Team, User, UserRole
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.checks import services as checks
from crm.checks.models import CheckInstance
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel import machine, services as funnel
from crm.funnel.models import StageEvent
from crm.funnel.stages import OPEN_STATUSES, EventKind
from crm.funnel.terms import is_open
from crm.households.models import Application, Household
from crm.households.visibility import BEYOND_ROI

# Who takes over at each hand-over, by the stage entered.
HAND_OVERS = {
    EventKind.STAGE_1: (Role.STAGE_ONE_WORKER, "stage-one worker", AllocationReason.STAGE_1),
    EventKind.STAGE_2: (Role.ASSESSING_SOCIAL_WORKER, "assessing social worker", AllocationReason.STAGE_2),
}


@dataclass(frozen=True)
class WorkerOption:
    """A worker as one choice of the allocation forms: plain columns, not a User (at national scale the forms offer
    thousands, and loading each as a User with its team and roles took most of the household page's time)."""

    id: int
    full_name: str
    team_id: int | None
    team_name: str | None
    roles: frozenset[Role]


def worker_options(roles=CASEWORK_ROLES, *, active: bool = True) -> list[WorkerOption]:
    """Active users holding one of the roles (the inactive too with active=False), by name, in one statement:
    whom a household may be allocated to, or whose cases may be reallocated (a leaver's account may be closed)."""
    rows = db.session.execute(
        # The role as its stored text: the Enum type's own conversion cost 85 microseconds a row (3,000 rows: 0.26 s).
        select(User.id, User.full_name, User.team_id, Team.name, type_coerce(UserRole.role, String))
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(UserRole.role.in_(tuple(roles)), *([User.active] if active else []))
        .order_by(User.full_name, User.id))
    found: dict[int, tuple[str, int | None, str | None, set]] = {}
    for user_id, full_name, team_id, team_name, role in rows:
        found.setdefault(user_id, (full_name, team_id, team_name, set()))[3].add(Role(role))
    return [WorkerOption(user_id, name, team_id, team_name, frozenset(held))
            for user_id, (name, team_id, team_name, held) in found.items()]


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def allocate(household: Household, worker: User | None, team_id: int | None, reason: AllocationReason, *, actor,
             roles=CASEWORK_ROLES, what: str = "worker") -> Allocation | None:
    """Allocate the household to the worker and team (None: the worker's team, else the household's own); None if
    nothing changes."""
    _suitable(worker, roles, what)
    team_id = _team_for(household, worker, team_id)
    if (household.allocated_worker_id, household.team_id) == (worker.id, team_id):
        return None
    return _change(household, worker, team_id, reason, actor)


def take_enquiry(household: Household, *, actor) -> Allocation:
    """A recruitment officer takes a household that is still at enquiry, up to its Registration of Interest."""
    if not _has_open_application(household):
        raise DomainError("This household has no open application to take", "household")
    if any(a.stage in BEYOND_ROI and a.status in OPEN_STATUSES for a in household.applications):
        raise DomainError("Only a household up to its Registration of Interest can be taken: ask a manager to "
                          "reallocate it", "household")
    if household.allocated_worker_id == actor.id:
        raise DomainError("This household is already allocated to you", "household")
    return allocate(household, actor, None, AllocationReason.TAKEN, actor=actor,
                    roles={Role.RECRUITMENT_OFFICER}, what="recruitment officer")


def hand_over(application: Application, kind: EventKind, on: date, worker: User | None, team_id: int | None, *,
              actor, today: date | None = None, **details):
    """Record Stage 1 or Stage 2 starting and pass the household (and its open checks) to the worker who runs it."""
    role, what, reason = HAND_OVERS[kind]
    problem = machine.refusal(application, kind, on, today=today or clock.today(), **details)
    if problem:
        raise problem
    _suitable(worker, {role}, what)
    team_id = _team_for(application.household, worker, team_id)
    event = funnel.record(application, kind, on, actor=actor, today=today, **details)
    allocate(application.household, worker, team_id, reason, actor=actor, roles={role}, what=what)
    return event


def undo_hand_over(application: Application, undone: StageEvent, *, actor) -> Allocation | None:
    """When a manager undoes the Stage 1 or Stage 2 start that handed the household over, the household goes back
    to the worker and team it had before, if the hand-over is still its latest allocation and that worker is
    still active; None (nothing changes) otherwise. Checks the stage started were withdrawn by the undo; open
    checks owned by the worker who had it pass back as at any allocation. Recorded as a manager's reallocation."""
    if undone.kind not in HAND_OVERS:
        return None
    household = application.household
    latest = db.session.scalar(select(Allocation).where(Allocation.household_id == household.id)
                               .order_by(Allocation.changed_at.desc(), Allocation.id.desc()).limit(1))
    if (latest is None or latest.reason is not HAND_OVERS[undone.kind][2] or latest.previous_worker_id is None
            or (household.allocated_worker_id, household.team_id) != (latest.worker_id, latest.team_id)):
        return None
    previous = db.session.get(User, latest.previous_worker_id)
    if previous is None or not previous.active:
        return None
    try:
        return allocate(household, previous, latest.previous_team_id, AllocationReason.REALLOCATED, actor=actor)
    except DomainError:  # they no longer have a casework role, or their team is gone: the hand-over stands
        return None


def reallocate(household: Household, worker: User | None, team_id: int | None, *, actor) -> Allocation:
    """A manager moves one household (with its open checks) to another worker or team."""
    if not _has_open_application(household):
        raise DomainError("This household has no open application to reallocate", "worker")
    allocation = allocate(household, worker, team_id, AllocationReason.REALLOCATED, actor=actor)
    if allocation is None:
        raise DomainError("The household is already allocated to this worker and team", "worker")
    return allocation


# All of a worker's cases

@dataclass(frozen=True)
class Plan:
    """What moving all of a worker's cases would move: their households with an open application, and the open
    checks they own (in those households or others)."""

    leaving: User
    to: User
    household_ids: tuple[int, ...]
    check_ids: tuple[int, ...]


def plan_caseload_move(leaving: User | None, to: User | None) -> Plan:
    """Check the move and count it, changing nothing (the confirmation page)."""
    if leaving is None:
        raise DomainError("Choose whose cases to reallocate", "leaving")
    _suitable(to, CASEWORK_ROLES, "worker", field="to")
    if to.id == leaving.id:
        raise DomainError("Choose a different worker to take the cases", "to")
    plan = Plan(leaving, to, _open_households_of(leaving.id), _open_checks_of(leaving.id))
    if not plan.household_ids and not plan.check_ids:
        raise DomainError(f"{leaving.full_name} has no open applications or open checks to reallocate", "leaving")
    if plan.check_ids and not checks.may_own(to):
        raise DomainError(f"{leaving.full_name} owns {len(plan.check_ids)} open checks: choose a worker who works on "
                          "checks", "to")
    return plan


def move_caseload(leaving: User | None, to: User | None, *, actor, expected: tuple[int, int] | None = None) -> Plan:
    """Move all of a worker's open cases and open checks to another worker, in one audited action. `expected`
    (households, checks) is what the confirmation page showed: if the caseload changed meanwhile, nothing moves."""
    plan = plan_caseload_move(leaving, to)
    if expected is not None and expected != (len(plan.household_ids), len(plan.check_ids)):
        raise DomainError("The cases changed since you looked: check the counts again and confirm", "leaving")
    households = db.session.scalars(select(Household).where(Household.id.in_(plan.household_ids))
                                    .order_by(Household.id))
    for household in households:
        _change(household, to, _team_for(household, to, None), AllocationReason.WORKER_LEAVING, actor)
    for check in db.session.scalars(select(CheckInstance).where(CheckInstance.id.in_(plan.check_ids),
                                                                CheckInstance.owner_id == leaving.id)):
        check.owner_id = to.id
    db.session.flush()
    record_event(db.session, "caseload_reallocated", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="user", object_id=leaving.id,
                 detail={"to_worker_id": to.id, "households": len(plan.household_ids), "checks": len(plan.check_ids)})
    return plan


# The parts

def _suitable(worker: User | None, roles, what: str, field: str = "worker") -> None:
    if worker is None:
        raise DomainError(f"Choose the {what}", field)
    if not worker.active:
        raise DomainError(f"{worker.full_name}'s account is not active: choose someone else", field)
    if not worker.has_any_role(roles):
        article = "an" if what[0] in "aeiou" else "a"
        raise DomainError(f"{worker.full_name} is not {article} {what}: choose someone who is", field)


def _team_for(household: Household, worker: User, team_id: int | None) -> int:
    team_id = team_id or worker.team_id or household.team_id
    if team_id is None or db.session.get(Team, team_id) is None:
        raise DomainError(f"Choose the team: {worker.full_name} is not in one", "team")
    return team_id


def _change(household: Household, worker: User, team_id: int, reason: AllocationReason, actor) -> Allocation:
    previous_worker, previous_team = household.allocated_worker_id, household.team_id
    moved = _move_checks(household.id, previous_worker, worker)
    household.allocated_worker_id, household.team_id = worker.id, team_id
    allocation = Allocation(household_id=household.id, worker_id=worker.id, team_id=team_id,
                            previous_worker_id=previous_worker, previous_team_id=previous_team, reason=reason,
                            checks_moved=moved, changed_by_id=getattr(actor, "id", None))
    db.session.add(allocation)
    db.session.flush()
    record_event(db.session, "household_allocated", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="household", object_id=household.id,
                 detail={"reason": reason.value, "from_worker_id": previous_worker, "to_worker_id": worker.id,
                         "from_team_id": previous_team, "to_team_id": team_id, "checks_moved": moved})
    return allocation


def _move_checks(household_id: int, previous_worker_id: int | None, worker: User) -> int:
    """The household's open checks that followed the old allocation (owned by the previous worker, by nobody, or by
    someone who cannot own checks) pass to the new worker, if they can own checks. Returns how many."""
    if not checks.may_own(worker):
        return 0
    owners = select(UserRole.user_id).where(UserRole.role.in_(tuple(checks.CHECK_ROLES)))
    followed = CheckInstance.owner_id.is_(None) | CheckInstance.owner_id.not_in(owners)
    if previous_worker_id is not None:
        followed = followed | (CheckInstance.owner_id == previous_worker_id)
    moving = list(db.session.scalars(
        select(CheckInstance).join(CheckInstance.application)
        .where(Application.household_id == household_id, is_open(), CheckInstance.is_open, followed,
               CheckInstance.owner_id.is_distinct_from(worker.id))))
    for check in moving:
        check.owner_id = worker.id
    return len(moving)


def _has_open_application(household: Household) -> bool:
    return db.session.scalar(select(exists().where(Application.household_id == household.id, is_open())))


def _open_households_of(worker_id: int) -> tuple[int, ...]:
    open_application = select(Application.id).where(Application.household_id == Household.id, is_open())
    return tuple(db.session.scalars(select(Household.id).where(Household.allocated_worker_id == worker_id,
                                                               open_application.exists()).order_by(Household.id)))


def _open_checks_of(worker_id: int) -> tuple[int, ...]:
    return tuple(db.session.scalars(
        select(CheckInstance.id).join(CheckInstance.application)
        .where(CheckInstance.owner_id == worker_id, CheckInstance.is_open, is_open()).order_by(CheckInstance.id)))
