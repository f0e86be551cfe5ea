"""Raising, resolving and delivering escalations. Jobs decide what is due; this makes each decision count once."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

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


@dataclass(frozen=True)
class Outgoing:
    """One claimed escalation's message, read before the claim commits so sending needs no database."""

    id: int
    address: str | None
    subject: str
    body: str


def deliver_pending(limit: int = 1000) -> dict[str, int]:
    """Email each pending escalation once, MAIL_BATCH_SIZE at a time, in one transaction per batch.

    Each transaction writes the outcomes of the batch just sent and claims the next: an UPDATE moves the rows to
    SENDING with this run's claim time, and only the rows that UPDATE changed (RETURNING) are this process's, so two
    processes never send the same row. The emails go out between commits, with no transaction open. An outcome is
    written only for a row this run still holds (same claim time, still SENDING) and says what the SMTP server
    answered, so nothing unsent is ever marked sent, and a row marked sent is never claimed again.

    A process killed mid-batch leaves that batch SENDING: after MAIL_CLAIM_TIMEOUT_SECONDS it is claimed again and
    sent, so nothing is lost, but the messages of that one batch already accepted go out a second time (the same
    Message-ID, which mail clients use to show one). The batch size bounds that window; 1 gives one message."""
    counts = {status.value: 0 for status in EmailStatus}
    size = max(1, current_app.config["MAIL_BATCH_SIZE"])
    stale_before = clock.now() - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT_SECONDS"])
    outcomes: list[dict] = []
    after = 0  # each row is tried once a run: one that fails waits for the next run
    while True:
        _record_outcomes(outcomes)
        batch, claimed_at, after = _claim(min(size, limit), stale_before, after) if limit > 0 else ([], None, None)
        db.session.commit()  # the batch's one transaction: the last batch's outcomes and this batch's claim
        if after is None:
            break
        limit -= len(batch)
        outcomes = [_outcome(outgoing, claimed_at) for outgoing in batch]
        for outcome in outcomes:
            counts[outcome["status"].value] += 1
    return {name: n for name, n in counts.items() if n}


def _claimable(stale_before):
    return Escalation.resolved_at.is_(None) & (
        Escalation.email_status.in_([EmailStatus.PENDING, EmailStatus.FAILED])
        | ((Escalation.email_status == EmailStatus.SENDING) & (Escalation.email_claimed_at < stale_before)))


def _claim(size: int, stale_before, after: int) -> tuple[list[Outgoing], object, int | None]:
    """Claim up to `size` rows with ids past `after`; returns their messages, the claim time, and the last id looked
    at (None when none was left: another process may have taken every one found, then the caller looks on)."""
    candidates = list(db.session.scalars(select(Escalation.id).where(_claimable(stale_before), Escalation.id > after)
                                         .order_by(Escalation.id).limit(size)))
    if not candidates:
        return [], None, None
    claimed_at = clock.now()
    ids = list(db.session.scalars(
        update(Escalation).where(Escalation.id.in_(candidates), _claimable(stale_before))
        .values(email_status=EmailStatus.SENDING, email_claimed_at=claimed_at)
        .returning(Escalation.id).execution_options(synchronize_session=False)))
    rows = db.session.scalars(select(Escalation).where(Escalation.id.in_(ids))
                              .options(selectinload(Escalation.recipient)).order_by(Escalation.id)) if ids else []
    return [_outgoing(escalation) for escalation in rows], claimed_at, candidates[-1]


def _outgoing(escalation: Escalation) -> Outgoing:
    recipient = escalation.recipient
    return Outgoing(escalation.id, recipient.email if recipient and recipient.active else None,
                    f"Hearth: {escalation.kind.label.lower()}: {escalation.summary[:120]}", _body(escalation))


def _outcome(outgoing: Outgoing, claimed_at) -> dict:
    status, error = _send(outgoing)
    return {"b_id": outgoing.id, "b_claimed_at": claimed_at, "status": status, "email_status": status,
            "email_error": error,
            "emailed_at": clock.now() if status in (EmailStatus.SENT, EmailStatus.LOGGED) else None}


def _record_outcomes(outcomes: list[dict]) -> None:
    """One executemany UPDATE; a row whose claim this run no longer holds (timed out and claimed by another) is left
    to the process that holds it."""
    if not outcomes:
        return
    table = Escalation.__table__
    db.session.connection().execute(
        update(table).where(table.c.id == bindparam("b_id"), table.c.email_claimed_at == bindparam("b_claimed_at"),
                            table.c.email_status == EmailStatus.SENDING.value)
        .values(email_status=bindparam("email_status"), email_error=bindparam("email_error"),
                emailed_at=bindparam("emailed_at")),
        [{key: value for key, value in outcome.items() if key != "status"} for outcome in outcomes])


def _send(outgoing: Outgoing) -> tuple[EmailStatus, str | None]:
    if not outgoing.address:
        return EmailStatus.NO_ADDRESS, None
    try:
        mail.send(outgoing.address, outgoing.subject, outgoing.body, message_id=f"escalation-{outgoing.id}")
    except mail.MailNotConfigured:
        return EmailStatus.LOGGED, None
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("Escalation %s not emailed: %s", outgoing.id, error)
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
