"""Drill-down (SPEC section 5): every count on every report links to the households behind it, and the list behind
each count has exactly that many rows; for managers only, audited, paginated; bad links answered, never a 500."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.reports import drill, registry
from crm.reports.base import ReportParams, Split
from tests.factories import UserFactory
from tests.reports.test_activity import YEAR, History
from tests.reports.names import REPORTS
from tests.reports.test_page_matches_exports import rich_history

LINK = re.compile(r'<a class="govuk-link" href="(/reports/[^"]+/households\?[^"]+)">([\d,]+)'
                  r'<span class="govuk-visually-hidden">')
SUMMARY = re.compile(r'<p class="govuk-body" id="drill-summary">([\d,]+) (\w+)')


def value_at(report, table: str, position: int, column: str):
    frame = report.tables[table]
    frame = frame if frame.index.__class__.__name__ == "RangeIndex" else frame.reset_index()
    return frame.iloc[position][column]


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("by", [None, Split.SERVICE_LINE, Split.CHANNEL, Split.MONTH],
                         ids=lambda by: by.value if by else "total")
def test_the_lines_behind_each_count_number_exactly_that_count(name, by, app_context, db_session):
    rich_history(db_session)
    params = ReportParams(date(2027, 4, 1), date(2028, 3, 31), at=date(2028, 1, 31), by=by)
    try:
        report = registry.compute(name, params)
    except ValueError as error:  # a report that cannot make this split says so, and there is nothing to drill
        assert by is not None and "split" in str(error), error
        return
    lines = drill.family(name).drill_lines(params)
    assert {"household_id", "application_id"} <= set(lines.columns)
    nonzero = 0
    for (table, position, column), wanted in drill.cells(report).items():
        count = value_at(report, table, position, column)
        assert len(drill.pick(lines, wanted)) == count, (table, position, column, wanted)
        nonzero += bool(count)
    if name in ("activity", "timeliness", "snapshot"):  # the others may need more (targets set, say)
        assert nonzero > 5, f"the {name} report's counts were 0 for a year with something in every report"


@pytest.mark.parametrize("name", REPORTS)
def test_the_page_s_links_list_as_many_rows_as_their_counts(name, client, auth, db_session, services_as):
    services_as(lambda: rich_history(db_session))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get(f"/reports/{name}?date_from=2027-04-01&date_to=2028-03-31&at=2028-01-31&by=service_line")
    links = LINK.findall(page.get_data(as_text=True))
    assert links or name not in ("activity", "timeliness", "snapshot"), "no count is a link"
    for href, count in links[::max(1, len(links) // 6)]:  # a few across the page: the counts are checked above
        listed = client.get(unescape(href))
        assert listed.status_code == 200, href
        text = listed.get_data(as_text=True)
        total, _ = SUMMARY.search(text).groups()
        assert total == count, href
        assert text.count('<tr class="govuk-table__row">') - 1 == min(int(count.replace(",", "")), 100), href


@pytest.fixture
def manager(client, auth):
    user = UserFactory(roles=[Role.MANAGER])
    auth.login(user)
    return user


def test_a_household_counted_in_two_months_is_listed_in_each_and_once_in_the_total(client, manager, db_session,
                                                                                   services_as):
    services_as(lambda: History(db_session).build())
    year = f"date_from={YEAR.date_from}&date_to={YEAR.date_to}"
    total = client.get(f"/reports/activity/households?{year}&by=month&measure=enquiry_households&in_total=1")
    html = total.get_data(as_text=True)
    # By first contact: C (1 April; a household made without a name), E (Evans, 5 April), A (Adams: 10 April, 2 May
    # and 20 June, listed once), B (Brown, July), F (Foster, November); D's contact is after the year, G's before
    assert "5 households" in html and html.count('<tr class="govuk-table__row">') - 1 == 5
    named = sorted((html.index(name), name) for name in ("Adams", "Brown", "Davies", "Evans", "Foster", "Green")
                   if name in html)
    assert [name for _, name in named] == ["Evans", "Adams", "Brown", "Foster"]
    assert "Enquiries (households), total" in html
    may = client.get(f"/reports/activity/households?{year}&by=month&measure=enquiry_households&split=2025-05")
    assert "1 household," in may.get_data(as_text=True) and "Adams" in may.get_data(as_text=True)
    assert "Enquiries (households), May 2025" in may.get_data(as_text=True)  # the month as people write it
    contacts = client.get(f"/reports/activity/households?{year}&measure=enquiry_contacts").get_data(as_text=True)
    assert "7 contacts" in contacts and contacts.count("Adams") >= 3  # one row per contact


def test_a_count_of_applications_names_each_application_s_line_and_what_happened(client, manager, db_session,
                                                                                 services_as):
    services_as(lambda: History(db_session).build())
    year = f"date_from={YEAR.date_from}&date_to={YEAR.date_to}"
    html = client.get(f"/reports/activity/households?{year}&measure=withdrawals.total").get_data(as_text=True)
    # B adoption (applicant, Health), B mainstream fostering (service, Not suitable), F (applicant, Health)
    assert "3 applications" in html and "Mainstream fostering" in html and "Not suitable" in html
    listed = html[html.index("<table"):html.index("</table>")]  # not the header: the manager's made-up name may be Brown
    assert listed.count("Brown") == 2 and "Withdrawn by" in html


def test_the_list_is_audited_and_paginated(client, manager, db_session, services_as, monkeypatch):
    services_as(lambda: History(db_session).build())
    monkeypatch.setattr(drill, "PAGE_SIZE", 2)
    query = f"date_from={YEAR.date_from}&date_to={YEAR.date_to}&measure=enquiry_contacts"
    first = client.get(f"/reports/activity/households?{query}").get_data(as_text=True)
    assert "7 contacts" in first and "showing 1 to 2" in first and "govuk-pagination" in first
    assert first.count('<tr class="govuk-table__row">') - 1 == 2
    last = client.get(f"/reports/activity/households?{query}&page=99").get_data(as_text=True)
    assert "showing 7 to 7" in last  # a page past the end shows the last
    assert "showing 1 to 2" in client.get(f"/reports/activity/households?{query}&page=x").get_data(as_text=True)
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "viewed_report_households")).all()
    assert len(audit) == 3 and {event.actor_id for event in audit} == {manager.id}
    assert audit[0].object_id == "activity" and audit[0].detail == {
        "date_from": "2025-04-01", "date_to": "2026-03-31", "at": audit[0].detail["at"],
        "selector": {"measure": "enquiry_contacts"}, "rows": 7}


def test_bad_links_are_refused_clearly_never_a_500(client, manager):
    year = "date_from=2025-04-01&date_to=2026-03-31"
    assert client.get(f"/reports/nonsense/households?{year}&measure=x").status_code == 404
    assert client.get(f"/reports/activity/households?{year}").status_code == 404  # no selector
    assert client.get(f"/reports/activity/households?{year}&colour=blue").status_code == 404  # not a column
    bad = client.get("/reports/activity/households?date_from=2026-13-01&measure=enquiry_contacts")
    assert bad.status_code == 400 and "From must be a real date" in bad.get_data(as_text=True)
    refused = client.get("/reports/snapshot/households?at=2026-07-01&by=month&category=stage_1")
    assert refused.status_code == 400 and "cannot be split by month" in refused.get_data(as_text=True)


def test_only_managers_see_the_lists(client, auth):
    for role in (Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR):
        auth.login(UserFactory(roles=[role]))
        assert client.get("/reports/activity/households?measure=enquiry_contacts").status_code == 403
        auth.logout()


def test_a_lists_event_column_reads_as_the_timeline_names_it_and_other_codes_as_words():
    from crm.reports.drill import display

    assert display("approved", "kind") == "Approved by the agency decision maker"
    assert display("stage_1", "stage") == "stage 1"  # a stage, not an event: no event wording
    assert display("approved", "category") == "approved"
