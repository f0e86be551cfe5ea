"""Searching the audit log, newest first, a page at a time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    events: list[AuditEvent]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return page_count(self.total)


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def search(*, actor: str | None = None, action: str | None = None, date_from: date | None = None,
           date_to: date | None = None, page: int = 1, **_ignored) -> Page:
    conditions = []
    if actor:
        conditions.append(func.lower(AuditEvent.actor_label).contains(actor.strip().lower(), autoescape=True))
    if action:
        conditions.append(AuditEvent.action == action.strip())
    if date_from:
        conditions.append(AuditEvent.at >= _start_of(date_from))
    if date_to:
        conditions.append(AuditEvent.at < _start_of(date_to + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    page = min(max(page, 1), page_count(total))  # any page number lands on a real page
    events = db.session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(events), total, page)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
