"""The report pages: managers only, the filter's errors beside its fields, charts with their tables, each count a
link to its households, and a month as it stood at its end (the downloads' figures: test_page_matches_exports)."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

from crm.auth.roles import Role
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from jobs.snapshot import month_end_snapshot
from tests.factories import HouseholdFactory, UserFactory
from tests.reports.histories import journey, to_stage_1


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


def test_bad_filters_are_answered_beside_the_fields_never_a_500(client, auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    cases = [("date_from=2026-13-01", "From must be a real date, like 2026-04-01"),
             ("date_from=2027-01-01&date_to=2026-01-01", "To must be on or after From"),
             ("date_from=0001-01-01", "From must be between 1900 and 2100"),
             ("by=weekday", "Choose a split from the list"),
             ("date_from=31&date_from=2&date_from=2026", "From must be a real date, for example 27 3 2026")]
    for query, message in cases:
        response = client.get(f"/reports/activity?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query
    assert client.get("/reports/nonsense").status_code == 404
    assert client.get("/reports/activity/export.pdf").status_code == 404


def test_the_period_is_entered_in_date_inputs_and_each_report_offers_only_its_splits(client, auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    entered = client.get("/reports/activity?date_from=1&date_from=6&date_from=2026&date_to=&date_to=&date_to=&by=")
    assert entered.status_code == 302  # to the short address a link would give
    assert entered.headers["Location"] == "/reports/activity?date_from=2026-06-01&by="
    html = client.get(entered.headers["Location"]).get_data(as_text=True)
    assert "From 1 June 2026 to 31 March 2027" in " ".join(html.split())
    assert re.search(r'id="date_from-day" name="date_from" type="text" value="01"', html)
    assert client.get("/reports/activity/export.json?date_from=1&date_from=6&date_from=2026&date_to=30&date_to=6"
                      "&date_to=2026").get_json()["to"] == "2026-06-30"
    not_real = client.get("/reports/activity?date_from=31&date_from=2&date_from=2026")
    assert not_real.status_code == 400 and "From must be a real date" in not_real.get_data(as_text=True)
    offered = {name: set(re.findall(r'<option value="(\w*)"', client.get(f"/reports/{name}").get_data(as_text=True)))
               for name in ("activity", "targets", "fostering-return")}
    assert offered["activity"] == {"", "month", "quarter", "service_line", "partner_authority", "team", "channel"}
    assert offered["targets"] == {"", "service_line"}
    assert offered["fostering-return"] == {"", "partner_authority", "team", "channel"}


def test_each_nonzero_count_links_to_its_households_named_for_screen_readers(client, auth, services_as):
    history(services_as)  # two adoption applications in Stage 1 since 8 June 2026
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get("/reports/snapshot?date_from=2026-04-01&date_to=2027-03-31&at=2026-07-01").get_data(as_text=True)
    found = re.findall(r'href="(/reports/snapshot/households\?[^"]+)">(\d+)<span class="govuk-visually-hidden">'
                       r'([^<]+)</span>', page)
    links = {href.replace("&amp;", "&"): (count, hidden) for href, count, hidden in found}
    assert sorted(links.values()) == [("2", ": list the households behind &lt;2 months, applications"),
                                      ("2", ": list the households behind Stage 1, applications")]
    total = "/reports/snapshot/households?date_from=2026-04-01&date_to=2027-03-31&at=2026-07-01&category=stage_1"
    assert total in links
    listed = client.get("/reports/snapshot/households?at=2026-07-01&category=stage_1&bucket=%3C2+months")
    assert listed.status_code == 200 and "2 applications as at 1 July 2026" in listed.get_data(as_text=True)


def stage_1_in_june(services_as):
    """Two adoption applications that start Stage 1 on 8 June 2026."""
    return services_as(lambda: [journey(None, *to_stage_1(date(2026, 6, 8))) for _ in range(2)])


def figures(client, query: str) -> dict:
    return json.loads(client.get(f"/reports/{query}").get_data())["figures"]


def test_a_month_is_shown_as_it_stood_at_its_end_whatever_is_back_dated_later(client, auth, services_as):
    first, _ = stage_1_in_june(services_as)
    services_as(lambda: month_end_snapshot(date(2026, 7, 1)))  # June's, taken on the night of 1 July
    # Recorded on 2 July, back-dated: the first finished Stage 1 on 20 June.
    services_as(lambda: funnel.advance(first, Stage.STAGE_1_COMPLETED, date(2026, 6, 20), actor=None,
                                       today=date(2026, 7, 2)))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    # Live, the change shows: 1 in Stage 1, 1 between the stages; June's activity has a Stage 1 completion.
    assert figures(client, "snapshot/export.json?at=2026-06-30")["stage_1"]["total"] == 1
    assert figures(client, "activity/export.json?date_from=2026-06-01&date_to=2026-06-30")["stage_1_completions"] == 1
    # As it stood, it does not.
    stood = figures(client, "snapshot/export.json?at=2026-06-30&as_stood=1")
    assert (stood["stage_1"]["total"], stood["between_stages"]["total"]) == (2, 0)
    month = figures(client, "activity/export.json?date_from=2026-06-01&date_to=2026-06-30&as_stood=1")
    assert (month["stage_1_starts"], month["stage_1_completions"]) == (2, 0)

    live = client.get("/reports/snapshot?at=2026-06-30").get_data(as_text=True)
    assert "A month-end snapshot of these figures was taken on" in live
    assert 'href="/reports/snapshot?at=2026-06-30&amp;as_stood=1"' in live
    page = client.get("/reports/snapshot?at=2026-06-30&as_stood=1").get_data(as_text=True)
    assert "Figures as they stood on" in page and "live figures may differ because of back-dated changes" in page
    assert 'href="/reports/snapshot?at=2026-06-30">Show the live figures' in page
    assert "/households?" not in page  # the kept figures have no lines behind them to list


def test_figures_as_they_stood_are_refused_clearly_where_none_were_kept(client, auth, services_as):
    stage_1_in_june(services_as)
    services_as(lambda: month_end_snapshot(date(2026, 7, 1)))
    auth.login(UserFactory(roles=[Role.MANAGER]))
    cases = [("snapshot?at=2026-06-15", "kept for month ends"),
             ("snapshot?at=2026-05-31", "No month-end snapshot with these figures was taken for May 2026"),
             ("snapshot?at=2026-06-30&by=service_line", "kept without a split"),
             ("activity?date_from=2026-06-01&date_to=2026-07-31", "kept for calendar months"),
             ("timeliness?date_from=2026-06-01&date_to=2026-06-30", "for the snapshot and activity reports only")]
    for query, message in cases:
        response = client.get(f"/reports/{query}&as_stood=1")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query
        assert client.get(f"/reports/{query.replace('?', '/export.json?')}&as_stood=1").status_code == 400
    assert "A month-end snapshot" not in client.get("/reports/snapshot?at=2026-05-31").get_data(as_text=True)


@pytest.mark.parametrize("value, column, text", [
    (0.3333, "conversion_from_step_before", "33.3%"), (1.25, "conversion_from_enquiries", "125.0%"),
    (0.5, "ROI: share", "50.0%"), (0.8, "within_timescale", "80.0%"), (33.3, "% approved within 6 months", "33.3%"),
    (12.5, "percent", "12.5%"), (None, "percent", ""), (1234, "count", "1,234"), (2.25, "mean_days", "2.2"),
])
def test_shares_and_percentages_read_as_percentages(value, column, text):
    from crm.reports.render.formatting import report_cell

    assert report_cell(value, column) == text


def test_an_empty_table_says_there_is_nothing_in_the_period(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/reports/activity?date_from=2020-04-01&date_to=2021-03-31").get_data(as_text=True)
    reasons = html.split("Withdrawal reasons</caption>")[1].split("</table>")[0]
    assert "Nothing in this period." in reasons


def test_the_conversion_page_lets_the_cohorts_be_followed_to_a_chosen_date(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    html = client.get("/reports/conversion?date_from=2025-04-01&date_to=2026-03-31&at=2025-06-30").get_data(as_text=True)
    assert re.search(r'<legend class="govuk-fieldset__legend">\s*Cohorts followed to\s*</legend>', html)
    assert "as at 30 June 2025." in html
    assert "it can be over 100%" in html.split('id="step-before-hint"')[1].split("</p>")[0]
    assert re.search(r'id="at-day" name="at" type="text"[^>]* value="30"', html), html.split("Cohorts")[1][:1500]
