"""Campaign lift: the campaign window and the same-length window before it, London dates, both ends included."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.marketing.models import Campaign
from crm.reports.marketing import lines as marketing_lines, report as marketing
from crm.reports.marketing.lift import Windows, windows
from tests.factories import HouseholdFactory
from tests.marketing.test_marketing_figures import utc

JUNE = (date(2025, 6, 1), date(2025, 6, 30))
MAY_WINDOW = (date(2025, 5, 2), date(2025, 5, 31))  # the 30 days before 1 June


def contact(db_session, at) -> None:
    db_session.add(EnquiryContact(household_id=HouseholdFactory().id, received_at=at, method=ContactMethod.WEB))
    db_session.flush()


def test_the_window_before_has_the_same_number_of_days():
    assert windows(*JUNE, today=date(2026, 1, 1)) == Windows(*JUNE, *MAY_WINDOW)
    # still running, or ending later: to today (10 days), against the 10 days before
    assert windows(date(2025, 6, 1), None, today=date(2025, 6, 10)) == Windows(
        date(2025, 6, 1), date(2025, 6, 10), date(2025, 5, 22), date(2025, 5, 31))
    assert windows(date(2025, 6, 1), date(2025, 12, 31), today=date(2025, 6, 1)) == Windows(
        date(2025, 6, 1), date(2025, 6, 1), date(2025, 5, 31), date(2025, 5, 31))
    assert windows(date(2025, 6, 2), None, today=date(2025, 6, 1)) is None  # not started


def test_contacts_at_the_edges_of_the_windows_count_by_their_london_date(app_context, db_session):
    for at in (utc(2025, 5, 31, 23, 30),  # 00:30 on 1 June in London (summer time): the first day, in
               utc(2025, 6, 30, 22, 59),  # 23:59 on 30 June in London: the last day, in
               utc(2025, 6, 30, 23, 0),  # midnight starting 1 July in London: out
               utc(2025, 5, 31, 22, 30),  # 23:30 on 31 May in London: the day before the start, the window before
               utc(2025, 5, 1, 23, 0),  # midnight starting 2 May in London: the first day of the window before
               utc(2025, 5, 1, 22, 59)):  # 23:59 on 1 May in London: out of both
        contact(db_session, at)
    assert marketing_lines.contact_count(*JUNE) == (2, 2)
    assert marketing_lines.contact_count(*MAY_WINDOW) == (2, 2)


@pytest.fixture
def summer(app_context, db_session):
    """A June campaign; 6 households enquire in June (one at 00:30 on the first day), 5 in the 30 days before (one
    at 23:30 on 31 May), and one at midnight starting 1 July."""
    campaign = Campaign(name="Summer radio", start_on=JUNE[0], end_on=JUNE[1])
    db_session.add(campaign)
    for at in [utc(2025, 5, 31, 23, 30), *[utc(2025, 6, day, 12) for day in (2, 9, 16, 23, 30)],
               utc(2025, 5, 31, 22, 30), *[utc(2025, 5, day, 12) for day in (2, 10, 20, 25)],
               utc(2025, 6, 30, 23, 0)]:
        contact(db_session, at)
    return campaign


def lift_row(first: date, last: date) -> dict:
    report = marketing.compute(marketing.MarketingParams(first, last), today=date(2026, 1, 1))
    return report.tables["campaign_lift"].to_dict("records")[0]


def test_lift_is_the_difference_and_the_ratio_of_the_two_windows(summer):
    assert lift_row(date(2025, 4, 1), date(2026, 3, 31)) == {
        "campaign": "Summer radio", "window_from": JUNE[0], "window_to": JUNE[1], "before_from": MAY_WINDOW[0],
        "before_to": MAY_WINDOW[1], "contacts_during": 6, "contacts_before": 5, "difference": 1, "ratio": 1.2}
    # the windows are the campaign's whatever the period, so long as the campaign ran in it
    assert lift_row(date(2025, 6, 30), date(2025, 6, 30))["contacts_during"] == 6


def test_a_window_with_fewer_than_5_households_hides_the_lift(summer, db_session):
    db_session.execute(delete(EnquiryContact).where(EnquiryContact.received_at == utc(2025, 5, 25, 12)))
    db_session.flush()  # the window before: 4 households
    row = lift_row(date(2025, 4, 1), date(2026, 3, 31))
    assert (row["contacts_during"], row["contacts_before"], row["difference"], row["ratio"]) == (6, "<5", "<5", "<5")


def test_a_campaign_not_started_has_no_lift_yet_and_one_running_runs_to_today(app_context, db_session):
    db_session.add_all([Campaign(name="Next spring", start_on=date(2026, 3, 1), end_on=None),
                        Campaign(name="Winter", start_on=date(2026, 1, 1), end_on=None),
                        Campaign(name="Autumn", start_on=date(2025, 9, 1), end_on=date(2025, 9, 30))])
    db_session.flush()
    rows = marketing.compute(marketing.MarketingParams(date(2025, 4, 1), date(2026, 3, 31)),
                             today=date(2026, 2, 1)).tables["campaign_lift"].set_index("campaign")
    assert rows.loc["Next spring", "window_from"] is None and rows.loc["Next spring", "contacts_during"] is None
    assert (rows.loc["Winter", "window_to"], rows.loc["Winter", "before_from"]) == (date(2026, 2, 1),
                                                                                     date(2025, 11, 30))
    assert (rows.loc["Autumn", "window_to"], rows.loc["Autumn", "contacts_during"]) == (date(2025, 9, 30), 0)
