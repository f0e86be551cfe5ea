"""The JOBS list in APScheduler, the CLI around it, and the month-end snapshot taken once."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from crm.enquiries.models import ContactMethod, EnquiryContact
from crm import clock
from crm.escalations.models import JobRun, JobRunStatus, MonthlySnapshot
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from jobs.scheduler import CATCH_UP, IMPORT_WORKER, JOBS, configure, missed_jobs
from jobs.snapshot import month_end_snapshot
from tests.factories import HouseholdFactory


def test_every_job_is_scheduled_once_with_coalescing_and_a_long_grace(app):
    scheduler = configure(BackgroundScheduler(), app)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler takes the jobs
    try:
        scheduled = {job.id: job for job in scheduler.get_jobs() if not job.id.startswith(CATCH_UP)}
        assert scheduler.get_job(IMPORT_WORKER).trigger.interval.total_seconds() == 3  # background imports
        scheduled.pop(IMPORT_WORKER)
        assert sorted(scheduled) == sorted(job.id for job in JOBS)
        for job in scheduled.values():
            assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 6 * 3600
            assert str(job.trigger.timezone) == "Europe/London" and job.next_run_time is not None
    finally:
        scheduler.shutdown(wait=False)


def test_the_cli_lists_jobs_and_refuses_an_unknown_one(runner):
    listed = runner.invoke(args=["jobs", "list"])
    assert all(job.id in listed.output for job in JOBS)
    unknown = runner.invoke(args=["jobs", "run-once", "make_tea"])
    assert unknown.exit_code != 0 and "no job 'make_tea'" in unknown.output


def test_the_month_end_snapshot_is_taken_once_as_the_month_stood(app_context, db_session):
    household = HouseholdFactory()
    application = funnel.open_application(household, "adoption", date(2026, 9, 10), actor=None, today=date(2026, 9, 10))
    funnel.advance(application, Stage.INFORMATION_EVENT, date(2026, 10, 5), actor=None, today=date(2026, 10, 5))
    funnel.advance(application, Stage.INITIAL_VISIT, date(2026, 11, 2), actor=None, today=date(2026, 11, 2))
    for day in (3, 20):
        db_session.add(EnquiryContact(household=household, method=ContactMethod.PHONE,
                                      received_at=datetime(2026, 10, day, 10, tzinfo=timezone.utc)))
    db_session.flush()
    assert month_end_snapshot(date(2026, 11, 1)) == {"month": "2026-10-01", "taken": 1}
    assert month_end_snapshot(date(2026, 11, 2)) == {"month": "2026-10-01", "taken": 0}
    figures = dict(db_session.get(MonthlySnapshot, date(2026, 10, 1)).figures)
    # The month's snapshot and activity reports, kept to be shown as they stood (tests/reports/test_report_pages.py).
    reports = figures.pop("reports")
    assert reports["activity"]["figures"]["enquiry_contacts"] == 2 and reports["snapshot"]["at"] == "2026-10-31"
    # As at 31 October: at the information event stage (the November visit is after the month's end).
    assert figures == {"as_at": "2026-10-31", "applications": {"adoption": {"information_event|active": 1}},
                       "enquiry_contacts": 2, "enquiry_households": 1}


def ran(db_session, job_id: str, at: datetime, status: JobRunStatus = JobRunStatus.SUCCEEDED) -> None:
    db_session.add(JobRun(job_id=job_id, run_for=clock.london_date(at), started_at=at, finished_at=at, status=status,
                          host="scheduler-1", pid=1))
    db_session.flush()


def test_a_scheduler_started_after_a_job_was_due_runs_it_once_at_start(app_context, db_session):
    """Finding 14: restarted at 07:04, the day's 07:00 escalations waited until the next day."""
    day = date(2026, 12, 3)
    at = lambda hour, minute: clock.london_time(day, time(hour, minute))  # noqa: E731
    # Everything ran on time up to the restart, except what was due while the scheduler was down (06:58 to 07:04).
    for job_id, when in [("new_adult_checks", at(6, 30)), ("referee_links", at(6, 45)), ("first_responses", at(6, 5)),
                         ("deliver_email", at(6, 50)), ("month_end_snapshot", at(0, 30)),
                         ("attribution_nightly", at(2, 15)), ("retention_nightly", at(3, 30)),
                         ("stage_timescales", at(7, 10) - timedelta(days=1)),
                         ("approved_waiting", at(7, 20) - timedelta(days=1)),
                         ("expiry_reminders", at(7, 30) - timedelta(days=1)), ("document_scans", at(7, 4))]:
        ran(db_session, job_id, when)
    ran(db_session, "check_escalations", at(7, 0) - timedelta(days=1))
    ran(db_session, "check_escalations", at(6, 59), JobRunStatus.FAILED)  # a failed run is no run: tried again
    assert missed_jobs(at(7, 4)) == ["check_escalations", "deliver_email"]  # deliver_email was due at 07:00 too
    # Once they have run, a second start (or a second scheduler) finds nothing to catch up.
    ran(db_session, "check_escalations", at(7, 4))
    ran(db_session, "deliver_email", at(7, 4))
    assert missed_jobs(at(7, 4) + timedelta(seconds=30)) == []
    # Started later, the 07:10 and 07:20 jobs have been missed as well; the hourly one at 08:05.
    assert missed_jobs(at(8, 6)) == ["stage_timescales", "approved_waiting", "first_responses", "expiry_reminders",
                                     "document_scans", "deliver_email"]


def test_catch_up_runs_are_added_for_the_missed_jobs_only(app, travel):
    travel(clock.london_time(date(2026, 12, 3), time(7, 4)), tick=False)
    scheduler = configure(BackgroundScheduler(), app)  # the suite's database holds no job runs: all were missed
    scheduler.start(paused=True)
    try:
        catch_up = sorted(job.id for job in scheduler.get_jobs() if job.id.startswith(CATCH_UP))
        assert catch_up == sorted(f"{CATCH_UP}{job.id}" for job in JOBS)
    finally:
        scheduler.shutdown(wait=False)


def test_a_second_scheduler_firing_for_the_same_due_time_records_a_skip(app_context, db_session, travel):
    """Every host's scheduler fires at 07:00: the job runs once; the next due time runs again; a failure is retried."""
    from jobs.runner import run_job
    day = date(2026, 12, 3)
    due = clock.london_time(day, time(7, 0))
    travel(due + timedelta(seconds=1))
    assert run_job("check_escalations", due=due).status == JobRunStatus.SUCCEEDED
    travel(due + timedelta(seconds=3))
    second = run_job("check_escalations", due=due)
    assert second.status == JobRunStatus.SKIPPED and second.counts == {"skipped": "already run since it was due"}
    travel(due + timedelta(days=1, seconds=2))
    assert run_job("check_escalations", due=due + timedelta(days=1)).status == JobRunStatus.SUCCEEDED
    ran(db_session, "first_responses", due + timedelta(seconds=1), JobRunStatus.FAILED)
    travel(due + timedelta(seconds=5))
    assert run_job("first_responses", due=due).status == JobRunStatus.SUCCEEDED
    assert run_job("first_responses").status == JobRunStatus.SUCCEEDED  # by hand (no due time): always runs
