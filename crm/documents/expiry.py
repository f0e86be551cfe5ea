"""Expiry reminders (issue 18): documents and received checks with an expiry date remind their owner 60 and 30 days
before (EXPIRY_REMINDER_DAYS), and once expired go up the check escalation ladder (CHECK_ESCALATION_LADDER, from the
expiry date), through the escalations table: each step's natural key holds the expiry date, so a step is raised
once, never twice on a re-run, and a renewal (a new expiry date) starts its own reminders. A step no longer due (the
document removed or renewed, the check's date changed, the application withdrawn) clears itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from crm.documents.models import Document, DocumentKind, ScanStatus
from crm.escalations import ladder
from crm.escalations import services as escalations
from crm.escalations.models import EscalationKind
from crm.escalations.recipients import Directory
from crm.extensions import db
from crm.formatting import long_date
from crm.funnel.stages import OPEN_STATUSES, Status
from crm.households.models import Application, Household

# Whose papers still matter: open applications, and approved carers and adopters (DBS renewal is for them).
LIVE_STATUSES = (*OPEN_STATUSES, Status.APPROVED)


@dataclass(frozen=True)
class Expiring:
    subject_type: str  # "document" or "check"
    subject_id: int
    what: str          # "Identity document", "Enhanced DBS check": never a person's name (it goes by email)
    expires_on: date
    owner_id: int | None
    household_id: int
    reference: str
    team_id: int | None


def reminder_days() -> list[int]:
    days = sorted({int(part) for part in current_app.config["EXPIRY_REMINDER_DAYS"].split(",") if part.strip()},
                  reverse=True)
    if not days or days[-1] <= 0:
        raise ValueError("EXPIRY_REMINDER_DAYS: positive whole numbers of days, such as 60,30")
    return days


def expiry_dues(today: date) -> list[escalations.Due]:
    """Every expiry step due today: the latest reminder before the expiry date, or the ladder's rungs after it."""
    days, rungs = reminder_days(), ladder.parse(current_app.config["CHECK_ESCALATION_LADDER"])
    horizon = today + timedelta(days=days[0])
    people = Directory()
    dues = []
    for item in [*expiring_documents(horizon), *expiring_checks(horizon)]:
        owner = item.owner_id if people.is_active(item.owner_id) else None
        team = people.team_of(owner) or item.team_id
        prefix = item.expires_on.strftime("%Y%m%d")
        if item.expires_on > today:
            reminder = min(d for d in days if item.expires_on - timedelta(days=d) <= today)
            summary = (f"{item.what} for household {item.reference} expires on {long_date(item.expires_on)} "
                       f"({reminder} days' notice)")
            dues += [escalations.Due(EscalationKind.EXPIRY, item.subject_type, item.subject_id,
                                     f"{prefix}:{reminder}_days", recipient, item.household_id, summary,
                                     item.expires_on - timedelta(days=reminder))
                     for recipient in people.worker_or_managers(owner, team)]
            continue
        summary = f"{item.what} for household {item.reference} expired on {long_date(item.expires_on)}"
        for rung in rungs:
            fires = ladder.fires_on(item.expires_on, rung.working_days)
            if fires > today:
                break
            recipients = {"owner": people.worker_or_managers(owner, team), "team_manager": people.team_managers(team),
                          "service_manager": people.service_managers()}[rung.step]
            dues += [escalations.Due(EscalationKind.EXPIRY, item.subject_type, item.subject_id,
                                     f"{prefix}:expired:{rung.step}", recipient, item.household_id, summary, fires)
                     for recipient in recipients]
    return dues


def _live_household():
    live = select(Application.id).where(Application.household_id == Household.id,
                                        Application.status.in_(LIVE_STATUSES)).correlate(Household)
    return and_(Household.anonymised_at.is_(None), live.exists())


def expiring_documents(horizon: date) -> list[Expiring]:
    """Live documents expiring by `horizon`, unless a newer one of the same kind for the same person replaced them."""
    newer = aliased(Document)
    replaced = exists().where(
        newer.household_id == Document.household_id, newer.kind == Document.kind, newer.id != Document.id,
        or_(newer.person_id == Document.person_id, and_(newer.person_id.is_(None), Document.person_id.is_(None))),
        newer.deleted_at.is_(None), newer.scan_status != ScanStatus.INFECTED, newer.uploaded_at >= Document.uploaded_at,
        or_(newer.expires_on.is_(None), newer.expires_on > Document.expires_on))
    rows = db.session.execute(
        select(Document.id, Document.kind, Document.expires_on, Household.allocated_worker_id, Household.id,
               Household.reference, Household.team_id)
        .join(Household, Household.id == Document.household_id)
        .where(Document.deleted_at.is_(None), Document.expires_on.is_not(None), Document.expires_on <= horizon,
               Document.scan_status != ScanStatus.INFECTED, ~replaced, _live_household())
        .order_by(Document.id)).all()
    return [Expiring("document", doc_id, DocumentKind(kind).label, expires_on, worker, household_id, reference, team)
            for doc_id, kind, expires_on, worker, household_id, reference, team in rows]


def expiring_checks(horizon: date) -> list[Expiring]:
    from crm.checks.models import CheckInstance, CheckType  # the checks area owns the model

    rows = db.session.execute(
        select(CheckInstance.id, CheckType.name, CheckInstance.expires_on, CheckInstance.owner_id,
               Household.allocated_worker_id, Household.id, Household.reference, Household.team_id)
        .join(CheckType, CheckType.id == CheckInstance.check_type_id)
        .join(Application, Application.id == CheckInstance.application_id)
        .join(Household, Household.id == Application.household_id)
        .where(CheckInstance.expires_on.is_not(None), CheckInstance.expires_on <= horizon,
               CheckInstance.received_on.is_not(None), CheckInstance.withdrawn_at.is_(None),
               Application.status.in_(LIVE_STATUSES), Household.anonymised_at.is_(None))
        .order_by(CheckInstance.id)).all()
    return [Expiring("check", check_id, name, expires_on, owner or worker, household_id, reference, team)
            for check_id, name, expires_on, owner, worker, household_id, reference, team in rows]
