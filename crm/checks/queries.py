"""Reading checks: the stage-one worker's check queue, one household's checks by person, one check."""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from crm import clock
from crm.auth.models import User, UserRole
from crm.auth.policy import may_use
from crm.checks import services
from crm.checks.models import CheckInstance, CheckType
from crm.extensions import db
from crm.funnel.terms import is_open
from crm.households.models import Application, Household, Person
from crm.households.visibility import visible_households
from crm.pagination import PAGE_SIZE, Page, clamp, offset
from crm.queues.counting import shared_and_own

DUE_SOON_DAYS = 7
OWNER_SCOPES = {"all": "All I can see", "mine": "Mine", "team": "My team's"}


def due_flag(check: CheckInstance, today: date) -> str | None:
    """'overdue' past its due date, 'due_soon' within a week of it, else None (also when received, withdrawn or
    unrequested)."""
    if check.due_on is None or not check.is_open:
        return None
    if check.due_on < today:
        return "overdue"
    return "due_soon" if check.due_on <= today + timedelta(days=DUE_SOON_DAYS) else None


@dataclass(frozen=True)
class QueueFilters:
    owner: str = "all"
    check_type: str = ""
    overdue: bool = False

    @classmethod
    def from_args(cls, args, codes: set[str]) -> QueueFilters:
        """Whatever the query string holds: an unknown value means that filter is off."""
        owner = args.get("owner", "all")
        code = args.get("check_type", "")
        return cls(owner=owner if owner in OWNER_SCOPES else "all", check_type=code if code in codes else "",
                   overdue=args.get("overdue") == "yes")

    def args(self) -> dict:
        """The query string that gives these filters back, without the defaults."""
        values = {"owner": self.owner if self.owner != "all" else None, "check_type": self.check_type or None,
                  "overdue": "yes" if self.overdue else None}
        return {key: value for key, value in values.items() if value}


def check_queue(viewer, filters: QueueFilters, page: int, today: date) -> Page:
    """Open checks of the open applications the viewer may see: overdue first, then by due date, then those not
    yet requested.

    The order is worked out over the viewer's team (or everything, for a manager) once per data version for everyone
    who shares it, and over the viewer's own households afresh (crm/queues/counting.py); the two are merged, and
    only the page's checks are read whole."""
    # The owner filters name the viewer or their team: then the list is theirs (or their team's) alone.
    mine = {"viewer": viewer.id, "team_id": viewer.team_id} if filters.owner != "all" else {}
    shared, own = shared_and_own("check_queue", viewer, lambda where: _queue_order(viewer, filters, today, where),
                                 {**filters.args(), **mine})
    ordered = list(heapq.merge(shared, own or []))
    number = clamp(page, len(ordered))
    ids = [check_id for *_, check_id in ordered[offset(number):offset(number) + PAGE_SIZE]]
    return Page(_queue_checks(ids), len(ordered), number)


def _queue_order(viewer, filters: QueueFilters, today: date, where) -> list[tuple]:
    """The queue's sort key of each check meeting the filters in the households meeting `where`, in order; each key
    ends with the check's id."""
    rows = db.session.execute(
        select(CheckInstance.due_on, Household.reference, CheckInstance.check_type_id, CheckInstance.id)
        .join(CheckInstance.application).join(Application.household).join(CheckInstance.check_type)
        .where(where, *_queue_conditions(viewer, filters, today)))
    # Not yet requested (no due date) last.
    return sorted((due is None, due or date.max, reference, type_id, check_id)
                  for due, reference, type_id, check_id in rows)


def _queue_checks(ids: list[int]) -> list[CheckInstance]:
    """The checks with these ids, in this order, with what the queue shows of each (a fixed number of statements)."""
    if not ids:
        return []
    checks = db.session.scalars(
        select(CheckInstance).where(CheckInstance.id.in_(ids))
        .options(joinedload(CheckInstance.application, innerjoin=True).joinedload(Application.household, innerjoin=True)
                 .selectinload(Household.people),
                 joinedload(CheckInstance.check_type, innerjoin=True), joinedload(CheckInstance.person),
                 selectinload(CheckInstance.owner)))
    by_id = {check.id: check for check in checks}
    return [by_id[check_id] for check_id in ids]


def _queue_conditions(viewer, filters: QueueFilters, today: date) -> list:
    conditions = [CheckInstance.is_open, is_open()]
    if filters.owner == "mine":
        conditions.append(CheckInstance.owner_id == viewer.id)
    elif filters.owner == "team":
        conditions.append(_teams(viewer))
    if filters.check_type:
        conditions.append(CheckType.code == filters.check_type)
    if filters.overdue:
        conditions.append(CheckInstance.due_on < today)
    return conditions


