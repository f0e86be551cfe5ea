"""Running one job: recorded in job_runs, under a PostgreSQL advisory lock so that two scheduler processes
never run the same job at once (the escalations' unique keys would keep them correct anyway)."""
from __future__ import annotations

import os
import socket
import traceback
import zlib
from contextlib import contextmanager
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, text

from crm import clock
from crm.escalations.models import JobRun, JobRunStatus
from crm.extensions import Database, db


def _ran_since(job_id: str, due: datetime) -> bool:
    """A run of the job (not a skip, not a failure: a failed one is tried again) started at or after `due`."""
    return db.session.scalar(
        select(JobRun.id).where(JobRun.job_id == job_id, JobRun.started_at >= due,
                                JobRun.status.in_([JobRunStatus.RUNNING, JobRunStatus.SUCCEEDED])).limit(1)) is not None


@contextmanager
def job_lock(job_id: str):
    """Yields whether this process holds the job's lock. PostgreSQL: a session advisory lock on a connection
    of its own, released however the job ends. SQLite (one host, the embedded default): always True."""
    engine = Database.state(current_app).engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(f"hearth-job:{job_id}".encode())
    with engine.connect() as connection:
        acquired = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one()
        connection.commit()
        try:
            yield acquired
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


def run_job(job_id: str, today: date | None = None, *, due: datetime | None = None) -> JobRun:
    """Run the job now, as if on `today`; the JobRun row says what it did (or why it failed or was skipped).

    `due` (a scheduler's run): the time the job fell due. Every scheduler process (one per host) fires at that
    time; the first to take the lock runs the job, and one that takes it after a run has already started since
    `due` records a skip, so each due time is run once however many schedulers there are."""
    from jobs.scheduler import JOBS_BY_ID

    job = JOBS_BY_ID[job_id]
    today = today or clock.today()
    with job_lock(job_id) as acquired:
        skipped = None if acquired else "another process is running this job"
        if skipped is None and due is not None and _ran_since(job_id, due):
            skipped = "already run since it was due"
        run = JobRun(job_id=job_id, run_for=today, host=socket.gethostname()[:255], pid=os.getpid(),
                     status=JobRunStatus.SKIPPED if skipped else JobRunStatus.RUNNING)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        if skipped:
            run.finished_at, run.counts = clock.now(), {"skipped": skipped}
            db.session.commit()
            return run
        try:
            counts = job.func(today, run_id)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Job %s failed", job_id)
            run = db.session.get(JobRun, run_id)
            run.status, run.finished_at, run.error = JobRunStatus.FAILED, clock.now(), traceback.format_exc()[-4000:]
            db.session.commit()
            return run
        run = db.session.get(JobRun, run_id)
        run.status, run.finished_at, run.counts = JobRunStatus.SUCCEEDED, clock.now(), counts
        db.session.commit()
        return run
