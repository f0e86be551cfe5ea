"""The applications work queue in SQL: visibility, filters, a count per stage, and one sorted page with its rows' data.

A page costs a fixed number of statements whatever its length: the counts, the page, and one
select-in load each for the rows' people and events.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from crm.auth.models import Team, User
from crm.auth.roles import Role
from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import OPEN_STATUSES, Stage, Status
from crm.funnel.terms import is_open
from crm.funnel.timescales import Timescale, timescale
from crm.households.models import (SHORT_NAMES, Application, Household, PartnerAuthority, Person, PersonRole,
                                   ServiceLine)
from crm.households.services import household_matches
from crm.households.visibility import visible_households
from crm.pagination import Page, paginate
from crm.queues.counting import shared_and_own
from crm.queues.filters import ALL, MINE, TEAM, ApplicationFilters
from crm.queues.sorting import DESCENDING, Column, Sort
from crm.queues.sql import greatest, utc_date

# Six columns fit beside the filter panel: status sits under the stage, and the team under the worker.
COLUMNS = [
    Column("household", "Household"),
    Column("service_line", "Service line"),
    Column("stage", "Stage"),
    Column("days", "Days in stage", DESCENDING, numeric=True),
    Column("worker", "Allocated to"),
    Column("activity", "Last activity", DESCENDING),
]
DEFAULT_SORT = Sort("days", DESCENDING)  # longest in their stage first: the ones most likely to be stuck
WORKER = aliased(User)


@dataclass(frozen=True)
class QueueRow:
    application: Application
    worker: str | None
    team: str | None
    last_activity: date
    days_in_stage: int
    timescale: Timescale | None


@dataclass(frozen=True)
class ApplicationQueue:
    page: Page
    by_stage: dict[Stage, int]


def scopes(user) -> list[str]:
    """The scopes this user may choose: "my team's" only for a member of a team."""
    return [MINE, *([TEAM] if user.team_id is not None else []), ALL]


def application_queue(user, filters: ApplicationFilters, sort: Sort, number: int, *, today: date) -> ApplicationQueue:
    """One page of the applications this user may see under the filters, and the count in each stage."""
    by_stage = stage_counts(user, filters)
    total = sum(count for stage, count in by_stage.items() if not filters.stages or stage in filters.stages)
    query = (
        select(Application, WORKER.full_name, Team.name, LAST_ACTIVITY)
        .join(Application.household).join(Application.service_line)
        .outerjoin(WORKER, WORKER.id == Household.allocated_worker_id)
        .outerjoin(Team, Team.id == Household.team_id)
        .where(*conditions(user, filters))
        .options(contains_eager(Application.household).selectinload(Household.people),
                 contains_eager(Application.service_line), selectinload(Application.events))
        .order_by(*_order(sort), Application.id)
    )
    page = paginate(query, number, total=total)
    return ApplicationQueue(page.map(lambda row: _queue_row(*row, today=today)), by_stage)


def _queue_row(application: Application, worker: str | None, team: str | None, activity: date, *,
               today: date) -> QueueRow:
    return QueueRow(application, worker, team, activity, (today - application.stage_entered_on).days,
                    timescale(application, today))


def stage_counts(user, filters: ApplicationFilters) -> dict[Stage, int]:
    """Applications in each stage under every filter but the stage one, so each count can offer its stage."""
    rows = db.session.execute(
        select(Application.stage, func.count()).select_from(Application).join(Application.household)
        .where(*conditions(user, replace(filters, stages=()))).group_by(Application.stage))
    counts = dict.fromkeys(Stage, 0)
    counts.update({stage: count for stage, count in rows})
    return counts


def scope_counts(user) -> dict[str, dict[Stage, int]]:
    """Open applications per stage in each scope the user has (for the home page). The counts over the user's shared
    part are kept per data version for everyone who shares it (crm/queues/counting.py); their own are read afresh."""
    chosen = scopes(user)
    team_id = user.team_id if TEAM in chosen else None
    shared, own = shared_and_own("home_scope_counts", user, lambda where: _open_by_stage(where, team_id),
                                 {"team_column": team_id})
    counts = {scope: dict.fromkeys(Stage, 0) for scope in chosen}
    for part in (shared, own or {}):
        for stage, (everything, in_team) in part.items():
            counts[ALL][stage] += everything
            if TEAM in counts:
                counts[TEAM][stage] += in_team
    # Allocated to the user: their own households, a few read by index (visible to them by definition, and the
    # condition says so again for a user who sees none).
    mine = _open_by_stage(and_(Household.allocated_worker_id == user.id, visible_households(user)), None)
    counts[MINE].update({stage: everything for stage, (everything, _) in mine.items()})
    return counts


def _open_by_stage(where, team_id: int | None) -> dict[Stage, tuple[int, int]]:
    """Open applications of the households meeting `where`, per stage: all of them, and those of the team."""
    in_team = func.count(case((Household.team_id == team_id, 1))) if team_id is not None else literal(0)
    rows = db.session.execute(
        select(Application.stage, func.count(), in_team).select_from(Application).join(Application.household)
        .where(where, is_open()).group_by(Application.stage))
    return {stage: (everything, team) for stage, everything, team in rows}


def conditions(user, filters: ApplicationFilters) -> list:
    """The WHERE clauses: what the user may see, then each filter that is set."""
    clauses = [visible_households(user)]
    if filters.scope != ALL:
        clauses.append(_scope(user, filters.scope))
    if filters.stages:
        clauses.append(Application.stage.in_(filters.stages))
    if filters.service_lines:
        clauses.append(Application.service_line_code.in_(filters.service_lines))
    if set(filters.statuses) == set(OPEN_STATUSES):
        clauses.append(is_open())  # the default: the partial index of open applications serves it
    elif filters.statuses:
        clauses.append(Application.status.in_(filters.statuses))
    if filters.authorities:
        clauses.append(Household.partner_authority_id.in_(filters.authorities))
    if filters.text:
        clauses.append(household_matches(filters.text))
    return clauses


def _scope(user, scope: str):
    if scope == TEAM:
        return Household.team_id == user.team_id
    return Household.allocated_worker_id == user.id


def _last_activity():
    """The latest date anything happened: a live stage or status event, or a contact from the household."""
    event = (select(func.max(StageEvent.occurred_on))
             .where(StageEvent.application_id == Application.id, StageEvent.undone_at.is_(None))
             .correlate(Application).scalar_subquery())
    contact = (select(func.max(utc_date(EnquiryContact.received_at)))
               .where(EnquiryContact.household_id == Application.household_id)
               .correlate(Application).scalar_subquery())
    return greatest(func.coalesce(event, Application.stage_entered_on),
                    func.coalesce(contact, Application.stage_entered_on))


def first_applicant():
    """The first applicant's surname and first name, for sorting households by name."""
    return (select(func.lower(Person.last_name + " " + Person.first_name))
            .where(Person.household_id == Household.id, Person.role == PersonRole.APPLICANT)
            .order_by(Person.id).limit(1).correlate(Household).scalar_subquery())


