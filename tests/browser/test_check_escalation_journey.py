"""A stage-one worker chases an overdue check from the check queue in a real browser: the escalation the daily
job raised for the team manager disappears from the manager's Escalations page."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from crm.funnel.stages import Stage
from tests.browser.test_funnel_journey import PASSWORD, sign_in

WORKER_EMAIL, WORKER_NAME = "casey.checks@hearth.example", "Casey Checks"
MANAGER_EMAIL, MANAGER_NAME = "mina.manager@hearth.example", "Mina Manager"
TEAM_NAME = "North adoption team"
REFERENCE = "HJ000456"
APPLICANT = ("Jordan", "Overdue")
CHECK_CODE, CHECK_NAME = "dbs", "Enhanced DBS check"
REQUESTED_DAYS_AGO = 45  # DBS is due 28 days after the request: 17 days overdue, past the team manager's rung


@dataclass(frozen=True)
class Journey:
    base_url: str
    app: object
    check_id: int
    due_on: date
    worker_id: int
    manager_id: int
    steps: dict[str, set[int]]  # the open escalations of the check after the job: step -> recipients


def short_date(day: date) -> str:
    return day.strftime("%-d %b %Y")


@pytest.fixture
def journey(live_server) -> Journey:
    """Committed: a team of a stage-one worker and a manager; the worker's household, its adoption application in
    Stage 1 (whose checks the funnel's hook started), its applicant's DBS check requested 45 days ago; then the
    check escalation job, run for today, has raised the owner's and the team manager's escalations."""
    base_url, app = live_server
    today = clock.today()
    with app.app_context():
        from crm.auth.models import Team
        from crm.auth.services import create_user
        from crm.checks import services as checks
        from crm.checks.models import CheckInstance, CheckType
        from crm.funnel import services as funnel
        from crm.households.models import Household, Person, PersonRole

        team = Team(name=TEAM_NAME)
        db.session.add(team)
        db.session.flush()
        worker = create_user(WORKER_EMAIL, WORKER_NAME, PASSWORD, [Role.STAGE_ONE_WORKER], team=team)
        manager = create_user(MANAGER_EMAIL, MANAGER_NAME, PASSWORD, [Role.MANAGER], team=team)
        household = Household(reference=REFERENCE, first_enquiry_on=today - timedelta(days=120),
                              allocated_worker=worker, team_id=team.id)
        applicant = Person(role=PersonRole.APPLICANT, first_name=APPLICANT[0], last_name=APPLICANT[1])
        household.people.append(applicant)
        db.session.add(household)
        db.session.flush()
        application = funnel.open_application(household, "adoption", today - timedelta(days=120), actor=worker)
        funnel.advance(application, Stage.INITIAL_VISIT, today - timedelta(days=110), actor=worker)
        funnel.advance(application, Stage.REGISTRATION_OF_INTEREST, today - timedelta(days=100), actor=worker)
        funnel.advance(application, Stage.STAGE_1, today - timedelta(days=90), actor=worker)
        check = db.session.scalar(select(CheckInstance).join(CheckType).where(
            CheckInstance.application_id == application.id, CheckInstance.person_id == applicant.id,
            CheckType.code == CHECK_CODE))
        assert check is not None, "entering Stage 1 should have started the applicant's DBS check"
        checks.request_check(check, today - timedelta(days=REQUESTED_DAYS_AGO), worker, actor=worker)
        db.session.commit()
        journey = Journey(base_url, app, check.id, check.due_on, worker.id, manager.id, run_escalation_job(check.id))
    assert journey.due_on == today - timedelta(days=REQUESTED_DAYS_AGO - 28)
    return journey


def run_escalation_job(check_id: int) -> dict[str, set[int]]:
    """The daily job for today, as the scheduler runs it; returns the check's open escalations by step."""
    from crm.escalations.models import JobRunStatus
    from jobs.runner import run_job

    run = run_job("check_escalations")
    assert run.status is JobRunStatus.SUCCEEDED, run.error
    steps: dict[str, set[int]] = {}
    for escalation in open_escalations(check_id):
        steps.setdefault(escalation.step, set()).add(escalation.recipient_id)
    return steps


def open_escalations(check_id: int) -> list:
    from crm.escalations.models import Escalation

    return list(db.session.scalars(select(Escalation).where(
        Escalation.subject_type == "check", Escalation.subject_id == check_id, Escalation.resolved_at.is_(None))))


def sign_out(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/sign-in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")


def open_from_navigation(page, label: str, area: str | None = None) -> None:
    """Follows the header's link `label`, or the header's link `area` then its sub-navigation's `label`."""
    page.locator("header .govuk-service-navigation").get_by_role("link", name=area or label, exact=True).click()
    if area:
        page.locator(".hearth-area-navigation").get_by_role("link", name=label, exact=True).click()


@pytest.mark.browser
def test_chasing_an_overdue_check_clears_the_managers_escalation(journey, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page, base_url = browser_page, journey.base_url
    today = clock.today()
    # The job raised the owner's reminder and the team manager's escalation (and no more: 17 days is short
    # of the service managers' 21 working days).
    assert journey.steps == {"owner": {journey.worker_id}, "team_manager": {journey.manager_id}}

    # The manager sees the overdue check among their escalations.
    sign_in(page, base_url, MANAGER_EMAIL, MANAGER_NAME)
    open_from_navigation(page, "Escalations", area="Work queue")
    expect(page).to_have_url(f"{base_url}/escalations/")
    expect(page.locator("h1")).to_have_text("Your escalations")
    manager_rows = page.locator("#escalations tbody tr")
    expect(manager_rows).to_have_count(1)
    row = manager_rows.first
    expect(row).to_contain_text(f"{CHECK_NAME} for household {REFERENCE}")
    expect(row).to_contain_text("not received")
    expect(row).to_contain_text("Team manager")
    expect(row.locator(".moj-badge")).to_have_text("Check overdue")
    expect(page.locator("#escalations caption")).to_have_text("1 open")
    page.screenshot(path=str(tmp_path / "1-manager-escalations.png"), full_page=True)
    sign_out(page, base_url)

    # The worker opens the check queue: the overdue DBS check comes first, badged red.
    sign_in(page, base_url, WORKER_EMAIL, WORKER_NAME)
    open_from_navigation(page, "Checks", area="Work queue")
    expect(page).to_have_url(f"{base_url}/checks")
    expect(page.locator("h1")).to_have_text("Checks")
    check_row = page.locator(f"#check-row-{journey.check_id}")
    expect(page.locator("#check-queue-table tbody tr").first).to_have_id(f"check-row-{journey.check_id}")
    expect(check_row).to_contain_text(REFERENCE)
    expect(check_row).to_contain_text(" ".join(APPLICANT))
    expect(check_row.get_by_role("link", name=CHECK_NAME)).to_be_visible()
    expect(check_row).to_contain_text(short_date(today - timedelta(days=REQUESTED_DAYS_AGO)))
    expect(check_row).to_contain_text(short_date(journey.due_on))
    overdue = check_row.locator(".moj-badge")
    expect(overdue).to_have_text("Overdue")
    expect(overdue).to_have_class(re.compile(r"\bmoj-badge--red\b"))
    # Only a requested check can be chased: this is the one row with a box to tick.
    expect(page.locator("#check-queue-table input[name=checks]")).to_have_count(1)

    # Ticks it (by its accessible label) and marks it chased today.
    box = page.get_by_label(f"Select {CHECK_NAME} for {' '.join(APPLICANT)}")
    box.check()
    expect(box).to_be_checked()
    page.get_by_role("button", name="Mark chased today").click()
    expect(page).to_have_url(f"{base_url}/checks")
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("1 check marked as chased today.")
    last_chased = check_row.locator("td").nth(6)
    expect(last_chased).to_have_text(short_date(today))
    expect(check_row.locator(".moj-badge")).to_have_text("Overdue")  # chasing is not receiving
    page.screenshot(path=str(tmp_path / "2-worker-chased.png"), full_page=True)
    sign_out(page, base_url)

    # Tomorrow's run still finds the check overdue, but raises nothing again: someone acted.
    with journey.app.app_context():
        from crm.escalations.models import JobRunStatus
        from jobs.runner import run_job

        rerun = run_job("check_escalations", today + timedelta(days=1))
        assert rerun.status is JobRunStatus.SUCCEEDED, rerun.error
        assert (rerun.counts["due"], rerun.counts["raised"], rerun.counts["cleared"]) == (2, 0, 0)
        assert open_escalations(journey.check_id) == []

    # The manager's escalation has gone.
    sign_in(page, base_url, MANAGER_EMAIL, MANAGER_NAME)
    open_from_navigation(page, "Escalations", area="Work queue")
    expect(page).to_have_url(f"{base_url}/escalations/")
    expect(page.locator("#escalations")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No open escalations.")
    expect(page.locator("main")).not_to_contain_text(REFERENCE)
    page.screenshot(path=str(tmp_path / "3-manager-cleared.png"), full_page=True)

    # What the database holds, read afresh: one chase, and both escalations resolved by it.
    with journey.app.app_context():
        from crm.checks.models import CheckChase, CheckInstance
        from crm.escalations.models import Escalation

        check = db.session.get(CheckInstance, journey.check_id)
        assert check.last_chased_on == today
        assert check.received_on is None
        chases = db.session.scalars(select(CheckChase).where(CheckChase.check_id == journey.check_id)).all()
        assert [(chase.chased_on, chase.chased_by_id) for chase in chases] == [(today, journey.worker_id)]
        escalations = db.session.scalars(select(Escalation).where(
            Escalation.subject_type == "check", Escalation.subject_id == journey.check_id)
            .order_by(Escalation.step)).all()
        assert [(e.step, e.recipient_id) for e in escalations] == [
            ("owner", journey.worker_id), ("team_manager", journey.manager_id)]
        assert all(e.resolved_at is not None for e in escalations)
        assert {e.resolution for e in escalations} == {f"chased on {today.isoformat()}"}
        assert open_escalations(journey.check_id) == []

    assert browser_log.console_errors == [], f"console errors (CSP violations among them): {browser_log.console_errors}"
    assert browser_log.page_errors == [], f"uncaught script errors: {browser_log.page_errors}"
    assert browser_log.broken_requests == [], browser_log.broken_requests
    assert [(url, status) for url, status in browser_log.responses if status >= 400] == []
