"""The report pages: managers only, the filter's errors beside its fields, charts with their tables, and the
downloads giving the same figures as the page."""
from __future__ import annotations

import io
import re
import json
from datetime import date

import openpyxl

from crm.auth.roles import Role
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from tests.factories import HouseholdFactory, UserFactory


def history(services_as):
    """Two adoption applications that reach Stage 1 in the 2026-27 financial year."""
    def build():
        for _ in range(2):
            application = funnel.open_application(HouseholdFactory(), "adoption", date(2026, 5, 4), actor=None,
                                                  today=date(2026, 5, 4))
            funnel.advance(application, Stage.INITIAL_VISIT, date(2026, 5, 20), actor=None, today=date(2026, 5, 20))
            funnel.advance(application, Stage.REGISTRATION_OF_INTEREST, date(2026, 6, 1), actor=None,
                           today=date(2026, 6, 1))
            funnel.advance(application, Stage.STAGE_1, date(2026, 6, 8), actor=None, today=date(2026, 6, 8))
    services_as(build)


def test_only_managers_see_reports(client, auth):
    for role in (Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR):
        auth.login(UserFactory(roles=[role]))
        assert client.get("/reports/").status_code == 403
        assert client.get("/reports/activity").status_code == 403
        auth.logout()


def test_the_activity_page_shows_its_funnel_chart_and_tables(client, auth, services_as):
    history(services_as)
    auth.login(UserFactory(roles=[Role.MANAGER]))
    index = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/activity"' in index
    page = client.get("/reports/activity?date_from=2026-04-01&date_to=2027-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "Funnel in the period" in html and "<table" in html
    assert "From 1 April 2026 to 31 March 2027" in html


def test_the_json_download_has_the_figures_the_page_computes(client, auth, services_as):
    history(services_as)
    auth.login(UserFactory(roles=[Role.MANAGER]))
    body = client.get("/reports/activity/export.json?date_from=2026-04-01&date_to=2027-03-31").get_data()
    figures = json.loads(body)["figures"]
    assert figures["stage_1_starts"] == 2 and figures["registrations_of_interest"] == 2
    assert figures["initial_visits"] == 2
    workbook = openpyxl.load_workbook(io.BytesIO(
        client.get("/reports/activity/export.xlsx?date_from=2026-04-01&date_to=2027-03-31").get_data()))
    assert workbook.sheetnames
    csv = client.get("/reports/activity/export.csv?date_from=2026-04-01&date_to=2027-03-31").get_data(as_text=True)
    assert "stage_1_starts" in csv or "Stage 1 starts" in csv


def test_bad_filters_are_answered_beside_the_fields_never_a_500(client, auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    cases = [("date_from=2026-13-01", "From must be a real date, like 2026-04-01"),
             ("date_from=2027-01-01&date_to=2026-01-01", "To must be on or after From"),
             ("date_from=0001-01-01", "From must be between 1900 and 2100"),
             ("by=weekday", "Not a valid choice")]
    for query, message in cases:
        response = client.get(f"/reports/activity?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query
    assert client.get("/reports/nonsense").status_code == 404
    assert client.get("/reports/activity/export.pdf").status_code == 404


def test_each_snapshot_count_links_to_exactly_that_many_households(client, auth, services_as):
    history(services_as)  # two adoption applications in Stage 1 since 8 June 2026
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get("/reports/snapshot?at=2026-07-01").get_data(as_text=True)
    links = re.findall(r'href="(/reports/snapshot/households\?[^"]+)">(\d+)<', page)
    assert links, "no count is a link"
    for href, count in links:
        listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert listed.count('<tr class="govuk-table__row">') - 1 == int(count), href
    stage_1 = client.get("/reports/snapshot/households?at=2026-07-01&category=stage_1&bucket=%3C2+months")
    assert stage_1.status_code == 200 and "2 applications as at 1 July 2026" in stage_1.get_data(as_text=True)
    for bad in ("at=nonsense&category=stage_1", "at=2026-07-01&category=nothing",
                "at=2026-07-01&category=on_hold&bucket=%3C2+months"):
        assert client.get(f"/reports/snapshot/households?{bad}").status_code == 404
