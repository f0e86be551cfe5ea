"""The JOBS list in APScheduler, the CLI around it, and the month-end snapshot taken once."""
from __future__ import annotations

from datetime import date, datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.escalations.models import MonthlySnapshot
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from jobs.scheduler import JOBS, configure
from jobs.snapshot import month_end_snapshot
from tests.factories import HouseholdFactory


def test_every_job_is_scheduled_once_with_coalescing_and_a_long_grace(app):
    scheduler = configure(BackgroundScheduler(), app)
    scheduler.start(paused=True)  # job defaults are applied when the scheduler takes the jobs
    try:
        scheduled = {job.id: job for job in scheduler.get_jobs()}
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
