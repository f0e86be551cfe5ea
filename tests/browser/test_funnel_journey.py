"""A stage-one worker moves an application into Stage 1 in a real browser; a manager undoes it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EVENT_LABELS, EventKind, Stage

PASSWORD = "correct horse battery staple"
WORKER_EMAIL, WORKER_NAME = "sam.stageone@hearth.example", "Sam Stageone"
MANAGER_EMAIL, MANAGER_NAME = "morgan.manager@hearth.example", "Morgan Manager"
REFERENCE = "HJ000123"
APPLICANT = ("Robin", "Journeyman")
UNDO_REASON = "Recorded against the wrong household by mistake"
STAGE_1_LABEL = EVENT_LABELS[EventKind.STAGE_1]  # "Registration of interest accepted: Stage 1 started"
STAGE_1_COMPLETED_LABEL = EVENT_LABELS[EventKind.STAGE_1_COMPLETED]  # "Stage 1 completed: may proceed"


@dataclass(frozen=True)
class Journey:
    base_url: str
    app: object
    household_id: int
    application_id: int
    worker_id: int
    manager_id: int


@pytest.fixture
def journey(live_server) -> Journey:
    """Committed: a stage-one worker, a manager, and the worker's household, its adoption application at
    Registration of interest (opened about 30 days ago, initial visit 20 days ago, ROI 10 days ago)."""
    base_url, app = live_server
    today = clock.today()
    with app.app_context():
        from crm.auth.services import create_user
        from crm.funnel import services
        from crm.households.models import Household, Person, PersonRole

        from crm.auth.models import Team

        worker = create_user(WORKER_EMAIL, WORKER_NAME, PASSWORD, [Role.STAGE_ONE_WORKER], team=Team(name="North team"))
        manager = create_user(MANAGER_EMAIL, MANAGER_NAME, PASSWORD, [Role.MANAGER])
        household = Household(reference=REFERENCE, first_enquiry_on=today - timedelta(days=30),
                              allocated_worker=worker)
        household.people.append(Person(role=PersonRole.APPLICANT, first_name=APPLICANT[0], last_name=APPLICANT[1]))
        db.session.add(household)
        db.session.flush()
        application = services.open_application(household, "adoption", today - timedelta(days=30), actor=worker)
        services.advance(application, Stage.INITIAL_VISIT, today - timedelta(days=20), actor=worker)
        services.advance(application, Stage.REGISTRATION_OF_INTEREST, today - timedelta(days=10), actor=worker)
        db.session.commit()
        assert application.stage is Stage.REGISTRATION_OF_INTEREST
        return Journey(base_url, app, household.id, application.id, worker.id, manager.id)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def sign_in(page, base_url: str, email: str, full_name: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/sign-in")))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("h1")).to_have_text(full_name)


def enter_date(form, day: date) -> None:
    form.get_by_label("Day", exact=True).fill(str(day.day))
    form.get_by_label("Month", exact=True).fill(str(day.month))
    form.get_by_label("Year", exact=True).fill(str(day.year))


@pytest.mark.browser
def test_a_worker_starts_stage_1_and_a_manager_undoes_it(journey, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page, base_url = browser_page, journey.base_url
    household_url = f"{base_url}/households/{journey.household_id}"
    section = page.locator(f"#application-{journey.application_id}")
    stage_badge = section.locator("p.govuk-body .moj-badge").first
    newest_entry = section.locator(".moj-timeline__item").first
    event_form = page.locator(f'form[action="/applications/{journey.application_id}/events"]')
    undo_form = page.locator(f'form[action="/applications/{journey.application_id}/undo"]')
    banner = page.locator(".govuk-notification-banner")
    today = clock.today()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)

    # The worker finds the household in their work queue.
    sign_in(page, base_url, WORKER_EMAIL, WORKER_NAME)
    expect(page.get_by_role("heading", name="Your work queue")).to_be_visible()
    row = page.locator("#work-queue tbody tr").filter(has_text=REFERENCE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(" ".join(APPLICANT))
    expect(row).to_contain_text("Registration of interest")
    page.screenshot(path=str(tmp_path / "1-work-queue.png"), full_page=True)
    expect(row).not_to_contain_text("<a ")
    row.get_by_role("link", name=REFERENCE).click()

    expect(page).to_have_url(household_url)
    expect(page.locator("h1")).to_have_text(" ".join(APPLICANT))
    expect(stage_badge).to_have_text("Registration of interest")
    expect(undo_form).to_have_count(0)  # undoing is for managers

    # Stage 1 starts, dated yesterday, and the worker keeps it (the hand-over asks who runs Stage 1).
    event_form.get_by_label(STAGE_1_LABEL).check()
    enter_date(event_form, yesterday)
    event_form.get_by_label("Hand over to (when Stage 1 or Stage 2 starts)").select_option(
        label=f"{WORKER_NAME} (North team)")
    event_form.get_by_role("button", name="Record").click()

    expect(page).to_have_url(f"{household_url}#application-{journey.application_id}")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text(f"Recorded: {STAGE_1_LABEL}. Handed over to {WORKER_NAME}.")
    expect(stage_badge).to_have_text("Stage 1")
    expect(section).to_contain_text(f"In Stage 1 since {long_date(yesterday)}")
    expect(newest_entry.locator(".moj-timeline__title")).to_have_text(STAGE_1_LABEL)
    expect(newest_entry.locator(".moj-timeline__byline")).to_have_text(f"by {WORKER_NAME}")
    expect(newest_entry.locator("time")).to_have_attribute("datetime", yesterday.isoformat())
    expect(newest_entry.locator("time")).to_have_text(long_date(yesterday))
    page.screenshot(path=str(tmp_path / "2-stage-1-recorded.png"), full_page=True)

    # Stage 1 completed, dated tomorrow: refused, with the GOV.UK error summary.
    event_form.get_by_label(STAGE_1_COMPLETED_LABEL).check()
    enter_date(event_form, tomorrow)
    with page.expect_response(lambda response: response.request.method == "POST"
                              and response.url.endswith(f"/applications/{journey.application_id}/events")) as posted:
        event_form.get_by_role("button", name="Record").click()
    assert posted.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_have_count(1)
    expect(summary.locator(".govuk-error-summary__title")).to_have_text("There is a problem")
    expect(summary).to_contain_text("The date must be today or in the past")
    # the message sits beside the date, and the summary links to it
    expect(event_form.locator(".govuk-error-message")).to_contain_text("The date must be today or in the past")
    expect(summary.get_by_role("link", name="The date must be today or in the past")).to_have_attribute(
        "href", f"#event-{journey.application_id}-occurred_on")
    expect(banner).to_have_count(0)
    expect(stage_badge).to_have_text("Stage 1")  # nothing changed
    expect(newest_entry.locator(".moj-timeline__title")).to_have_text(STAGE_1_LABEL)
    page.screenshot(path=str(tmp_path / "3-date-in-the-future.png"), full_page=True)

    # The worker signs out.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/sign-in")
    expect(banner).to_contain_text("You have signed out.")
    page.goto(household_url)
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}/sign-in")))

    # The manager finds the household by searching for its reference.
    sign_in(page, base_url, MANAGER_EMAIL, MANAGER_NAME)
    page.get_by_role("link", name="Households").click()
    expect(page).to_have_url(f"{base_url}/households")
    page.fill("#q", REFERENCE)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{base_url}/households?q={REFERENCE}")
    results = page.locator("#search-results tbody tr")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Adoption: Stage 1")
    results.get_by_role("link", name=REFERENCE).click()
    expect(page).to_have_url(household_url)
    expect(stage_badge).to_have_text("Stage 1")

    # The manager undoes the Stage 1 event, giving a reason.
    expect(undo_form).to_be_hidden()
    page.get_by_text("Undo the latest event (managers)").click()
    expect(undo_form).to_be_visible()
    undo_form.locator("textarea[name=reason]").fill(UNDO_REASON)
    undo_form.get_by_role("button", name="Undo the latest event").click()

    expect(page).to_have_url(f"{household_url}#application-{journey.application_id}")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text(f"Undone: {STAGE_1_LABEL}. It stays in the history, marked as undone.")
    expect(stage_badge).to_have_text("Registration of interest")
    expect(section).to_contain_text("In Registration of interest since")
    expect(newest_entry.locator(".moj-timeline__title")).to_have_text(STAGE_1_LABEL)  # still in the history
    expect(newest_entry.locator(".moj-badge")).to_have_text("Undone")
    expect(newest_entry.locator(".moj-timeline__description")).to_contain_text(UNDO_REASON)
    page.screenshot(path=str(tmp_path / "4-undone.png"), full_page=True)

    # What the database holds, read afresh.
    with journey.app.app_context():
        from crm.households.models import Application

        application = db.session.get(Application, journey.application_id)
        assert application.stage is Stage.REGISTRATION_OF_INTEREST
        assert application.stage_entered_on == today - timedelta(days=10)
        stage_1 = db.session.scalars(select(StageEvent).where(StageEvent.application_id == journey.application_id,
                                                              StageEvent.kind == EventKind.STAGE_1)).all()
        assert len(stage_1) == 1
        assert stage_1[0].occurred_on == yesterday
        assert stage_1[0].recorded_by_id == journey.worker_id
        assert stage_1[0].undone_at is not None
        assert stage_1[0].undone_by_id == journey.manager_id
        assert stage_1[0].undo_reason == UNDO_REASON
        completed = db.session.scalars(select(StageEvent).where(
            StageEvent.application_id == journey.application_id, StageEvent.kind == EventKind.STAGE_1_COMPLETED))
        assert completed.all() == []  # the refused event left nothing behind

    # Chromium logs every error status as a console error: the refusal's 400 is the only one allowed.
    refusal_logged = ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    assert browser_log.console_errors == refusal_logged, (
        f"console errors (CSP violations among them): {browser_log.console_errors}")
    assert not browser_log.page_errors, f"uncaught script errors: {browser_log.page_errors}"
    assert browser_log.broken_requests == [], browser_log.broken_requests
    broken = [(url, status) for url, status in browser_log.responses if status >= 400]
    # The one refusal (the date in the future) answers 400, as a form with errors should.
    assert broken == [(f"{base_url}/applications/{journey.application_id}/events", 400)], broken
