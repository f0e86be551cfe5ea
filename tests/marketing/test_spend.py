"""Spend per month on the campaign page: pounds and pence in, pence stored, only in months the campaign touches,
summed month by month; every refusal stores nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.marketing.forms import parse_pence, pounds
from crm.marketing.models import CampaignSpend
from crm.marketing.services import CampaignDetails, campaign_months, create_campaign
from tests.helpers import count, post
from tests.marketing.conftest import TODAY, text


@pytest.fixture
def campaign(services_as, officer):
    """Runs from 15 March to 10 May 2026: it touches March, April and May."""
    return services_as(lambda: create_campaign(CampaignDetails(
        name="Spring shelters", start_on=date(2026, 3, 15), end_on=date(2026, 5, 10)), actor=officer))


def page(campaign) -> str:
    return f"/marketing/campaigns/{campaign.id}"


def spend(client, campaign, month: str, year: str, amount: str):
    return post(client, page(campaign), f"{page(campaign)}/spend",
                {"month": [month, year], "amount": amount})


def stored(db_session, campaign) -> dict[date, int]:
    db_session.expire_all()
    rows = db_session.scalars(select(CampaignSpend).where(CampaignSpend.campaign_id == campaign.id))
    return {row.month: row.amount_pence for row in rows}


@pytest.mark.parametrize(("typed", "pence"), [
    ("1,250.50", 125050), ("£1,250.50", 125050), ("1250.5", 125050), ("1250", 125000), ("0", 0), ("0.07", 7),
    (" £ 12,345,678.9 ", 1234567890), ("12.345", None), ("-5", None), ("abc", None), ("1,25", None), ("12.", None),
    (".5", None), ("1 250", None), ("", None)])
def test_parse_pence(typed, pence):
    assert parse_pence(typed) == pence


def test_pounds():
    assert [pounds(0), pounds(7), pounds(125050), pounds(1234567890)] == [
        "£0.00", "£0.07", "£1,250.50", "£12,345,678.90"]


def test_a_campaign_across_months_has_its_spend_summed_month_by_month(signed_in, db_session, campaign):
    assert spend(signed_in, campaign, "3", "2026", "1,250.50").status_code == 302
    assert spend(signed_in, campaign, "4", "2026", "£300").status_code == 302
    assert spend(signed_in, campaign, "05", "2026", "99.9").status_code == 302
    assert stored(db_session, campaign) == {date(2026, 3, 1): 125050, date(2026, 4, 1): 30000,
                                            date(2026, 5, 1): 9990}
    html = text(signed_in.get(page(campaign)))
    assert 'id="spend-total">£1,650.40<' in html  # 1,250.50 + 300.00 + 99.90
    for month, amount in [("March 2026", "£1,250.50"), ("April 2026", "£300.00"), ("May 2026", "£99.90")]:
        assert html.index(month) < html.index(amount)
    assert "£1,650.40" in text(signed_in.get("/marketing/campaigns"))


def test_entering_a_month_again_replaces_its_amount(signed_in, db_session, campaign):
    spend(signed_in, campaign, "3", "2026", "1,250.50")
    prefilled = text(signed_in.get(f"{page(campaign)}?month=2026-03"))
    assert 'value="1,250.50"' in prefilled
    response = spend(signed_in, campaign, "3", "2026", "1,000")
    assert response.status_code == 302
    assert "Spend for March 2026: £1,000.00 (was £1,250.50)." in text(signed_in.get(page(campaign)))
    assert stored(db_session, campaign) == {date(2026, 3, 1): 100000}
    audits = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign_spend_set")
                                .order_by(AuditEvent.id)).all()
    assert [(a.detail["before_pence"], a.detail["after_pence"]) for a in audits] == [(None, 125050),
                                                                                      (125050, 100000)]


def test_removing_a_month(signed_in, db_session, campaign):
    spend(signed_in, campaign, "4", "2026", "300")
    response = post(signed_in, page(campaign), f"{page(campaign)}/spend/2026-04/remove", {})
    assert response.status_code == 302
    assert stored(db_session, campaign) == {}
    assert "Spend for April 2026 removed." in text(signed_in.get(page(campaign)))
    post(signed_in, page(campaign), f"{page(campaign)}/spend/2026-04/remove", {})
    assert "No spend is recorded for April 2026" in text(signed_in.get(page(campaign)))
    assert post(signed_in, page(campaign), f"{page(campaign)}/spend/April/remove", {}).status_code == 404


@pytest.mark.parametrize(("month", "amount", "message"), [
    (["3", "2026"], "12.345", "Enter amount spent in pounds and pence, like 1,250.50"),
    (["3", "2026"], "abc", "Enter amount spent in pounds and pence, like 1,250.50"),
    (["3", "2026"], "-5", "Amount spent must be £0 or more"),
    (["3", "2026"], "", "Enter the amount spent"),
    (["3", "2026"], "10,000,000", "Amount spent must be less than £10,000,000.00"),
    (["2", "2026"], "100", "February 2026 is outside the campaign, which runs from March 2026 to May 2026"),
    (["6", "2026"], "100", "June 2026 is outside the campaign, which runs from March 2026 to May 2026"),
    (["13", "2026"], "100", "Month must be a real month, for example 3 2026"),
    (["x", "2026"], "100", "Month must be a real month, for example 3 2026"),
    (["", ""], "100", "Enter the month"),
])
def test_spend_the_rules_refuse_is_not_stored(signed_in, db_session, campaign, month, amount, message):
    before = count(db_session, AuditEvent)
    response = spend(signed_in, campaign, *month, amount)
    assert response.status_code == 400
    assert "There is a problem" in text(response) and message in text(response)
    assert stored(db_session, campaign) == {} and count(db_session, AuditEvent) == before


def test_a_campaign_with_no_end_date_takes_spend_up_to_this_month(signed_in, services_as, officer, db_session):
    ongoing = services_as(lambda: create_campaign(CampaignDetails(name="Search ads", start_on=date(2026, 9, 20)),
                                                  actor=officer))
    assert campaign_months(ongoing, TODAY) == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert spend(signed_in, ongoing, "11", "2026", "50").status_code == 302
    response = spend(signed_in, ongoing, "12", "2026", "50")
    assert response.status_code == 400
    assert "The campaign has no end date, so spend can be entered up to November 2026" in text(response)
    assert stored(db_session, ongoing) == {date(2026, 11, 1): 5000}


def test_new_dates_may_not_leave_spend_outside_the_campaign(signed_in, db_session, campaign):
    spend(signed_in, campaign, "5", "2026", "100")
    edit = f"{page(campaign)}/edit"
    response = post(signed_in, edit, None, {"name": "Spring shelters", "start_on": ["15", "3", "2026"],
                                            "end_on": ["30", "4", "2026"]})
    assert response.status_code == 400
    assert "Spend is recorded for May 2026, outside these dates" in text(response)
    db_session.expire_all()
    assert campaign.end_on == date(2026, 5, 10)
    response = post(signed_in, edit, None, {"name": "Spring shelters", "start_on": ["1", "5", "2026"],
                                            "end_on": ["31", "5", "2026"]})
    assert response.status_code == 302  # May still has its spend inside the dates
