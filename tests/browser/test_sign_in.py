"""Signing in with a real browser (Debian's Chromium through Playwright) against a live server."""
from __future__ import annotations

import pytest

from crm.auth.roles import Role
from crm.extensions import db

EMAIL = "bea.browser@hearth.example"
FULL_NAME = "Beatrice Browser"
PASSWORD = "correct horse battery staple"
STYLESHEET = "/assets/vendor/govuk-frontend.min.css"


@pytest.fixture
def base_url(live_server) -> str:
    """The live server, with a committed manager to sign in as."""
    url, app = live_server
    with app.app_context():
        from crm.auth.services import create_user

        create_user(EMAIL, FULL_NAME, PASSWORD, [Role.MANAGER])
        db.session.commit()
    return url


@pytest.mark.browser
def test_a_manager_signs_in_and_sees_the_home_page(base_url, browser_page, browser_log, tmp_path):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/sign-in?next=%2F")
    expect(page.locator("h1")).to_have_text("Sign in to Hearth")
    expect(page).to_have_title("Sign in – Hearth")

    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("h1")).to_have_text(FULL_NAME)
    expect(page.get_by_role("heading", name="Pipeline today")).to_be_visible()
    assert "Home" in page.title()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # GOV.UK Frontend styles its classes (govuk-heading-l), not the body element.
    font = page.locator("h1").evaluate("heading => getComputedStyle(heading).fontFamily")
    assert "GDS Transport" in font, f"GOV.UK Frontend's stylesheet did not apply: {font}"
    loaded = page.evaluate("document.fonts.ready.then(fonts => [...fonts].filter("
                           "face => face.status === 'loaded').map(face => face.family))")
    assert any("GDS Transport" in family for family in loaded), f"the font files did not load: {loaded}"
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")  # init.js ran
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    responses = [(url.removeprefix(base_url).split("?")[0], status) for url, status in browser_log.responses]
    statuses = {path: {status for seen, status in responses if seen == path} for path, _ in responses}
    assert 200 in statuses.get(STYLESHEET, set()), f"the stylesheet was never served: {statuses}"
    assert 200 in statuses.get("/assets/js/init.js", set())
    assert not browser_log.console_errors, f"console errors (CSP violations among them): {browser_log.console_errors}"
    assert not browser_log.page_errors, f"uncaught script errors: {browser_log.page_errors}"
    assert not browser_log.broken_requests, f"requests that failed: {browser_log.broken_requests}"
    broken = [(path, status) for path, status in responses if status >= 400]
    assert not broken, f"responses with an error status: {broken}"
