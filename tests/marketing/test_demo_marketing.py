"""The demo's marketing records: campaigns on the seeded channels whose codes the demo web enquiries carry, spend
within each campaign's months, and twelve months of figures."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.demo.services import CAMPAIGN_NAMES, WEB_SOURCES, load_demo
from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.marketing.models import Campaign, CampaignSpend, MarketingMetric
from crm.marketing.services import campaign_months

TODAY = date(2026, 11, 23)


def test_demo_campaigns_match_the_demo_enquiries_and_have_spend(app_context):
    load_demo(seed=5, households=40, today=TODAY)
    campaigns = {c.code: c for c in db.session.scalars(select(Campaign))}
    for _source, _medium, code in WEB_SOURCES:
        assert campaigns[code].name == CAMPAIGN_NAMES[code]
    by_name = {c.name: c for c in campaigns.values()}
    assert [c.path for c in by_name["Bus shelters spring"].channels] == ["outdoor > bus shelter"]
    assert by_name["Pride stall summer"].target_audience == "LGBTQ+"
    for campaign in campaigns.values():
        months = set(campaign_months(campaign, TODAY))
        spent = set(db.session.scalars(select(CampaignSpend.month).where(CampaignSpend.campaign_id == campaign.id)))
        assert spent <= months and all(month <= TODAY for month in spent)
        assert spent or campaign.start_on > TODAY  # only the planned campaign has spent nothing
    tagged = db.session.scalars(select(EnquiryContact).where(EnquiryContact.utm_campaign.is_not(None))).all()
    assert tagged and all(contact.campaign_id == campaigns[contact.utm_campaign].id for contact in tagged)


def test_demo_has_twelve_months_of_figures(app_context):
    load_demo(seed=5, households=5, today=TODAY)
    months = db.session.scalars(select(MarketingMetric.month).distinct().order_by(MarketingMetric.month)).all()
    assert months == [date(2025, month, 1) for month in (11, 12)] + [date(2026, month, 1) for month in range(1, 11)]
    per_month = db.session.execute(select(MarketingMetric.month, func.count()).group_by(MarketingMetric.month)).all()
    assert {count for _month, count in per_month} == {7}  # website visits and six platforms
