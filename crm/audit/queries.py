"""Searching the audit log, newest first, a page at a time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.pagination import Page, paginate

PAGE_SIZE = 50


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
    return paginate(select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc()), page, size=PAGE_SIZE)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)
