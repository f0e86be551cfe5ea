"""Go-live set-up in a real browser, from an empty database: an administrator created by `crm users create` sets
their password at the link the command printed, adds partner authorities (on the page and by `crm authorities
add`), creates a team, adds its manager and two workers and makes the manager the team's manager; each of the three
opens their set-password link, chooses a password and signs in."""
from __future__ import annotations

import re

import pytest

ADMIN = ("ada.admin@hearth.example", "Ada Admin", "marble otter sunrise canal")
TEAM = "Fostering North"
PEOPLE = [  # email, name, role label, password
    ("mina.manager@hearth.example", "Mina Manager", "Manager", "velvet harbour compass tulip"),
    ("wes.worker@hearth.example", "Wes Worker", "Stage one worker", "granite piano meadow swift"),
    ("wren.worker@hearth.example", "Wren Worker", "Stage one worker", "copper lantern orchard breeze"),
]


def set_password(page, url: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("h1")).to_have_text("Choose your password")
    page.fill("#new_password", password)
    page.fill("#confirm_password", password)
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your password is set")


def sign_in(page, base_url: str, email: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("header")).to_contain_text("Sign out")


def sign_out(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/sign-in")


@pytest.mark.browser
def test_an_administrator_sets_up_the_service_and_each_new_user_signs_in(live_server, browser_page, browser_log):
    from playwright.sync_api import expect

    base_url, app = live_server
    page = browser_page
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", ADMIN[0], "--name", ADMIN[1], "--role", "administrator"])
    assert created.exit_code == 0, created.output
    admin_link = re.search(r"(/set-password/\S+)", created.output).group(1)
    added = runner.invoke(args=["authorities", "add", "Leeds City Council"])
    assert added.exit_code == 0, added.output

    set_password(page, base_url + admin_link, ADMIN[2])
    sign_in(page, base_url, ADMIN[0], ADMIN[2])
    page.get_by_role("link", name="Administration").first.click()
    expect(page.locator("h1")).to_have_text("Administration")

    page.locator("#admin-sections").get_by_role("link", name="Partner authorities").click()
    page.fill("#name", "Bradford Council")
    page.get_by_role("button", name="Add partner authority").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Bradford Council added.")
    expect(page.locator("#authorities-table")).to_contain_text("Leeds City Council")

    page.get_by_label("Administration", exact=True).get_by_role("link", name="Teams").click()
    page.fill("#name", TEAM)
    page.get_by_role("button", name="Create team").click()
    expect(page.locator("h1")).to_have_text(TEAM)
    team_url = page.url

    links = {}
    for email, name, role, _ in PEOPLE:
        page.goto(f"{base_url}/admin/users/new")
        page.fill("#full_name", name)
        page.fill("#email", email)
        page.get_by_label(role, exact=True).check()
        page.select_option("#team", label=TEAM)
        page.get_by_role("button", name="Add user").click()
        expect(page.locator(".govuk-panel__title")).to_have_text("User added")
        links[email] = page.get_by_test_id("password-link").inner_text()
        assert links[email].startswith(f"{base_url}/set-password/")

    page.goto(team_url)
    page.select_option("#manager", label=PEOPLE[0][1])
    page.get_by_role("button", name="Save manager").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{PEOPLE[0][1]} manages {TEAM}.")
    expect(page.locator("#members-table")).to_contain_text(PEOPLE[2][1])
    page.goto(f"{base_url}/admin/teams")
    expect(page.locator("#teams-table")).to_contain_text(PEOPLE[0][1])
    sign_out(page, base_url)

    for email, name, _, password in PEOPLE:
        set_password(page, links[email], password)
        sign_in(page, base_url, email, password)
        expect(page.locator("header")).to_contain_text(name)
        sign_out(page, base_url)
        page.goto(links[email])
        expect(page.get_by_test_id("link-problem")).to_contain_text("already been used")

    with app.app_context():
        from crm.auth.services import find_user
        from crm.households.authorities import partner_authorities

        team = find_user(PEOPLE[0][0]).team
        assert team.name == TEAM and team.manager.email == PEOPLE[0][0]
        assert {user.email for user in team.members} == {email for email, *_ in PEOPLE}
        assert [a.name for a in partner_authorities()] == ["Bradford Council", "Leeds City Council"]
    # The only errors: each spent link, opened again on purpose, answered 404.
    assert browser_log.console_errors == ["Failed to load resource: the server responded with a status of 404 "
                                          "(NOT FOUND)"] * len(PEOPLE)
    assert [status for url, status in browser_log.responses if "/set-password/" in url and status == 404] == [
        404] * len(PEOPLE)
    assert browser_log.page_errors == []
    assert browser_log.broken_requests == []
    assert not [(url, status) for url, status in browser_log.responses if status >= 500]
