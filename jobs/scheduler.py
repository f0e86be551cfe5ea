"""The scheduled jobs (SPEC section 4) and the APScheduler 3 set-up that runs them.

`crm scheduler` runs them in a process of its own (production); `make run` starts them inside the web
process for the embedded default. Each job is idempotent and exactly-once through the database (unique
escalation keys, claimed deliveries, a run record, and an advisory lock on PostgreSQL), so a second
scheduler, a re-run, or a run after a crash is safe.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from crm import clock
from crm.clock import LONDON
from jobs import attribution, documents, references, retention, rules, snapshot


def _new_adult_checks(today, run_id=None) -> dict:
    from crm.checks.services import add_checks_for_new_adults
    from crm.extensions import db

    created = add_checks_for_new_adults(today)
    db.session.commit()
    return {"created": created}


@dataclass(frozen=True)
class Job:
    id: str  # stable: the run records and the advisory lock are keyed on it
    func: Callable
    trigger: dict = field(default_factory=dict)  # CronTrigger fields, Europe/London
    description: str = ""


JOBS: list[Job] = [
    Job("new_adult_checks", _new_adult_checks, {"hour": 6, "minute": 30},
        "Adult checks for people who turned 18 while their application is open"),
    Job("referee_links", references.referee_links, {"hour": 6, "minute": 45},
        "Reference request links for named referees whose check was requested; one reminder after 14 days"),
    Job("check_escalations", rules.check_escalations, {"hour": 7, "minute": 0},
        "Overdue checks up the escalation ladder"),
    Job("stage_timescales", rules.stage_timescales, {"hour": 7, "minute": 10},
        "Stages at risk of their timescale; breaks between stages running out"),
    Job("approved_waiting", rules.approved_waiting, {"hour": 7, "minute": 20},
        "Approved households waiting too long for a match or placement"),
    Job("first_responses", rules.first_responses, {"minute": 5},
        "Enquiries with no first response in time (hourly)"),
    Job("expiry_reminders", documents.expiry_reminders, {"hour": 7, "minute": 30},
        "Documents and checks expiring in 60 and 30 days, or expired, up the escalation ladder"),
    Job("document_scans", documents.document_scans, {"minute": "*/5"},
        "Virus scans of held uploads the upload itself could not finish (HEARTH_CLAMDSCAN)"),
    Job("deliver_email", rules.deliver_email, {"minute": "*/10"},
        "Retry escalation email that could not be sent"),
    Job("month_end_snapshot", snapshot.month_end_snapshot, {"hour": 0, "minute": 30},
        "The tracking figures as they stood at the end of last month (taken once)"),
    Job("attribution_nightly", attribution.attribution_nightly, {"hour": 2, "minute": 15},
        "Attribution credits of every ROI and approval, by every model (after 2am: clear of the clock changes)"),
    Job("retention_nightly", retention.retention_nightly, {"hour": 3, "minute": 30},
        "Anonymise the households due under the retention rules (crm.dataprotection.retention)"),
]
JOBS_BY_ID = {job.id: job for job in JOBS}


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add every job: coalesce missed runs into one, one instance of a job at a time, and a long misfire
    grace. The job store is in memory, so a scheduler (re)started after a job was due knows nothing of it:
    each job whose last due time has no run since (job_runs, shared by every scheduler) runs once at start."""
    scheduler.configure(timezone=LONDON, job_defaults={"coalesce": True, "max_instances": 1,
                                                       "misfire_grace_time": 6 * 3600})
    for job in JOBS:
        scheduler.add_job(_in_app_context, CronTrigger(timezone=LONDON, **job.trigger), args=[app, job.id],
                          id=job.id, name=job.description, replace_existing=True)
    # Background imports queued by the import page: each claimed by exactly one worker (crm/transfer/runs.py).
    scheduler.add_job(_import_worker, IntervalTrigger(seconds=IMPORT_POLL_SECONDS), args=[app], id=IMPORT_WORKER,
                      name="Background imports from the import page", replace_existing=True)
    with app.app_context():
        now = clock.now()
        missed = missed_jobs(now)
    for job_id in missed:
        scheduler.add_job(_in_app_context, DateTrigger(run_date=now, timezone=LONDON), args=[app, job_id],
                          id=f"{CATCH_UP}{job_id}", name=f"Catch up: {JOBS_BY_ID[job_id].description}",
                          replace_existing=True)
    return scheduler


CATCH_UP = "catch-up:"
# How far back a start looks for a missed run: every job runs at least daily.
CATCH_UP_WINDOW = timedelta(hours=25)


def last_due(job: Job, now: datetime) -> datetime | None:
    """When the job was last due at or before `now` (looking back a day and an hour), on London's clock."""
    trigger = CronTrigger(timezone=LONDON, **job.trigger)
    due, at = None, trigger.get_next_fire_time(None, now - CATCH_UP_WINDOW)
    while at is not None and at <= now:
        due, at = at, trigger.get_next_fire_time(at, at + timedelta(seconds=1))
    return due


def missed_jobs(now: datetime) -> list[str]:
    """The jobs, in schedule order, last due before `now` with no run started since (a failed run counts as
    none: it is tried again)."""
    from sqlalchemy import func, select

    from crm.escalations.models import JobRun, JobRunStatus
    from crm.extensions import db

    latest = dict(db.session.execute(
        select(JobRun.job_id, func.max(JobRun.started_at))
        .where(JobRun.status != JobRunStatus.FAILED, JobRun.started_at >= now - CATCH_UP_WINDOW)
        .group_by(JobRun.job_id)).all())
    missed = []
    for job in JOBS:
        due = last_due(job, now)
        if due is not None and (job.id not in latest or latest[job.id] < due):
            missed.append(job.id)
    return missed


IMPORT_WORKER = "import_runs"
IMPORT_POLL_SECONDS = 3


def _import_worker(app: Flask) -> None:
    from crm.transfer.runs import work

    with app.app_context():
        ran = work()
        if ran:
            app.logger.info("Background imports run: %s", ran)


def _in_app_context(app: Flask, job_id: str) -> None:
    from jobs.runner import run_job

    with app.app_context():
        # Due when it last fell due by its schedule (a catch-up at start: the due time it missed).
        run = run_job(job_id, due=last_due(JOBS_BY_ID[job_id], clock.now()))
        app.logger.info("Job %s: %s %s", job_id, run.status.value, run.counts or run.error or "")
