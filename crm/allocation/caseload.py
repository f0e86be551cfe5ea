"""Caseloads: a worker's or a team's open applications by stage and timescale RAG, and their open checks.

The RAG is the stage timescale's (crm/funnel/timescales.py, as the work queue shows it). A caseload costs a fixed
number of statements: the applications with their worker, their events, and the checks counted in one.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from crm.auth.models import User
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.funnel.terms import is_open
from crm.funnel.timescales import timescale
from crm.households.models import Application, Household
from crm.households.visibility import visible_households

RAGS = ("red", "amber", "green", "none")
RAG_LABELS = {"red": "Overdue", "amber": "At risk", "green": "On track", "none": "No timescale"}


@dataclass
class Row:
    label: str
    counts: Counter = field(default_factory=Counter)
    worker_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Caseload:
    stages: list[tuple[Stage, Row]]
    workers: list[Row]
    total: Row
    open_checks: int
    overdue_checks: int


def my_caseload(user, today: date) -> Caseload:
    return _caseload(user, Household.allocated_worker_id == user.id, CheckInstance.owner_id == user.id, today)


def team_caseload(user, team_id: int, today: date) -> Caseload:
    members = select(User.id).where(User.team_id == team_id)
    return _caseload(user, Household.team_id == team_id, CheckInstance.owner_id.in_(members), today)


def _caseload(user, households, checks, today: date) -> Caseload:
    rows = db.session.execute(
        select(Application, User.id, User.full_name).join(Application.household)
        .outerjoin(User, User.id == Household.allocated_worker_id)
        .where(households, is_open(), visible_households(user))
        .options(contains_eager(Application.household), selectinload(Application.events))
        .order_by(Application.id)).all()
    stages = {stage: Row(stage.label) for stage in Stage}
    workers: dict[int | None, Row] = {}
    total = Row("Total")
    for application, worker_id, worker_name in rows:
        scale = timescale(application, today)
        rag = scale.rag if scale else "none"
        for row in (stages[application.stage], total,
                    workers.setdefault(worker_id, Row(worker_name or "Not allocated", worker_id=worker_id))):
            row.counts[rag] += 1
    open_checks, overdue = _checks(user, checks, today)
    return Caseload([(stage, row) for stage, row in stages.items() if row.total],
                    sorted(workers.values(), key=lambda row: (row.worker_id is None, row.label)), total,
                    open_checks, overdue)


def _checks(user, owned, today: date) -> tuple[int, int]:
    """The open checks owned in the scope, and how many of them are overdue, in one statement."""
    open_checks, overdue = db.session.execute(
        select(func.count(), func.count(case((CheckInstance.due_on < today, 1))))
        .select_from(CheckInstance).join(CheckInstance.application).join(Application.household)
        .where(owned, CheckInstance.is_open, is_open(), visible_households(user))).one()
    return open_checks, overdue
