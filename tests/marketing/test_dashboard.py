"""The marketing dashboard: who may use it, aggregates only (no name, contact detail or address anywhere, small
numbers hidden on the page and in every download), the bus-shelter question answered, and bad filters answered."""
from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import openpyxl
import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from tests.factories import UserFactory
from tests.marketing.test_marketing_figures import Story

YEAR = "date_from=2025-04-01&date_to=2026-03-31"
PAGE, EXPORT = "/marketing/dashboard", "/marketing/dashboard/export"


@pytest.fixture
def story(services_as, db_session):
    return services_as(lambda: Story(db_session).build())


def sign_in(client, auth, role: Role):
    assert auth.login(UserFactory(roles=[role])).status_code == 302
    return client


# A figure hidden as "<5" (in the downloads) reads as words on the page, with its reason for screen readers.
HIDDEN = "fewer than 5 households, so the figure is not shown"


def table_rows(html: str, table_id: str, part: str = "tbody") -> list[list[str]]:
    """The rows of the table's body (or head), each cell's text."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    section = re.search(rf"<{part}.*?</{part}>", table, re.S).group(0)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells]


def by_label(rows: list[list[str]], label: str) -> list[str]:
    return next(row for row in rows if row[0] == label)


@pytest.mark.parametrize("role", [Role.MARKETING_OFFICER, Role.MANAGER])
def test_the_marketing_officer_and_managers_use_the_dashboard_and_its_downloads(client, auth, role):
    sign_in(client, auth, role)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'href="/marketing/dashboard"' in page.get_data(as_text=True)  # navigation
    for fmt in ("csv", "xlsx", "json"):
        assert client.get(f"{EXPORT}.{fmt}").status_code == 200


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER,
                                  Role.ADMINISTRATOR])
def test_casework_roles_and_administrators_are_refused(client, auth, role):
    sign_in(client, auth, role)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{EXPORT}.csv").status_code == 403
    assert "/marketing/dashboard" not in client.get("/").get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(client):
    for url in (PAGE, f"{EXPORT}.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def personal_details(story) -> list[str]:
    """Every name, email, postcode and reference of the story's households (filled by Faker)."""
    details = []
    for household in story.households.values():
        details += [household.reference, household.email, household.postcode]
        details += [f"{person.first_name} {person.last_name}" for person in household.people]
    assert len(details) == 4 * len(story.households) and all(details)
    return details


def test_no_name_contact_detail_or_address_reaches_the_page_or_any_download(client, auth, story):
    sign_in(client, auth, Role.MARKETING_OFFICER)
    html = client.get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    data = {fmt: client.get(f"{EXPORT}.{fmt}?{YEAR}").get_data() for fmt in ("csv", "xlsx", "json")}
    book = openpyxl.load_workbook(io.BytesIO(data["xlsx"]))
    cells = " ".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)
    texts = {"page": unescape(html), "csv": data["csv"].decode("utf-8-sig"), "xlsx": cells,
             "json": json.dumps(json.loads(data["json"]), ensure_ascii=False)}
    assert "Bus shelters, winter" in texts["page"] and all("Bus shelters, winter" in text for text in texts.values())
    for where, text in texts.items():
        for detail in personal_details(story):
            assert detail not in text and detail.lower() not in text.lower(), (where, detail)
    assert "/households/" not in html  # no drill-down to households from these pages


