"""Escalations, job runs and month-end snapshots.

An escalation's natural key (kind, subject, step, recipient) is unique in the database: however many times,
or by however many processes, a job decides the same thing is due, one row exists and one email goes out.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum


class EscalationKind(StrEnum):
    CHECK_OVERDUE = "check_overdue"
    STAGE_TIMESCALE = "stage_timescale"
    BREAK_RUNNING_OUT = "break_running_out"
    FIRST_RESPONSE = "first_response"
    APPROVED_WAITING = "approved_waiting"
    EXPIRY = "expiry"                # a document or check expiring (60 and 30 days before) or expired
    VIRUS_FOUND = "virus_found"      # an upload held a virus and was deleted

    @property
    def label(self) -> str:
        return {"check_overdue": "Check overdue", "stage_timescale": "Stage timescale",
                "break_running_out": "Break between stages", "first_response": "No first response",
                "approved_waiting": "Approved and waiting",
                "expiry": "Expiry", "virus_found": "Virus found in an upload"}[self.value]


class EmailStatus(StrEnum):
    PENDING = "pending"    # to be sent
    SENDING = "sending"    # claimed by one process, which is sending it now
    SENT = "sent"
    LOGGED = "logged"      # no SMTP server configured: written to the log instead
    FAILED = "failed"      # the SMTP server refused it; retried by the next delivery run
    NO_ADDRESS = "no_address"


class JobRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"    # another process held the job's lock


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_id_started_at", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60))
    run_for: Mapped[date]  # the day the job ran as (today, or --today)
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]
    status: Mapped[JobRunStatus] = mapped_column(str_enum(JobRunStatus, "job_run_status"), default=JobRunStatus.RUNNING)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("kind", "subject_type", "subject_id", "step", "recipient_id",
                         name="uq_escalations_natural_key"),
        # Each person's open escalations (their work queue), and the delivery queue.
        Index("ix_escalations_recipient_open", "recipient_id", "resolved_at"),
        Index("ix_escalations_email_status", "email_status"),
        Index("ix_escalations_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    kind: Mapped[EscalationKind] = mapped_column(str_enum(EscalationKind, "escalation_kind"))
    subject_type: Mapped[str] = mapped_column(String(30))  # check, application, enquiry_contact, document
    subject_id: Mapped[int] = mapped_column(BigInteger)
    step: Mapped[str] = mapped_column(String(40))  # owner / team_manager / service_manager; amber / red
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    summary: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date]  # the day this step fell due
    raised_at: Mapped[datetime] = mapped_column(default=clock.now)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(200))
    email_status: Mapped[EmailStatus] = mapped_column(str_enum(EmailStatus, "email_status"), default=EmailStatus.PENDING)
    email_claimed_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(Text)

    recipient = relationship("User")
    household = relationship("Household")


class MonthlySnapshot(Base):
    """The tracking figures as they stood at the end of a month, so past months stay reproducible."""

    __tablename__ = "monthly_snapshots"

    month: Mapped[date] = mapped_column(primary_key=True)  # the first day of the month
    taken_at: Mapped[datetime] = mapped_column(default=clock.now)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
