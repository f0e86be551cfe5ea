"""The month-end snapshot (SPEC sections 4 and 5): the tracking figures as they stood on the last day of a month,
and the snapshot and activity reports of the month, kept so that past months' tracking and reports stay
reproducible after back-dated corrections (crm.reports.as_stood shows them)."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.escalations.models import MonthlySnapshot
from crm.extensions import db
from crm.funnel.machine import replay
from crm.households.models import Application
from crm.reports.as_stood import reports_at


def month_end_snapshot(today: date, run_id: int | None = None) -> dict:
    """Snapshot the month before `today`'s month, once: a missed night is caught up the next, and a second
    run (or process) finds the row already there (its primary key is the month)."""
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if db.session.get(MonthlySnapshot, month) is not None:
        return {"month": month.isoformat(), "taken": 0}
    figures = {**figures_at(month), "reports": reports_at(month)}
    db.session.add(MonthlySnapshot(month=month, run_id=run_id, figures=figures))
    db.session.commit()
    return {"month": month.isoformat(), "taken": 1}


def figures_at(month: date) -> dict:
    """Applications by service line, stage and status as at the month's last day (their events dated on or
    before it, replayed), and the month's enquiry contacts and unique households."""
    last_day = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    by_line: dict[str, Counter] = {}
    # Not filtered on created_at: history is often entered (or imported) after the fact, back-dated.
    query = select(Application).options(selectinload(Application.events)).execution_options(yield_per=1000)
    for application in db.session.scalars(query):
        state = replay(e for e in application.events if e.occurred_on <= last_day)
        if state.stage is None:
            continue
        by_line.setdefault(application.service_line_code, Counter())[f"{state.stage.value}|{state.status.value}"] += 1
    start, end = _after(month - timedelta(days=1)), _after(last_day)
    contacts, households = db.session.execute(
        select(func.count(), func.count(func.distinct(EnquiryContact.household_id)))
        .where(EnquiryContact.received_at >= start, EnquiryContact.received_at < end)).one()
    return {
        "as_at": last_day.isoformat(),
        "applications": {line: dict(sorted(counts.items())) for line, counts in sorted(by_line.items())},
        "enquiry_contacts": contacts,
        "enquiry_households": households,
    }


def _after(day: date) -> datetime:
    """Midnight at the start of the next day, in England."""
    return clock.london_time(day + timedelta(days=1))
