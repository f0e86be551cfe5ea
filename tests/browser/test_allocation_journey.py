"""Allocation in a real browser: a manager starts Stage 1 handing the household to a stage-one worker, who then sees
it and its checks; the manager reallocates all of a leaving worker's cases, and the new worker sees them.

It also counts the clicks of "start Stage 1 with its checks" from the household page (see `clicks`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm import clock
from crm.auth.models import User
from crm.auth.roles import Role
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.funnel.stages import EVENT_LABELS, EventKind, Stage
from tests.browser.test_check_escalation_journey import open_from_navigation

PASSWORD = "correct horse battery staple"
MANAGER = ("mia.manager@hearth.example", "Mia Manager")
SAM = ("sam.stageone@hearth.example", "Sam Stageone")
TESS = ("tess.transfer@hearth.example", "Tess Transfer")
OFFICER = ("olive.officer@hearth.example", "Olive Officer")
REFERENCE = "HA000777"
APPLICANT = "Robin Allocated"
STAGE_1_LABEL = EVENT_LABELS[EventKind.STAGE_1]


@dataclass(frozen=True)
class Setup:
    base_url: str
    app: object
    household_id: int
    application_id: int


@pytest.fixture
def setup(live_server) -> Setup:
    """Committed: two teams, an officer, two stage-one workers, a manager, and the officer's household at ROI."""
    base_url, app = live_server
    today = clock.today()
    with app.app_context():
        from crm.auth.models import Team
        from crm.auth.services import create_user
        from crm.funnel import services
        from crm.households.models import Household, Person, PersonRole

        north, south = Team(name="North team"), Team(name="South team")
        db.session.add_all([north, south])
        officer = create_user(*OFFICER, PASSWORD, [Role.RECRUITMENT_OFFICER], team=north)
        create_user(*SAM, PASSWORD, [Role.STAGE_ONE_WORKER], team=north)
        create_user(*TESS, PASSWORD, [Role.STAGE_ONE_WORKER], team=south)
        create_user(*MANAGER, PASSWORD, [Role.MANAGER])
        household = Household(reference=REFERENCE, first_enquiry_on=today - timedelta(days=30),
                              allocated_worker=officer)
        first, last = APPLICANT.split()
        household.people.append(Person(role=PersonRole.APPLICANT, first_name=first, last_name=last))
        db.session.add(household)
        db.session.flush()
        household.team_id = north.id
        application = services.open_application(household, "adoption", today - timedelta(days=30), actor=officer)
        services.advance(application, Stage.INITIAL_VISIT, today - timedelta(days=20), actor=officer)
        services.advance(application, Stage.REGISTRATION_OF_INTEREST, today - timedelta(days=10), actor=officer)
        db.session.commit()
        return Setup(base_url, app, household.id, application.id)


def sign_in(page, base_url: str, who: tuple[str, str]) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/sign-in")
    page.fill("#email", who[0])
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text(who[1])


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


