"""Setting, changing and removing yearly targets: the rules live here, each change is audited, the caller commits."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.audit.services import record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.formatting import number
from crm.households.models import SHORT_NAMES, ServiceLine
from crm.targets.models import ReportTarget, TargetMeasure

MAX_TARGET = 1_000_000  # beyond any service's year: a typing slip


def year_label(year_start: date) -> str:
    """'2026-27' for the financial year from 1 April 2026."""
    return f"{year_start.year}-{(year_start.year + 1) % 100:02d}"


def scope_label(service_line_code: str | None) -> str:
    return SHORT_NAMES.get(service_line_code, service_line_code) if service_line_code else "All service lines"


def targets_for_year(year_start: date) -> list[ReportTarget]:
    """The year's targets, in measure order, the whole service's before each service line's."""
    rows = db.session.scalars(select(ReportTarget).where(ReportTarget.year_start == year_start)).all()
    order = list(TargetMeasure)
    return sorted(rows, key=lambda row: (order.index(row.measure), row.service_line_code or ""))


def set_target(year_start: date, measure: str, service_line_code: str | None, target: int, *,
               actor) -> ReportTarget:
    """A new target for the year, measure and service line (None: the whole service); refused if one is set."""
    measure = _measure(measure)
    _check_year(year_start)
    _check_service_line(service_line_code)
    _check_value(target)
    if _existing(year_start, measure, service_line_code):
        raise DomainError(f"The {measure.label.lower()} target for {scope_label(service_line_code).lower()} in "
                          f"{year_label(year_start)} is already set: change it in the table", "measure")
    row = ReportTarget(year_start=year_start, measure=measure, service_line_code=service_line_code or None,
                       target=target, set_by_id=getattr(actor, "id", None), set_at=clock.now())
    _store(row)
    _audit("set_report_target", row, actor, {"target": target})
    return row


def change_target(row: ReportTarget, target: int, *, actor) -> ReportTarget:
    """A new value for a target already set; who changed it and when replace who set it."""
    _check_value(target)
    before = row.target
    row.target, row.set_by_id, row.set_at = target, getattr(actor, "id", None), clock.now()
    db.session.flush()
    _audit("changed_report_target", row, actor, {"from": before, "to": target})
    return row


def remove_target(row: ReportTarget, *, actor) -> None:
    _audit("removed_report_target", row, actor, {"target": row.target})
    db.session.delete(row)
    db.session.flush()


def _measure(value: str) -> TargetMeasure:
    try:
        return TargetMeasure(value)
    except ValueError:
        raise DomainError("Choose a measure from the list", "measure") from None


def _check_year(year_start: date) -> None:
    if not isinstance(year_start, date) or (year_start.month, year_start.day) != (4, 1):
        raise DomainError("A financial year starts on 1 April: give the year it starts in, like 2026", "year")


def _check_service_line(code: str | None) -> None:
    if code and db.session.get(ServiceLine, code) is None:
        raise DomainError("Choose a service line from the list, or all service lines", "service_line")


def _check_value(target) -> None:
    if isinstance(target, bool) or not isinstance(target, int) or not 0 < target <= MAX_TARGET:
        raise DomainError(f"The target must be a whole number from 1 to {number(MAX_TARGET)}", "target")


def _existing(year_start: date, measure: TargetMeasure, code: str | None) -> ReportTarget | None:
    line = ReportTarget.service_line_code.is_(None) if not code else ReportTarget.service_line_code == code
    return db.session.scalar(select(ReportTarget).where(ReportTarget.year_start == year_start,
                                                        ReportTarget.measure == measure, line))


def _store(row: ReportTarget) -> None:
    """Add the row; a twin stored by someone else a moment ago is refused like one found before."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise DomainError("That target was set by someone else a moment ago: change it in the table",
                          "measure") from None


def _audit(action: str, row: ReportTarget, actor, detail: dict) -> None:
    record_event(db.session, action, actor=actor, object_type="report_target", object_id=row.id,
                 detail={"year": year_label(row.year_start), "measure": row.measure.value,
                         "service_line": row.service_line_code, **detail})
