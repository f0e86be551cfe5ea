"""The service navigation: one entry per area, linking to the first page of it the user may use."""
from __future__ import annotations

import re

import pytest

from crm.auth.roles import Role
from tests.factories import UserFactory


def entries(html: str) -> dict[str, str]:
    """Navigation label -> link."""
    return {label.strip(): href for href, label in re.findall(
        r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>\s*([^<]+?)\s*</a>', html)}


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


def test_an_area_page_highlights_its_entry(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/marketing/campaigns").get_data(as_text=True)
    current = re.search(r'govuk-service-navigation__item--active">\s*<a[^>]*href="([^"]+)"', html)
    assert current and current.group(1) == "/marketing/dashboard"
    html = client.get("/targets/").get_data(as_text=True)
    current = re.search(r'govuk-service-navigation__item--active">\s*<a[^>]*href="([^"]+)"', html)
    assert current and current.group(1) == "/reports/"