def _teams(viewer):
    """Owned by someone in the viewer's team, or not owned yet on a household of the team (and always mine)."""
    if viewer.team_id is None:
        return CheckInstance.owner_id == viewer.id
    members = select(User.id).where(User.team_id == viewer.team_id)
    return or_(CheckInstance.owner_id.in_(members),
               and_(CheckInstance.owner_id.is_(None), Household.team_id == viewer.team_id))


def open_checks_for(viewer, check_ids: list[int]) -> list[CheckInstance]:
    """The checks with these ids that the viewer may see (the bulk 'chased today' acts on no others)."""
    if not check_ids:
        return []
    return list(db.session.scalars(
        select(CheckInstance).join(CheckInstance.application).join(Application.household)
        .where(CheckInstance.id.in_(check_ids), visible_households(viewer))
        .options(selectinload(CheckInstance.chases), selectinload(CheckInstance.person),
                 selectinload(CheckInstance.check_type))
        .order_by(CheckInstance.id)))


def visible_check(viewer, check_id: int) -> CheckInstance | None:
    return db.session.scalar(
        select(CheckInstance).join(CheckInstance.application).join(Application.household)
        .where(CheckInstance.id == check_id, visible_households(viewer))
        .options(selectinload(CheckInstance.parts), selectinload(CheckInstance.chases)))


def check_owners(current: User | None = None) -> list[User]:
    """Who may own a check: active users who work on checks; and `current`, a check's owner now, even if they no
    longer do (a list without them would change the owner on save, unseen)."""
    workers = select(UserRole.user_id).where(UserRole.role.in_(services.CHECK_ROLES))
    owners = list(db.session.scalars(select(User).where(User.active, User.id.in_(workers)).order_by(User.full_name)))
    if current is not None and current not in owners:
        owners = sorted([*owners, current], key=lambda user: user.full_name)
    return owners


def household_checks_with_ids(household_id: int, check_ids: list[int]) -> list[CheckInstance]:
    """The checks with these ids among one household's (the bulk request acts on no others)."""
    if not check_ids:
        return []
    return list(db.session.scalars(
        select(CheckInstance).join(CheckInstance.application)
        .where(CheckInstance.id.in_(check_ids), Application.household_id == household_id)
        .options(selectinload(CheckInstance.chases), selectinload(CheckInstance.parts),
                 selectinload(CheckInstance.person), selectinload(CheckInstance.check_type))
        .order_by(CheckInstance.id)))


# One household's checks

@dataclass
class PersonChecks:
    label: str
    person: Person | None
    checks: list[CheckInstance] = field(default_factory=list)


@dataclass
class ApplicationChecks:
    application: Application
    groups: list[PersonChecks]
    missing: int  # checks the catalogue calls for that have not started


def household_checks(household: Household, viewer, *, today: date | None = None) -> dict:
    """What templates/checks/_household_checks.html shows of one household, as `household_checks`.

    Each outcome it shows is written to the audit log here (one row per check): the caller commits."""
    today = today or clock.today()
    checks = _household_rows(household.id)
    may_start = _may(viewer, "checks.start")
    sections = []
    for application in household.applications:
        own = [check for check in checks if check.application_id == application.id]
        missing = len(services.missing_checks(application, today)) \
            if may_start and services.may_start_checks(application) else 0
        if own or missing:
            sections.append(ApplicationChecks(application, _by_person(household, own), missing))
    shown = services.record_outcome_views(checks, viewer, "household")
    unrequested = [check for check in checks if check.is_open and check.requested_on is None]
    may_request = bool(unrequested) and _may(viewer, "checks.request_many")
    return {"household": household, "applications": sections, "outcomes_shown": shown,
            "unrequested": unrequested if may_request else [], "may_request": may_request,
            "flags": {check.id: due_flag(check, today) for check in checks},
            "show_outcomes": services.may_see_outcomes(viewer), "may_open": _may(viewer, "checks.show"), "today": today,
            "may_start": may_start, "may_edit_circumstances": _may(viewer, "checks.circumstances")}


def _household_rows(household_id: int) -> list[CheckInstance]:
    return list(db.session.scalars(
        select(CheckInstance).join(CheckInstance.application).where(Application.household_id == household_id)
        .options(selectinload(CheckInstance.check_type), selectinload(CheckInstance.parts),
                 selectinload(CheckInstance.owner))
        .order_by(CheckInstance.application_id, CheckInstance.check_type_id, CheckInstance.id)))


def _by_person(household: Household, checks: list[CheckInstance]) -> list[PersonChecks]:
    """The application's own checks first, then each person's, in the household's order."""
    groups = [PersonChecks("The application as a whole", None)] + [
        PersonChecks(person.full_name, person) for person in household.people]
    by_person = {group.person.id if group.person else None: group for group in groups}
    for check in checks:
        by_person[check.person_id].checks.append(check)
    return [group for group in groups if group.checks]


def _may(viewer, endpoint: str) -> bool:
    return may_use(viewer, current_app._get_current_object(), endpoint)