@pytest.mark.browser
def test_stage_1_hands_over_and_a_leavers_cases_move(setup, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page, base_url = browser_page, setup.base_url
    household_url = f"{base_url}/households/{setup.household_id}"
    event_form = page.locator(f'form[action="/applications/{setup.application_id}/events"]')
    banner = page.locator(".govuk-notification-banner")
    yesterday = clock.today() - timedelta(days=1)
    clicks = 0

    # The manager, on the household page, records ROI accepted: Stage 1 started, choosing Sam to run it.
    sign_in(page, base_url, MANAGER)
    page.goto(household_url)
    expect(page.locator("#allocated-to")).to_contain_text("Olive Officer, North team")
    event_form.get_by_label(STAGE_1_LABEL).check()
    clicks += 1
    event_form.get_by_label("Day", exact=True).fill(str(yesterday.day))
    event_form.get_by_label("Month", exact=True).fill(str(yesterday.month))
    event_form.get_by_label("Year", exact=True).fill(str(yesterday.year))
    event_form.get_by_label("Hand over to (when Stage 1 or Stage 2 starts)").select_option(
        label="Sam Stageone (North team)")
    clicks += 1
    event_form.get_by_role("button", name="Record").click()
    clicks += 1
    expect(banner).to_contain_text("Handed over to Sam Stageone")
    expect(page.locator("#allocated-to")).to_contain_text("Sam Stageone, North team")
    expect(page.locator("#allocation .moj-timeline__title").first).to_have_text("Handed over: Stage 1 started")
    page.screenshot(path=str(tmp_path / "1-handed-over.png"), full_page=True)
    with setup.app.app_context():
        checks = db.session.scalar(select(func.count()).select_from(CheckInstance))
        owners = set(db.session.scalars(select(User.full_name).join(CheckInstance, CheckInstance.owner_id == User.id)))
    assert checks > 0 and owners == {SAM[1]}
    assert clicks == 3  # a radio, the worker, Record (and the three date boxes typed): checks created and owned
    print(f"start Stage 1 with its {checks} checks, allocated: {clicks} clicks from the household page")
    sign_out(page)

    # Sam sees the household in her work queue, and its checks in her checks queue.
    sign_in(page, base_url, SAM)
    expect(page.locator("#work-queue")).to_contain_text(REFERENCE)
    open_from_navigation(page, "Checks", area="Work queue")
    page.get_by_label("Mine", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#check-queue-table tbody tr").filter(has_text=REFERENCE)).to_have_count(checks)
    page.locator("#check-queue-table tbody tr").first.get_by_role("link").nth(1).click()
    expect(page.locator("h1")).to_be_visible()
    assert page.url.startswith(f"{base_url}/checks/")
    page.goto(household_url)
    expect(page.locator("h1")).to_have_text(APPLICANT)
    open_from_navigation(page, "My caseload", area="Work queue")
    expect(page.locator("#caseload-stages")).to_contain_text("Stage 1")
    sign_out(page)

    # Sam is leaving: the manager moves all her cases to Tess, seeing the counts first.
    sign_in(page, base_url, MANAGER)
    open_from_navigation(page, "Team caseload", area="Work queue")
    expect(page.locator("#caseload-workers")).to_contain_text("Sam Stageone")
    page.get_by_role("link", name="Reallocate all of Sam Stageone's cases").click()
    page.get_by_label("Reallocate them to").select_option(label="Tess Transfer (South team)")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check and confirm the reallocation")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Households with an open application")
    page.get_by_role("button", name=f"Reallocate 1 households and {checks} checks").click()
    expect(banner).to_contain_text(f"Reallocated 1 households and {checks} open checks from Sam Stageone to "
                                   "Tess Transfer")
    page.screenshot(path=str(tmp_path / "2-caseload-moved.png"), full_page=True)
    sign_out(page)

    # Tess, of the other team, now sees the household and its checks; Sam no longer does.
    sign_in(page, base_url, TESS)
    expect(page.locator("#work-queue")).to_contain_text(REFERENCE)
    page.goto(f"{base_url}/checks?owner=mine")
    expect(page.locator("#check-queue-table tbody tr").filter(has_text=REFERENCE)).to_have_count(checks)
    page.goto(household_url)
    expect(page.locator("#allocated-to")).to_contain_text("Tess Transfer, South team")
    expect(page.locator("#allocation .moj-timeline__title").first).to_have_text(
        "Reallocated: all of a worker's cases")
    sign_out(page)
    sign_in(page, base_url, SAM)
    response = page.goto(household_url)
    assert response.status == 404

    assert not browser_log.page_errors, browser_log.page_errors
    assert browser_log.broken_requests == [], browser_log.broken_requests
    broken = [(url, status) for url, status in browser_log.responses if status >= 400]
    assert broken == [(household_url, 404)], broken
    assert [e for e in browser_log.console_errors if "404" not in e] == [], browser_log.console_errors
