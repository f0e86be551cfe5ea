"""Browser tests: the app on a committed database of its own, served over HTTP from a thread, and
Debian's Chromium driven through Playwright (never a browser downloaded by `playwright install`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest
from flask import Flask

from crm import migrate
from tests.conftest import fresh_database_url, make_test_app, served

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class LiveServer(NamedTuple):
    """Unpacks as (base_url, app); seed data with `with app.app_context(): ...; db.session.commit()`."""

    url: str
    app: Flask


@pytest.fixture
def live_server(tmp_path_factory):
    """The app on a fresh, migrated SQLite database of its own (commits are real), served from a thread."""
    url = fresh_database_url("sqlite", tmp_path_factory, "browser")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"), RATELIMIT_ENABLED=False)
    with served(app) as base_url:
        yield LiveServer(base_url, app)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium: missing, it fails the run on CI and skips the browser tests elsewhere."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


@dataclass
class BrowserLog:
    """What the page reported while the test ran: check these at the end of a test."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)  # "URL (Chromium's error text)"
    responses: list[tuple[str, int]] = field(default_factory=list)  # (full URL, status), in order

    @property
    def broken_requests(self) -> list[str]:
        """Failed requests other than those Chromium abandoned itself (net::ERR_ABORTED): a late
        request such as the favicon is cancelled when the journey navigates on before it is served.
        Anything else (refused, blocked by CSP, reset) is a fault."""
        return [request for request in self.failed_requests if not request.endswith("(net::ERR_ABORTED)")]


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def browser_page(chromium_path, browser_log):
    """A page in a fresh headless Chromium, its console errors, script errors, failed requests and
    responses collected into `browser_log`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda message: browser_log.console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: browser_log.page_errors.append(str(error)))
            page.on("requestfailed", lambda request: browser_log.failed_requests.append(
                f"{request.url} ({request.failure})"))
            page.on("response", lambda response: browser_log.responses.append((response.url, response.status)))
            yield page
        finally:
            browser.close()
