"""Records in a real browser: an officer logs a phone enquiry answered during the call (it never waits in Awaiting
response, and takes one click fewer than answering it from the queue); a manager records an approved applicant's
sexual orientation on the household page, and the equality report counts it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from tests.browser.test_check_escalation_journey import open_from_navigation
from tests.browser.test_funnel_journey import PASSWORD, sign_in

OFFICER_EMAIL, OFFICER_NAME = "olu.officer@hearth.example", "Olu Officer"
MANAGER_EMAIL, MANAGER_NAME = "mina.manager@hearth.example", "Mina Manager"
APPLICANT = ("Quinn", "Fictionfield")


class Clicks:
    """Counts the clicks a journey takes (typing is not counted)."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator, action: str = "click"):
        self.count += 1
        getattr(locator, action)()


@pytest.fixture
def service(live_server):
    """Committed: an officer, a manager, and an adoption household approved ten days ago."""
    base_url, app = live_server
    with app.app_context():
        from crm.auth.services import create_user
        from crm.funnel import services as funnel
        from crm.funnel.stages import Stage
        from crm.households.models import Household, Person, PersonRole

        create_user(OFFICER_EMAIL, OFFICER_NAME, PASSWORD, [Role.RECRUITMENT_OFFICER])
        manager = create_user(MANAGER_EMAIL, MANAGER_NAME, PASSWORD, [Role.MANAGER])
        approved_on = clock.today() - timedelta(days=10)
        household = Household(reference="HFICT001", first_enquiry_on=approved_on - timedelta(days=300),
                              people=[Person(role=PersonRole.APPLICANT, first_name=APPLICANT[0], last_name=APPLICANT[1])])
        db.session.add(household)
        application = funnel.open_application(household, "adoption", household.first_enquiry_on, actor=manager)
        stages = [Stage.INITIAL_VISIT, Stage.REGISTRATION_OF_INTEREST, Stage.STAGE_1, Stage.STAGE_1_COMPLETED,
                  Stage.STAGE_2, Stage.PANEL, Stage.APPROVED]
        for days_before, stage in zip(range(len(stages) * 30 - 30, -1, -30), stages):
            funnel.advance(application, stage, approved_on - timedelta(days=days_before), actor=manager)
        db.session.commit()
        return base_url, app, household.id, approved_on


def log_phone_enquiry(page, click: Clicks, surname: str, *, answered: bool) -> None:
    from playwright.sync_api import expect

    click(page.locator("header .govuk-service-navigation").get_by_role("link", name="Households", exact=True))
    click(page.locator(".hearth-area-navigation").get_by_role("link", name="New enquiry", exact=True))
    page.get_by_label("First name", exact=True).fill("Robin")
    page.get_by_label("Last name", exact=True).fill(surname)
    page.get_by_label("Phone number").fill("0161 496 0000")
    click(page.get_by_label("Adoption", exact=True), "check")
    click(page.get_by_label("Phone", exact=True), "check")
    if answered:
        click(page.get_by_label("Answered during this call"), "check")
    click(page.get_by_role("button", name="Save enquiry"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Enquiry saved for household")


@pytest.mark.browser
def test_a_phone_enquiry_answered_during_the_call_and_equality_monitoring(service, browser_page, browser_log,
                                                                         tmp_path):
    from playwright.sync_api import expect

    base_url, app, household_id, approved_on = service
    page = browser_page
    sign_in(page, base_url, OFFICER_EMAIL, OFFICER_NAME)

    # Before: log the call, then find it in Awaiting response and record the response there.
    before = Clicks()
    log_phone_enquiry(page, before, "Queueworth", answered=False)
    click_row = page.locator("#awaiting-response tbody tr").filter(has_text="Robin Queueworth")
    before(page.locator("header .govuk-service-navigation").get_by_role("link", name="Work queue", exact=True))
    before(page.locator(".hearth-area-navigation").get_by_role("link", name="Awaiting response", exact=True))
    before(click_row.get_by_role("button", name=re.compile("^Responded")))
    expect(page.locator("#awaiting-response tbody tr").filter(has_text="Robin Queueworth")).to_have_count(0)

    # After: tick "Answered during this call"; the household page says so, and the queue never lists it.
    after = Clicks()
    log_phone_enquiry(page, after, "Callanswer", answered=True)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("answered during the call")
    expect(page.locator("#household-timeline")).to_contain_text("Answered during the contact.")
    expect(page.locator("#equality-monitoring")).to_have_count(0)  # not for an officer to see
    page.screenshot(path=str(tmp_path / "1-answered-during-call.png"), full_page=True)
    open_from_navigation(page, "Awaiting response", area="Work queue")
    expect(page.locator("main")).not_to_contain_text("Callanswer")
    print(f"\nclicks to log a phone enquiry through to its first response: before {before.count}, "
          f"after {after.count}")
    # Each way starts from the header: Households > New enquiry; before, Work queue > Awaiting response as well.
    assert (before.count, after.count) == (8, 6)

    # A manager records the approved applicant's sexual orientation; the equality report counts it.
    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    sign_in(page, base_url, MANAGER_EMAIL, MANAGER_NAME)
    page.goto(f"{base_url}/households/{household_id}")
    section = page.locator("#equality-monitoring")
    expect(section).to_contain_text("Not recorded")
    section.get_by_role("link", name=re.compile("Change equality monitoring")).click()
    page.get_by_label("Sexual orientation").select_option("Bisexual")
    page.get_by_label("Religion or belief").select_option("Prefers not to say")
    page.get_by_role("button", name="Save equality monitoring").click()
    expect(page.locator("#equality-monitoring")).to_contain_text("Bisexual")
    expect(page.locator("#household-timeline")).to_contain_text(f"Equality monitoring changed for {' '.join(APPLICANT)}")
    page.screenshot(path=str(tmp_path / "2-equality-monitoring.png"), full_page=True)
    page.goto(f"{base_url}/reports/equality?date_from={approved_on.isoformat()}&date_to={clock.today().isoformat()}")
    table = page.locator("table").filter(has_text="Sexual orientation").first
    expect(table.locator("tr").filter(has_text="Bisexual")).to_contain_text("1")
    page.screenshot(path=str(tmp_path / "3-equality-report.png"), full_page=True)

    with app.app_context():
        from crm.enquiries.models import EnquiryContact

        contacts = db.session.scalars(select(EnquiryContact)).all()
        assert all(contact.first_responded_at is not None for contact in contacts) and len(contacts) == 2
    assert browser_log.console_errors == [] and browser_log.page_errors == [] and browser_log.broken_requests == []