def test_small_numbers_are_hidden_on_the_page_and_in_every_download(client, auth, story):
    sign_in(client, auth, Role.MARKETING_OFFICER)
    html = client.get(f"{PAGE}?{YEAR}").get_data(as_text=True)
    facebook = by_label(table_rows(html, "table-channels"), "digital > Facebook")
    assert facebook[1:3] == [HIDDEN, HIDDEN]  # contacts, households of 3 households
    assert HIDDEN in by_label(table_rows(html, "table-channels"), "digital > Google Ads")  # so 8 - 5 cannot give 3
    rows = list(csv.reader(io.StringIO(client.get(f"{EXPORT}.csv?{YEAR}").get_data(as_text=True).lstrip("\ufeff"))))
    header, facebook_csv = rows[0], next(r for r in rows if r[0] == "channels" and r[1] == "digital > Facebook")
    assert facebook_csv[header.index("contacts")] == "<5" and facebook_csv[header.index("households")] == "<5"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{EXPORT}.xlsx?{YEAR}").get_data()))["channels"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["channel", "level", "contacts", "households"]
    assert next(r for r in values if r[0] == "digital > Facebook")[2:4] == ["<5", "<5"]
    assert next(r for r in values if r[0] == "digital")[2:4] == [8, 8]  # numbers stay numbers
    body = json.loads(client.get(f"{EXPORT}.json?{YEAR}").get_data())
    facebook_json = next(r for r in body["figures"]["channels"] if r["channel"] == "digital > Facebook")
    assert (facebook_json["contacts"], facebook_json["cost_per_enquiry"]) == ("<5", "<5")


def test_the_bus_shelter_campaign_s_cost_per_approval_under_each_model_is_one_row(client, auth, story):
    """"What did the bus-shelter campaign cost per approved household, and how does that change under each model?"
    """
    sign_in(client, auth, Role.MARKETING_OFFICER)
    html = client.get(f"{PAGE}?{YEAR}&outcome=approval").get_data(as_text=True)
    assert "Cost per approval under each model" in html
    header = table_rows(html, "table-campaign-cost-by-model", "thead")[0]
    assert header[-7:] == ["Spend in the period", "First touch", "Last touch", "Linear", "Time decay",
                           "Position based", "Markov"]
    bus = by_label(table_rows(html, "table-campaign-cost-by-model"), "Bus shelters, winter")
    assert bus[-7:] == ["£5,900.00", "£983.33", HIDDEN, "£1,685.71", "£1,966.67", "£1,685.71", "£1,311.11"]
    chart = html.split("<title>Bus shelters, winter: cost per approval under each model</title>")[1].split("</svg>")[0]
    assert "£983.33" in chart and "£1,311.11" in chart and "&lt;5" not in chart  # the chart writes pounds too
    assert html.count("<svg") >= 3  # contacts by channel, the bus shelters' costs, lift


def test_the_filter_chooses_the_model_and_outcome(client, auth, story):
    sign_in(client, auth, Role.MANAGER)
    html = client.get(f"{PAGE}?{YEAR}&model=linear&outcome=roi").get_data(as_text=True)
    outdoor = by_label(table_rows(html, "table-channels"), "outdoor")
    assert outdoor[1:5] == ["7", "6", "3.5", "3.5"]  # contacts, households, ROIs and approvals (linear)
    assert "ROIs (linear)" in html and "ROIs credited to each channel under each model" in html


@pytest.mark.parametrize("query, message", [
    ("date_from=2026-13-01", "From must be a real date, like 2026-04-01"),
    ("date_from=2027-01-01&date_to=2026-01-01", "To must be on or after From"),
    ("model=magic", "Choose an attribution model from the list"),
    ("outcome=placement", "Choose approvals or registrations of interest"),
])
def test_bad_filters_are_answered_beside_the_fields_never_a_500(client, auth, query, message):
    sign_in(client, auth, Role.MARKETING_OFFICER)
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert "govuk-error-message" in response.get_data(as_text=True)
    assert client.get(f"{EXPORT}.csv?{query}").status_code == 400


def test_an_unknown_download_format_is_not_found(client, auth):
    sign_in(client, auth, Role.MARKETING_OFFICER)
    assert client.get(f"{EXPORT}.pdf").status_code == 404


def test_a_download_is_audited_with_its_model_and_outcome(client, auth, story, db_session):
    sign_in(client, auth, Role.MARKETING_OFFICER)
    response = client.get(f"{EXPORT}.json?{YEAR}&model=markov&outcome=roi")
    assert 'filename="hearth-attribution-2025-04-01-to-2026-03-31.json"' in response.headers["Content-Disposition"]
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported"))
    assert audit.object_id == "attribution" and audit.detail == {
        "name": "attribution", "format": "json",
        "params": {"from": "2025-04-01", "to": "2026-03-31", "at": None, "by": None, "model": "markov",
                   "outcome": "roi"}}
