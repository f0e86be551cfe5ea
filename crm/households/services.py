"""Reading households and applications for queues and summaries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from crm import clock
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application, Household, Person, ServiceLine
from crm.households.visibility import visible_households

OPEN_STATUSES = (Status.ACTIVE, Status.ON_HOLD)


@dataclass(frozen=True)
class PipelineRow:
    stage: Stage
    counts: dict[str, int]  # service line code -> open applications in this stage

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def service_lines() -> list[ServiceLine]:
    return list(db.session.scalars(select(ServiceLine).order_by(ServiceLine.code)))


def approved_and_waiting():
    """Approved, and not yet matched (adoption) or placed with (fostering)."""
    placed = select(StageEvent.id).where(
        StageEvent.application_id == Application.id,
        StageEvent.kind.in_((EventKind.MATCHED, EventKind.PLACED)),
        StageEvent.undone_at.is_(None),
    )
    return and_(Application.status == Status.APPROVED, ~placed.exists())


def pipeline() -> list[PipelineRow]:
    """Open (active or on hold) applications in each stage, and approved households still waiting, per service line."""
    rows = db.session.execute(
        select(Application.stage, Application.service_line_code, func.count())
        .where(or_(Application.status.in_(OPEN_STATUSES), approved_and_waiting()))
        .group_by(Application.stage, Application.service_line_code)
    )
    counts: dict[Stage, dict[str, int]] = {stage: {} for stage in Stage}
    for stage, line, count in rows:
        counts[stage][line] = count
    return [PipelineRow(stage, counts[stage]) for stage in Stage]


def allocated_applications(worker_id: int, *, limit: int = 50) -> tuple[list[Application], int]:
    """Open applications of the households allocated to a worker, longest in their stage first."""
    where = (Household.allocated_worker_id == worker_id, Application.status.in_(OPEN_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(Application).join(Application.household).where(*where))
    query = (
        select(Application).join(Application.household).where(*where)
        .options(contains_eager(Application.household).selectinload(Household.people))
        .order_by(Application.stage_entered_on, Application.id).limit(limit)
    )
    return list(db.session.scalars(query).unique()), total


def days_since(day: date, today: date | None = None) -> int:
    return ((today or clock.today()) - day).days


class NotVisible(Exception):
    """The household does not exist, or the user may not see it."""


def visible_household(user, household_id: int) -> Household:
    """The household with its people, applications and events, if this user may see it."""
    query = (select(Household).where(Household.id == household_id, visible_households(user))
             .options(selectinload(Household.people),
                      selectinload(Household.applications).selectinload(Application.events),
                      selectinload(Household.partner_authority), selectinload(Household.allocated_worker)))
    household = db.session.scalar(query)
    if household is None:
        raise NotVisible(household_id)
    return household


SEARCH_PAGE_SIZE = 25


def search(user, text: str, *, page: int = 1) -> tuple[list[Household], int]:
    """Households this user may see whose name, reference, email, phone or postcode matches the text."""
    words = text.strip()
    if not words:
        return [], 0
    like = f"%{words.lower()}%"
    digits = "".join(ch for ch in words if ch.isdigit())
    postcode = words.replace(" ", "").upper()
    named = select(Person.household_id).where(or_(
        func.lower(Person.first_name + " " + Person.last_name).like(like),
        func.lower(Person.last_name).like(like)))
    matches = or_(
        func.lower(Household.reference) == words.lower(),
        func.lower(Household.email).like(like),
        func.replace(func.upper(Household.postcode), " ", "") == postcode,
        Household.id.in_(named),
        *([func.replace(Household.phone, " ", "").like(f"%{digits}%")] if len(digits) >= 6 else []),
    )
    where = (matches, visible_households(user))
    total = db.session.scalar(select(func.count()).select_from(Household).where(*where))
    rows = db.session.scalars(
        select(Household).where(*where).options(selectinload(Household.people), selectinload(Household.applications))
        .order_by(Household.reference).limit(SEARCH_PAGE_SIZE).offset((max(page, 1) - 1) * SEARCH_PAGE_SIZE))
    return list(rows), total
