"""A stage-one worker, who owns an application's checks, requests four of them at once on the household's checks
page, then chases the five overdue ones from the check queue with 'Select all' (MOJ Frontend's multi-select, from
the served script). The clicks each task takes are counted (README: Checks)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from crm.funnel.stages import Stage
from tests.browser.test_check_escalation_journey import open_from_navigation
from tests.browser.test_funnel_journey import PASSWORD, sign_in

WORKER_EMAIL, WORKER_NAME = "quinn.quick@hearth.example", "Quinn Quick"
REFERENCE = "HJ000789"
APPLICANT = ("Robin", "Rapid")
OVERDUE = ("dbs", "health", "la_checks", "employer_reference", "overseas")  # requested 100 days ago
TO_REQUEST = ("probation_nspcc", "ofsted", "personal_references", "financial_home_pet")


@dataclass(frozen=True)
class Journey:
    base_url: str
    app: object
    household_id: int
    checks: dict[str, int]  # code -> check id


@pytest.fixture
def journey(live_server) -> Journey:
    """Committed: the worker's household, its adoption application in Stage 1 (whose checks the funnel started, owned
    by the worker), five of them requested 100 days ago and so overdue, the rest not yet requested."""
    base_url, app = live_server
    today = clock.today()
    with app.app_context():
        from crm.auth.models import Team
        from crm.auth.services import create_user
        from crm.checks import services as checks
        from crm.checks.models import CheckInstance, CheckType
        from crm.funnel import services as funnel
        from crm.households.models import Household, Person, PersonRole

        team = Team(name="Quick team")
        db.session.add(team)
        db.session.flush()
        worker = create_user(WORKER_EMAIL, WORKER_NAME, PASSWORD, [Role.STAGE_ONE_WORKER], team=team)
        household = Household(reference=REFERENCE, first_enquiry_on=today - timedelta(days=150),
                              allocated_worker=worker, team_id=team.id)
        applicant = Person(role=PersonRole.APPLICANT, first_name=APPLICANT[0], last_name=APPLICANT[1],
                           employed=True, lived_abroad_months=12)
        household.people.append(applicant)
        db.session.add(household)
        db.session.flush()
        application = funnel.open_application(household, "adoption", today - timedelta(days=150), actor=worker)
        funnel.advance(application, Stage.INITIAL_VISIT, today - timedelta(days=140), actor=worker)
        funnel.advance(application, Stage.REGISTRATION_OF_INTEREST, today - timedelta(days=130), actor=worker)
        funnel.advance(application, Stage.STAGE_1, today - timedelta(days=120), actor=worker)
        found = {check.check_type.code: check for check in db.session.scalars(
            select(CheckInstance).join(CheckType).where(CheckInstance.application_id == application.id))}
        assert set(OVERDUE) | set(TO_REQUEST) <= set(found), sorted(found)
        for code in OVERDUE:
            checks.request_check(found[code], today - timedelta(days=100), worker, actor=worker)
        db.session.commit()
        return Journey(base_url, app, household.id, {code: check.id for code, check in found.items()})


class Clicks:
    """Counts what the worker does: each click or tick, and each box typed in."""

    def __init__(self):
        self.clicks = self.typed = 0

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def fill(self, locator, value: str) -> None:
        locator.fill(value)
        self.typed += 1


@pytest.mark.browser
def test_request_four_checks_at_once_then_chase_the_overdue_ones_with_select_all(journey, browser_page, browser_log,
                                                                                 tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('quick')
    from playwright.sync_api import expect

    page, base_url = browser_page, journey.base_url
    today = clock.today()
    sign_in(page, base_url, WORKER_EMAIL, WORKER_NAME)

    # From the check queue to the household's checks.
    open_from_navigation(page, "Checks", area="Work queue")
    page.locator(f"#check-queue-table a[href='/households/{journey.household_id}/checks']").first.click()
    expect(page).to_have_url(f"{base_url}/households/{journey.household_id}/checks")

    # Requesting four: tick them; the date is today and the owner the worker already.
    request = Clicks()
    form = page.locator("#request-checks")
    expect(form.get_by_label("Day", exact=True)).to_have_value(f"{today:%d}")
    expect(form.get_by_label("Month", exact=True)).to_have_value(f"{today:%m}")
    expect(form.get_by_label("Year", exact=True)).to_have_value(str(today.year))
    expect(form.get_by_label("Owner")).to_have_value(re.compile(r"\d+"))
    expect(form.locator("#owner option:checked")).to_have_text(WORKER_NAME)
    for code in OVERDUE:  # requested already: nothing to tick
        expect(page.locator(f"#request-check-{journey.checks[code]}")).to_have_count(0)
    for code in TO_REQUEST:
        request.click(page.locator(f"#request-check-{journey.checks[code]}"))
    request.click(form.get_by_role("button", name="Request selected checks"))
    expect(page).to_have_url(f"{base_url}/households/{journey.household_id}/checks")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("4 checks requested")
    for code in TO_REQUEST:
        expect(page.locator(f"#household-check-{journey.checks[code]}")).to_contain_text(
            f"Requested {today.day} {today.strftime('%b %Y')}")
    page.screenshot(path=str(tmp_path / "1-four-requested.png"), full_page=True)
    assert (request.clicks, request.typed) == (5, 0)

    # Chasing the five overdue checks: filter to the overdue ones, 'Select all', mark them chased.
    chase = Clicks()
    open_from_navigation(page, "Checks", area="Work queue")
    chase.clicks += 2  # the header's Work queue, then its Checks
    chase.click(page.get_by_label("Overdue only"))
    chase.click(page.get_by_role("button", name="Apply filters"))
    expect(page).to_have_url(re.compile(r"/checks\?.*overdue=yes"))
    rows = page.locator("#check-queue-table tbody tr")
    expect(rows).to_have_count(len(OVERDUE))
    select_all = page.locator("#queue-select-all").get_by_label("Select all")  # put there by the served script
    expect(select_all).to_be_visible()
    # The box is drawn by its label over the input (as GOV.UK checkboxes are): a click where it shows.
    select_all.click(force=True)
    chase.clicks += 1
    page.locator("#check-queue-table thead").screenshot(path=str(tmp_path / "select-all.png"))
    expect(select_all).to_be_checked()
    for code in OVERDUE:
        expect(page.locator(f"#select-check-{journey.checks[code]}")).to_be_checked()
    chase.click(page.get_by_role("button", name="Mark chased today"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("5 checks marked as chased today.")
    page.screenshot(path=str(tmp_path / "2-five-chased.png"), full_page=True)
    assert (chase.clicks, chase.typed) == (6, 0)

    with journey.app.app_context():
        from crm.checks.models import CheckInstance

        stored = {code: db.session.get(CheckInstance, journey.checks[code]) for code in OVERDUE + TO_REQUEST}
        assert {stored[code].requested_on for code in TO_REQUEST} == {today}
        assert {stored[code].last_chased_on for code in OVERDUE} == {today}
        assert {stored[code].last_chased_on for code in TO_REQUEST} == {None}

    assert browser_log.console_errors == [] and browser_log.page_errors == []
    assert browser_log.broken_requests == []


@pytest.mark.browser
def test_the_same_tasks_one_check_at_a_time_take_more_clicks(journey, browser_page, browser_log):
    """The figures to compare with: the four requests made on each check's own page (the way before the bulk
    request), and the five chases ticked one by one (before 'Select all')."""
    from playwright.sync_api import expect

    page, base_url = browser_page, journey.base_url
    today = clock.today()
    sign_in(page, base_url, WORKER_EMAIL, WORKER_NAME)
    page.goto(f"{base_url}/households/{journey.household_id}/checks")

    request = Clicks()
    for code in TO_REQUEST:
        request.click(page.locator(f"#household-check-{journey.checks[code]}").get_by_role("link").first)
        form = page.locator(f"form[action$='/checks/{journey.checks[code]}/request']")
        for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
            request.fill(form.get_by_label(part, exact=True), str(value))
        expect(form.locator("select option:checked")).to_have_text(WORKER_NAME)  # the owner stays
        request.click(form.get_by_role("button", name="Save request"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Request saved")
        request.click(page.locator(".govuk-caption-l").get_by_role("link"))  # back to the household's checks
        expect(page).to_have_url(f"{base_url}/households/{journey.household_id}/checks")
    assert (request.clicks, request.typed) == (12, 12)

    chase = Clicks()
    open_from_navigation(page, "Checks", area="Work queue")
    chase.clicks += 2  # the header's Work queue, then its Checks
    chase.click(page.get_by_label("Overdue only"))
    chase.click(page.get_by_role("button", name="Apply filters"))
    for code in OVERDUE:
        chase.click(page.locator(f"label[for='select-check-{journey.checks[code]}']"))
    chase.click(page.get_by_role("button", name="Mark chased today"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("5 checks marked as chased today.")
    assert (chase.clicks, chase.typed) == (10, 0)
    assert browser_log.console_errors == [] and browser_log.page_errors == []
    assert browser_log.broken_requests == []