LAST_ACTIVITY = _last_activity().label("last_activity")
SERVICE_LINE_ORDER = {code: rank for rank, code in enumerate(sorted(SHORT_NAMES, key=SHORT_NAMES.get))}
SORT_KEYS = {
    "household": (first_applicant(), Household.reference),
    "service_line": (case(SERVICE_LINE_ORDER, value=Application.service_line_code, else_=len(SHORT_NAMES)),),
    "stage": (case({s.value: s.order for s in Stage}, value=Application.stage),
              case({s.value: rank for rank, s in enumerate(Status)}, value=Application.status)),
    "worker": (func.lower(WORKER.full_name), func.lower(Team.name)),
    "activity": (LAST_ACTIVITY,),
}


def _order(sort: Sort) -> list:
    """ORDER BY for the sort; days in stage run opposite to the date the stage was entered; blanks go last."""
    if sort.key == "days":
        return [Application.stage_entered_on.asc() if sort.descending else Application.stage_entered_on.desc()]
    return [(e.desc() if sort.descending else e.asc()).nulls_last() for e in SORT_KEYS[sort.key]]


def default_scope(user) -> str:
    """Managers start from everything; case workers from the households allocated to them."""
    return ALL if Role.MANAGER in user.roles else MINE


def service_line_names() -> dict[str, str]:
    return {line.code: line.short_name for line in db.session.scalars(select(ServiceLine).order_by(ServiceLine.code))}


def authority_names() -> dict[int, str]:
    rows = db.session.execute(select(PartnerAuthority.id, PartnerAuthority.name).order_by(PartnerAuthority.name))
    return {key: name for key, name in rows}
