"""Reading households and applications for queues and summaries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, Status
from crm.households.models import Application, Household, ServiceLine

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
    return ((today or date.today()) - day).days
