"""Running one job: recorded in job_runs, under a PostgreSQL advisory lock so that two scheduler processes
never run the same job at once (the escalations' unique keys would keep them correct anyway)."""
from __future__ import annotations

import os
import socket
import traceback
import zlib
from contextlib import contextmanager
from datetime import date

from flask import current_app
from sqlalchemy import text

from crm import clock
from crm.escalations.models import JobRun, JobRunStatus
from crm.extensions import Database, db


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


def run_job(job_id: str, today: date | None = None) -> JobRun:
    """Run the job now, as if on `today`; the JobRun row says what it did (or why it failed or was skipped)."""
    from jobs.scheduler import JOBS_BY_ID

    job = JOBS_BY_ID[job_id]
    today = today or clock.today()
    with job_lock(job_id) as acquired:
        run = JobRun(job_id=job_id, run_for=today, host=socket.gethostname()[:255], pid=os.getpid(),
                     status=JobRunStatus.RUNNING if acquired else JobRunStatus.SKIPPED)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        if not acquired:
            run.finished_at, run.counts = clock.now(), {"skipped": "another process is running this job"}
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
