"""Signing in with a real browser (Debian's Chromium through Playwright) against a live server."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from crm import migrate
from crm.auth.roles import Role
from crm.extensions import Database, db
from tests.conftest import fresh_database_url, make_test_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
EMAIL = "bea.browser@hearth.example"
FULL_NAME = "Beatrice Browser"
PASSWORD = "correct horse battery staple"
STYLESHEET = "/assets/vendor/govuk-frontend.min.css"


@pytest.fixture
def live_server(tmp_path_factory, tmp_path):
    """The app on a committed SQLite database of its own, served over HTTP from a thread."""
    url = fresh_database_url("sqlite", tmp_path_factory, "browser")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path / "instance", RATELIMIT_ENABLED=False)
    with app.app_context():
        from crm.auth.services import create_user

        create_user(EMAIL, FULL_NAME, PASSWORD, [Role.MANAGER])
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        Database.state(app).engine.dispose()


@pytest.fixture
def chromium_path() -> str:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


@pytest.mark.browser
def test_a_manager_signs_in_and_sees_the_home_page(live_server, chromium_path, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    console_errors: list[str] = []
    page_errors: list[str] = []
    failed_requests: list[str] = []
    responses: list[tuple[str, int]] = []  # (path, status), in order

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda message: console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("requestfailed", lambda request: failed_requests.append(request.url))
            page.on("response", lambda response: responses.append(
                (response.url.removeprefix(live_server).split("?")[0], response.status)))

            page.goto(f"{live_server}/")
            expect(page).to_have_url(f"{live_server}/sign-in?next=%2F")
            expect(page.locator("h1")).to_have_text("Sign in to Hearth")
            expect(page).to_have_title("Sign in – Hearth")

            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.get_by_role("button", name="Sign in").click()

            expect(page).to_have_url(f"{live_server}/")
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
        finally:
            browser.close()

    statuses = {path: {status for seen, status in responses if seen == path} for path, _ in responses}
    assert 200 in statuses.get(STYLESHEET, set()), f"the stylesheet was never served: {statuses}"
    assert 200 in statuses.get("/assets/js/init.js", set())
    assert not console_errors, f"console errors (CSP violations among them): {console_errors}"
    assert not page_errors, f"uncaught script errors: {page_errors}"
    assert not failed_requests, f"requests that failed: {failed_requests}"
    broken = [(path, status) for path, status in responses if status >= 400]
    assert not broken, f"responses with an error status: {broken}"
