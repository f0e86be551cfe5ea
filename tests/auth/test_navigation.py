"""The service navigation: at most seven areas for any role, each linking to the first page of it the user may use,
with the area's other pages as a sub-navigation; every page a role may open without arguments is reachable."""
from __future__ import annotations

import re

import pytest

from crm.auth.policy import PUBLIC, access_rule, may_use
from crm.auth.roles import Role
from tests.factories import UserFactory

HEADER_LINK = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>(.*?)</a>', re.S)
SUB_LINK = re.compile(r'<a class="moj-sub-navigation__link" href="([^"]+)"[^>]*>\s*([^<]+?)\s*</a>')
AREA_NAV = re.compile(r'<nav class="moj-sub-navigation hearth-area-navigation"[^>]*>(.*?)</nav>', re.S)
# The header's account links are no area: the user's name (change password), and signing out.
ACCOUNT = {"auth.change_password"}


def entries(html: str) -> dict[str, str]:
    """Header navigation label -> link (the account link, the user's name, left out)."""
    nav = html.split('<nav aria-label="Menu"', 1)[-1].split("</nav>", 1)[0]
    return {re.sub(r"<[^>]+>", "", label).strip(): href for href, label in HEADER_LINK.findall(nav)
            if href != "/account/password"}


def sub_entries(html: str) -> dict[str, str]:
    nav = AREA_NAV.search(html)
    return {label: href for href, label in SUB_LINK.findall(nav.group(1))} if nav else {}


def current(html: str) -> str | None:
    found = re.search(r'govuk-service-navigation__item--active">\s*<a[^>]*href="([^"]+)"', html)
    return found and found.group(1)


def pages_without_arguments(app, user) -> set[str]:
    """The address of every GET page the user may use that takes no argument."""
    return {rule.rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments and rule.endpoint not in ACCOUNT | {"static"}
            and access_rule(app, rule.endpoint) != PUBLIC and may_use(user, app, rule.endpoint)}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_at_most_seven_areas_and_reaches_every_page(client, auth, db_session, app, role):
    user = UserFactory(roles=[role])
    auth.login(user)
    links = entries(client.get("/").get_data(as_text=True))
    assert 2 <= len(links) <= 7, links
    reached = set(links.values())
    for href in links.values():
        html = client.get(href).get_data(as_text=True)
        assert current(html) == href
        subs = list(sub_entries(html).values()) or [href]
        reached |= set(subs)
        for sub in subs:  # each page of the area, and the pages it links to (its "new" forms)
            reached |= set(re.findall(r'href="(/[^"?#]*)"', client.get(sub).get_data(as_text=True)))
    with app.test_request_context():
        missing = {path for path in pages_without_arguments(app, user) if path not in reached}
    assert not missing, f"{role}: no way to {sorted(missing)}"


def test_every_role_together_still_has_seven_areas(client, auth, db_session):
    auth.login(UserFactory(roles=list(Role)))
    assert list(entries(client.get("/").get_data(as_text=True))) == [
        "Home", "Work queue", "Households", "Events", "Reports", "Marketing", "Administration"]


@pytest.mark.parametrize("role, marketing_link", [
    (Role.MARKETING_OFFICER, "/marketing/dashboard"), (Role.MANAGER, "/marketing/dashboard"),
    (Role.ADMINISTRATOR, "/marketing/channels"), (Role.RECRUITMENT_OFFICER, None),
])
def test_marketing_is_one_entry_leading_to_the_first_page_the_role_may_use(client, auth, db_session, role,
                                                                           marketing_link):
    auth.login(UserFactory(roles=[role]))
    links = entries(client.get("/").get_data(as_text=True))
    assert links.get("Marketing") == marketing_link
    assert not {"Marketing dashboard", "Channels"} & set(links)


def test_an_area_page_highlights_its_entry_and_shows_its_pages(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/marketing/campaigns").get_data(as_text=True)
    assert current(html) == "/marketing/dashboard"
    assert list(sub_entries(html)) == ["Dashboard", "Campaigns", "Monthly figures", "Channels", "UTM rules"]
    assert re.search(r'href="/marketing/campaigns" aria-current="page"', html)
    html = client.get("/targets/").get_data(as_text=True)
    assert current(html) == "/reports/" and sub_entries(html) == {"Reports": "/reports/", "Targets": "/targets/"}


def test_a_page_under_another_belongs_to_the_longest_leading_address(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER, Role.ADMINISTRATOR, Role.STAGE_ONE_WORKER]))
    assert current(client.get("/admin/checks").get_data(as_text=True)) == "/admin/"  # the area's first page
    assert current(client.get("/checks").get_data(as_text=True)) == "/queue"
    assert current(client.get("/account/password").get_data(as_text=True)) is None


def test_an_area_of_one_page_has_no_sub_navigation(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.ADMINISTRATOR]))
    html = client.get("/").get_data(as_text=True)
    assert sub_entries(html) == {}
