"""A member of the public sends the enquiry form; an officer finds it, records the first response, books the
household onto this evening's information event and records that they came: the application moves on."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from tests.browser.test_check_escalation_journey import open_from_navigation
from tests.browser.test_funnel_journey import sign_in

PASSWORD = "correct horse battery staple"
OFFICER_EMAIL, OFFICER_NAME = "rory.recruiter@hearth.example", "Rory Recruiter"
ENQUIRER = ("Avery", "Brightwater")
ENQUIRER_EMAIL = "avery.brightwater@example.org"
EVENT_TITLE = "Adoption information evening"


@pytest.fixture
def service(live_server):
    """Committed: a recruitment officer, and an adoption information event that started an hour ago."""
    base_url, app = live_server
    with app.app_context():
        from crm.auth.services import create_user
        from crm.events.models import InformationEvent

        officer = create_user(OFFICER_EMAIL, OFFICER_NAME, PASSWORD, [Role.RECRUITMENT_OFFICER])
        now = clock.now()
        event = InformationEvent(title=EVENT_TITLE, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
                                 online=True, joining_link="https://meet.hearth.example/tonight", capacity=20,
                                 service_line_code="adoption", created_by=officer)
        db.session.add(event)
        db.session.commit()
        return base_url, app, event.id


@pytest.mark.browser
def test_a_public_enquiry_is_answered_booked_and_attended(service, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    base_url, app, event_id = service
    page = browser_page

    # A member of the public follows a campaign link to the form.
    page.goto(f"{base_url}/enquire?utm_source=facebook&utm_medium=paid_social&utm_campaign=autumn-adopt")
    expect(page.locator("h1")).to_have_text("Ask us about adopting or fostering")
    page.get_by_role("button", name="Send enquiry").click()  # nothing filled in: the errors come first
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your first name")
    expect(page).to_have_title(re.compile("^Error: "))
    page.get_by_label("First name", exact=True).first.fill(ENQUIRER[0])
    page.get_by_label("Last name", exact=True).first.fill(ENQUIRER[1])
    page.get_by_label("Email address").fill(ENQUIRER_EMAIL)
    page.get_by_label("Adoption", exact=True).check()
    page.get_by_label("I agree that the service may use these details to reply to my enquiry").check()
    page.screenshot(path=str(tmp_path / "1-public-form.png"), full_page=True)
    page.get_by_role("button", name="Send enquiry").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Enquiry sent")
    expect(page.locator("main")).to_contain_text("will contact you by")

    # The officer finds it among the enquiries awaiting a first response, and records the response.
    page.context.clear_cookies()
    sign_in(page, base_url, OFFICER_EMAIL, OFFICER_NAME)
    open_from_navigation(page, "Awaiting response", area="Work queue")
    row = page.locator("#awaiting-response tbody tr").filter(has_text=" ".join(ENQUIRER))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Web")
    page.screenshot(path=str(tmp_path / "2-awaiting-response.png"), full_page=True)
    row.get_by_role("button", name=re.compile("^Responded")).click()
    expect(page.locator("#awaiting-response tbody tr").filter(has_text=" ".join(ENQUIRER))).to_have_count(0)

    # Books the household onto this evening's event from the household page.
    page.get_by_role("link", name="Households").first.click()
    page.get_by_label(re.compile("Search")).first.fill(ENQUIRER_EMAIL)
    page.get_by_role("button", name="Search").click()
    page.locator("#search-results tbody tr").filter(has_text=" ".join(ENQUIRER)).get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(" ".join(ENQUIRER))
    events_section = page.locator("#information-events")
    events_section.get_by_label("Information event").select_option(str(event_id))
    events_section.get_by_role("button", name="Book").click()
    expect(page.locator("#household-bookings")).to_contain_text(EVENT_TITLE)
    expect(page.locator("#household-bookings")).to_contain_text("Not yet recorded")

    # Records at the event that they came: the adoption application moves to Information event.
    page.locator("#household-bookings").get_by_role("link", name=EVENT_TITLE).click()
    page.get_by_label(re.compile("attended$")).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    page.get_by_role("link", name=re.compile("^H")).filter(has_text=re.compile("^H[A-Z0-9]{7}$")).first.click()
    expect(page.locator("#household-bookings")).to_contain_text("Attended")
    expect(page.locator("main")).to_contain_text("Information event")
    page.screenshot(path=str(tmp_path / "3-household-after-event.png"), full_page=True)

    with app.app_context():
        from crm.enquiries.models import EnquiryContact
        from crm.funnel.stages import Stage
        from crm.households.models import Application

        contact = db.session.scalars(select(EnquiryContact)).one()
        assert (contact.utm_source, contact.utm_campaign) == ("facebook", "autumn-adopt")
        assert contact.first_responded_at is not None
        assert db.session.scalars(select(Application)).one().stage is Stage.INFORMATION_EVENT
    # Chromium logs every error status as a console error: the empty form's 400 is the only one allowed.
    assert browser_log.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"], browser_log.console_errors
    assert browser_log.page_errors == [] and browser_log.broken_requests == []
    assert [(url, status) for url, status in browser_log.responses if status >= 400] == [(f"{base_url}/enquire", 400)]
