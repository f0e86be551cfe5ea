"""Figures as they stood (SPEC section 5: "a month that has been snapshotted can also be shown as it stood").

The month-end job (jobs/snapshot.py) keeps, beside its tracking figures, the JSON of the snapshot report at the
month's last day and of the month's activity report. A month shown as it stood is rebuilt from that JSON, so it
reads as it was reported whatever has been recorded, back-dated or undone since.
"""
from __future__ import annotations

from datetime import date, timedelta

from crm.escalations.models import MonthlySnapshot
from crm.extensions import db
from crm.formatting import month_name
from crm.reports.base import Report, ReportParams
from crm.reports.families import activity, snapshot

KEPT = ("snapshot", "activity")


class NotKept(LookupError):
    """No figures were kept for what was asked: the message says why, for the page to show."""


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def reports_at(month: date) -> dict[str, dict]:
    """What the month-end job keeps for `month` (its first day): each kept report's JSON, unsplit."""
    last = month_end(month)
    return {"snapshot": snapshot.compute(ReportParams(month, last, at=last)).as_json(),
            "activity": activity.compute(ReportParams(month, last)).as_json()}


def kept_month(name: str, params: ReportParams) -> date | None:
    """The month whose kept figures the filter asks for: the snapshot at a month's last day, or the activity of
    exactly one calendar month; None otherwise."""
    if name == "snapshot" and params.at and params.at == month_end(params.at):
        return params.at.replace(day=1)
    if name == "activity" and params.date_from.day == 1 and params.date_to == month_end(params.date_from):
        return params.date_from
    return None


def taken(name: str, params: ReportParams) -> MonthlySnapshot | None:
    """The month-end snapshot holding this report's figures for the filter, if one was taken."""
    month = kept_month(name, params)
    kept = db.session.get(MonthlySnapshot, month) if month else None
    return kept if kept is not None and name in (kept.figures or {}).get("reports", {}) else None


def as_stood(name: str, params: ReportParams) -> tuple[Report, MonthlySnapshot]:
    """The report as the month-end job kept it, and the snapshot it came from; NotKept (with why) otherwise."""
    if name not in KEPT:
        raise NotKept("Figures as they stood are kept for the snapshot and activity reports only")
    if params.by:
        raise NotKept("Figures as they stood are kept without a split: choose No split")
    if kept_month(name, params) is None:
        raise NotKept("Figures as they stood are kept for month ends: choose a snapshot date that is the last day "
                      "of a month" if name == "snapshot" else "Figures as they stood are kept for calendar months: "
                      "choose a period from the first to the last day of one month")
    kept = taken(name, params)
    if kept is None:
        month = kept_month(name, params)
        raise NotKept(f"No month-end snapshot with these figures was taken for {month_name(month)}")
    body = kept.figures["reports"][name]
    return _rebuilt(name, body), kept


def _rebuilt(name: str, body: dict) -> Report:
    """The report from its kept JSON: the same figures, and the tables the module makes of them."""
    params, figures = ReportParams.from_json(body), body["figures"]
    tables = snapshot.tables(figures) if name == "snapshot" else activity.tables(figures, {})
    return Report(name, params, figures, tables)
