"""`crm scheduler` (the scheduler process) and `crm jobs run-once|list`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

jobs_group = AppGroup("jobs", help="The scheduled jobs: list them, or run one now.")


@jobs_group.command("list")
def list_jobs():
    """Every job, its schedule (Europe/London) and what it does."""
    from jobs.scheduler import JOBS

    for job in JOBS:
        schedule = " ".join(f"{k}={v}" for k, v in job.trigger.items())
        click.echo(f"{job.id:22} {schedule:22} {job.description}")


@jobs_group.command("run-once")
@click.argument("job_id", required=False)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Run as if today were this date.")
def run_once(job_id, today):
    """Run JOB (default: every job, in schedule order) now, as if on --today."""
    from jobs.runner import run_job
    from jobs.scheduler import JOBS, JOBS_BY_ID

    if job_id and job_id not in JOBS_BY_ID:
        raise click.BadParameter(f"no job '{job_id}'; one of: {', '.join(JOBS_BY_ID)}", param_hint="JOB")
    failed = False
    for job in [JOBS_BY_ID[job_id]] if job_id else JOBS:
        run = run_job(job.id, today.date() if today else None)
        click.echo(f"{job.id}: {run.status.value} {run.counts or ''}")
        if run.error:
            click.echo(run.error, err=True)
            failed = True
    if failed:
        raise SystemExit(1)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduled jobs in this process until stopped (production: one or more of these)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from jobs.scheduler import configure

    scheduler = configure(BlockingScheduler(), current_app._get_current_object())
    click.echo(f"Scheduler started with {len(scheduler.get_jobs())} jobs; Ctrl+C stops it.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
