"""Raising, resolving and delivering escalations. Jobs decide what is due; this makes each decision count once."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crm import clock
from crm.escalations.models import EmailStatus, Escalation, EscalationKind
from crm.extensions import db
from crm.formatting import long_date
from crm import mail


@dataclass(frozen=True)
class Due:
    """One escalation a job found due: what, about which subject, which step, for whom."""

    kind: EscalationKind
    subject_type: str
    subject_id: int
    step: str
    recipient_id: int
    household_id: int | None
    summary: str
    due_on: date


def raise_all(dues: list[Due], *, run_id: int | None) -> int:
    """Insert the escalations not raised before; returns how many are new. The unique natural key, not a
    prior SELECT, decides, so two processes raising the same escalation at once still make one row."""
    if not dues:
        return 0
    rows = [{"kind": d.kind.value, "subject_type": d.subject_type, "subject_id": d.subject_id, "step": d.step,
             "recipient_id": d.recipient_id, "household_id": d.household_id, "summary": d.summary[:500],
             "due_on": d.due_on, "raised_at": clock.now(), "run_id": run_id,
             "email_status": EmailStatus.PENDING.value} for d in dues]
    dialect = postgresql if db.session.bind.dialect.name == "postgresql" else sqlite
    table = Escalation.__table__
    statement = (dialect.insert(table)
                 .on_conflict_do_nothing(index_elements=["kind", "subject_type", "subject_id", "step", "recipient_id"])
                 .returning(table.c.id))  # only the rows actually inserted come back
    connection = db.session.connection()
    return sum(len(connection.execute(statement, rows[start:start + 500]).all()) for start in range(0, len(rows), 500))


def resolve(kind: EscalationKind, subject_type: str, subject_ids, reason: str) -> int:
    """Clear the open escalations of these subjects: someone acted, or the subject moved on."""
    ids = list(subject_ids)
    if not ids:
        return 0
    result = db.session.execute(
        update(Escalation)
        .where(Escalation.kind == kind, Escalation.subject_type == subject_type,
               Escalation.subject_id.in_(ids), Escalation.resolved_at.is_(None))
        .values(resolved_at=clock.now(), resolution=reason[:200]))
    return result.rowcount or 0


def resolve_for_subject(subject_type: str, subject_id: int, reason: str) -> int:
    """Every open escalation about one subject (a check chased or received); the caller commits."""
    result = db.session.execute(
        update(Escalation)
        .where(Escalation.subject_type == subject_type, Escalation.subject_id == subject_id,
               Escalation.resolved_at.is_(None))
        .values(resolved_at=clock.now(), resolution=reason[:200]))
    return result.rowcount or 0


def resolve_missing(kind: EscalationKind, subject_type: str, still_due: set[tuple[int, str]], reason: str) -> int:
    """Clear open escalations of this kind whose (subject, step) the job no longer finds due."""
    open_rows = db.session.execute(
        select(Escalation.id, Escalation.subject_id, Escalation.step)
        .where(Escalation.kind == kind, Escalation.subject_type == subject_type, Escalation.resolved_at.is_(None))
    ).all()
    stale = [row.id for row in open_rows if (row.subject_id, row.step) not in still_due]
    for start in range(0, len(stale), 500):
        db.session.execute(update(Escalation).where(Escalation.id.in_(stale[start:start + 500]))
                           .values(resolved_at=clock.now(), resolution=reason[:200]))
    return len(stale)


def deliver_pending(limit: int = 1000) -> dict[str, int]:
    """Email each pending escalation once. Each one is claimed in its own committed UPDATE first (only the
    process whose UPDATE changed the row sends it), then marked sent in another commit. A process killed
    between the two leaves it claimed; after MAIL_CLAIM_TIMEOUT_SECONDS it is tried again."""
    counts = {status.value: 0 for status in EmailStatus}
    stale_before = clock.now() - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT_SECONDS"])
    candidates = db.session.scalars(
        select(Escalation.id)
        .where(Escalation.resolved_at.is_(None),
               (Escalation.email_status.in_([EmailStatus.PENDING, EmailStatus.FAILED]))
               | ((Escalation.email_status == EmailStatus.SENDING) & (Escalation.email_claimed_at < stale_before)))
        .order_by(Escalation.id).limit(limit)).all()
    db.session.commit()
    for escalation_id in candidates:
        status = _deliver_one(escalation_id, stale_before)
        if status is not None:
            counts[status.value] += 1
    return {name: n for name, n in counts.items() if n}


def _deliver_one(escalation_id: int, stale_before) -> EmailStatus | None:
    claimed = db.session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.resolved_at.is_(None),
               (Escalation.email_status.in_([EmailStatus.PENDING, EmailStatus.FAILED]))
               | ((Escalation.email_status == EmailStatus.SENDING) & (Escalation.email_claimed_at < stale_before)))
        .values(email_status=EmailStatus.SENDING, email_claimed_at=clock.now())).rowcount
    db.session.commit()
    if claimed != 1:
        return None  # another process has it, or someone resolved it meanwhile
    escalation = db.session.get(Escalation, escalation_id)
    recipient = escalation.recipient
    status, error = _send(escalation, recipient.email if recipient and recipient.active else None)
    escalation.email_status, escalation.email_error = status, error
    escalation.emailed_at = clock.now() if status in (EmailStatus.SENT, EmailStatus.LOGGED) else None
    db.session.commit()
    return status


def _send(escalation: Escalation, address: str | None) -> tuple[EmailStatus, str | None]:
    if not address:
        return EmailStatus.NO_ADDRESS, None
    try:
        mail.send(address, f"Hearth: {escalation.kind.label.lower()}: {escalation.summary[:120]}", _body(escalation))
    except mail.MailNotConfigured:
        return EmailStatus.LOGGED, None
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("Escalation %s not emailed: %s", escalation.id, error)
        return EmailStatus.FAILED, str(error)[:1000]
    return EmailStatus.SENT, None


def _body(escalation: Escalation) -> str:
    return (f"{escalation.summary}\n\n"
            f"Due since {long_date(escalation.due_on)}. It is in your escalations in Hearth and clears itself "
            "when someone acts on it.\n\n"
            "This message names no one outside Hearth; open Hearth to see the details.\n")


def escalation_counts(user_id: int) -> dict[EscalationKind, int]:
    """A person's open escalations by kind, for their home page."""
    rows = db.session.execute(
        select(Escalation.kind, func.count()).where(Escalation.recipient_id == user_id, Escalation.resolved_at.is_(None))
        .group_by(Escalation.kind)).all()
    return {EscalationKind(kind): count for kind, count in rows}
