"""An administrator keeps the withdrawal reasons list in a real browser; a worker then records a withdrawal
choosing from it (Other asks for a note)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import Stage
from tests.browser.test_check_escalation_journey import open_from_navigation
from tests.browser.test_funnel_journey import PASSWORD, enter_date, sign_in

ADMIN_EMAIL, ADMIN_NAME = "ada.admin@hearth.example", "Ada Admin"
WORKER_EMAIL, WORKER_NAME = "wes.worker@hearth.example", "Wes Worker"


@pytest.fixture
def seeded(live_server):
    base_url, app = live_server
    today = clock.today()
    with app.app_context():
        from crm.auth.services import create_user
        from crm.funnel import services
        from crm.households.models import Household, Person, PersonRole

        create_user(ADMIN_EMAIL, ADMIN_NAME, PASSWORD, [Role.ADMINISTRATOR])
        worker = create_user(WORKER_EMAIL, WORKER_NAME, PASSWORD, [Role.STAGE_ONE_WORKER])
        household = Household(reference="HW000001", first_enquiry_on=today - timedelta(days=30),
                              allocated_worker=worker)
        household.people.append(Person(role=PersonRole.APPLICANT, first_name="Jo", last_name="Leaving"))
        db.session.add(household)
        db.session.flush()
        application = services.open_application(household, "adoption", today - timedelta(days=30), actor=worker)
        services.advance(application, Stage.INITIAL_VISIT, today - timedelta(days=20), actor=worker)
        db.session.commit()
        return base_url, app, household.id, application.id


@pytest.mark.browser
def test_an_administrator_keeps_the_list_and_a_worker_chooses_from_it(seeded, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    base_url, app, household_id, application_id = seeded
    page = browser_page
    banner = page.locator(".govuk-notification-banner")

    sign_in(page, base_url, ADMIN_EMAIL, ADMIN_NAME)
    open_from_navigation(page, "Withdrawal reasons", area="Administration")
    expect(page).to_have_url(f"{base_url}/admin/withdrawal-reasons")
    rows = page.locator("#withdrawal-reasons tbody tr")
    expect(rows).to_have_count(9)
    page.get_by_role("button", name="Add reason").click()  # no name: refused beside the field
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name of the reason")
    expect(page).to_have_title("Error: Withdrawal reasons – Hearth")
    page.get_by_label("Name of the new reason").fill("Moved out of the area")
    page.get_by_role("button", name="Add reason").click()
    expect(banner).to_contain_text("Added: Moved out of the area.")
    expect(rows).to_have_count(10)
    rows.filter(has_text="Counselled out").get_by_role("button", name="Retire").click()
    expect(banner).to_contain_text("Retired: Counselled out.")
    expect(rows.filter(has_text="Counselled out")).to_contain_text("Retired")
    page.screenshot(path=str(tmp_path / "1-reasons.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base_url, WORKER_EMAIL, WORKER_NAME)
    page.goto(f"{base_url}/households/{household_id}")
    form = page.locator(f'form[action="/applications/{application_id}/events"]')
    select_ = form.get_by_label("Why did they withdraw?")
    expect(select_.locator("option")).to_have_count(10)  # a blank choice and the nine in use
    expect(select_.locator("option", has_text="Counselled out")).to_have_count(0)
    form.get_by_label("Withdrawn").check()
    enter_date(form, clock.today())
    form.get_by_label("The applicant").check()
    select_.select_option(label="Other")
    form.get_by_role("button", name="Record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("needed when the reason is Other")
    page.screenshot(path=str(tmp_path / "2-other-needs-a-note.png"), full_page=True)
    form.get_by_label("Note (needed when the reason is Other)").fill("Relocating abroad for work")
    form.get_by_role("button", name="Record").click()
    expect(banner).to_contain_text("Recorded: Withdrawn.")
    newest = page.locator(f"#application-{application_id} .moj-timeline__item").first
    expect(newest).to_contain_text("Reason: Other")
    expect(newest).to_contain_text("Relocating abroad for work")
    page.screenshot(path=str(tmp_path / "3-withdrawn.png"), full_page=True)
    with app.app_context():
        event = db.session.scalars(select(StageEvent).where(StageEvent.application_id == application_id)
                                   .order_by(StageEvent.id.desc())).first()
        assert event.reason == "Relocating abroad for work" and event.withdrawal_reason_id is not None
    # the two refusals above answer 400, which Chromium reports on the console; nothing else may
    assert browser_log.page_errors == []
    assert [error for error in browser_log.console_errors if "status of 400" not in error] == []
    assert browser_log.broken_requests == []
