"""The administration overview lists the Administration area's pages the user may use, each with what it is for."""
from __future__ import annotations

import html

import pytest

from crm.admin.views import DESCRIPTIONS
from crm.auth.policy import may_use
from crm.auth.roles import Role
from crm.web import NAVIGATION
from tests.factories import UserFactory

PAGES = [(label, endpoint) for area, label, endpoint in NAVIGATION
         if area == "Administration" and endpoint != "admin.index"]


@pytest.mark.parametrize("label, endpoint", PAGES)
def test_every_administration_page_says_what_it_is_for(label, endpoint):
    assert DESCRIPTIONS.get(endpoint), f"{label} ({endpoint}) has no description for the overview"


def test_the_overview_lists_the_pages_the_administrator_may_use_and_no_others(client, auth, app, db_session):
    administrator = UserFactory(roles=[Role.ADMINISTRATOR])
    auth.login(administrator)
    page = html.unescape(client.get("/admin/").get_data(as_text=True))
    overview = page[page.index('id="admin-sections"'):]
    with app.test_request_context():
        allowed = {endpoint: may_use(administrator, app, endpoint) for _, endpoint in PAGES}
    assert any(allowed.values()) and not all(allowed.values())  # managers' pages (imports, audit) are not theirs
    for label, endpoint in PAGES:
        assert (f">{label}</a>" in overview) is allowed[endpoint], label
        assert (DESCRIPTIONS[endpoint] in overview) is allowed[endpoint], label
