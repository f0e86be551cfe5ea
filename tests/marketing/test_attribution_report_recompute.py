"""The attribution report on credits computed by the nightly job itself (crm.marketing.attribution.services), from
enquiries logged and moved through the services: the report reads what the job stores, whatever the model."""
from __future__ import annotations

from datetime import date

import pytest

from crm.auth.roles import Role
from crm.enquiries import services as enquiries
from crm.enquiries.models import ContactMethod
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from crm.marketing.attribution import services as attribution
from crm.marketing.attribution.touchpoints import resolve_contacts
from crm.marketing.models import Campaign, CampaignSpend
from crm.reports.marketing import report as marketing
from tests.factories import UserFactory
from tests.marketing.conftest import channel
from tests.marketing.test_marketing_figures import utc

TODAY = date(2025, 12, 31)
SURNAMES = ("Ashdown", "Birtwhistle", "Carrow", "Delahaye", "Emmerson")


@pytest.fixture
def recomputed(app_context, db_session):
    """Five households: each heard of the service at a bus shelter during the campaign "Bus shelters" (2 June 2025),
    rang again after a radio advert (20 June), had an initial visit (25 June) and sent its ROI (1 July)."""
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    bus, radio = channel(db_session, "outdoor > bus shelter"), channel(db_session, "radio")
    campaign = Campaign(name="Bus shelters", start_on=date(2025, 6, 1), end_on=date(2025, 6, 30), channels=[bus])
    db_session.add(campaign)
    db_session.flush()
    db_session.add(CampaignSpend(campaign_id=campaign.id, month=date(2025, 6, 1), amount_pence=200_000))
    for surname in SURNAMES:
        household = _enquire(officer, surname, utc(2025, 6, 2, 10), bus.id, "bus shelters")
        _enquire(officer, surname, utc(2025, 6, 20, 10), radio.id, None, household)
        application = household.applications[0]
        for stage, on in ((Stage.INITIAL_VISIT, date(2025, 6, 25)), (Stage.REGISTRATION_OF_INTEREST, date(2025, 7, 1))):
            funnel.advance(application, stage, on, actor=officer, today=TODAY)
    resolve_contacts(db_session)
    attribution.recompute(db_session, today=TODAY)
    db_session.flush()


def _enquire(officer, surname, received, channel_id, campaign, household=None):
    details = enquiries.EnquiryDetails(first_name="Sam", last_name=surname, service_lines=["adoption"],
                                       method=ContactMethod.PHONE, received_at=received, channel_id=channel_id,
                                       campaign=campaign, email=f"{surname.lower()}@hearth.example")
    return enquiries.log_enquiry(details, actor=officer, household=household).household


def test_each_model_shares_the_five_rois_between_bus_shelter_and_radio(recomputed):
    report = marketing.compute(marketing.MarketingParams(date(2025, 4, 1), date(2026, 3, 31), outcome="roi"),
                               today=TODAY)
    by_model = report.tables["channel_credits_by_model"].set_index("channel")
    assert by_model.loc["outdoor > bus shelter", "first_touch"] == 5.0
    assert by_model.loc["radio", "last_touch"] == 5.0
    assert (by_model.loc["outdoor", "linear"], by_model.loc["radio", "linear"]) == (2.5, 2.5)
    tops = by_model[by_model["level"] == 1]
    for model in marketing.MODELS:  # every model gives out exactly the five ROIs
        assert sum(value for value in tops[model]) == pytest.approx(5.0, abs=0.1), model
    costs = report.tables["campaign_cost_by_model"].set_index("campaign").loc["Bus shelters"]
    assert (costs["spend"], costs["first_touch"], costs["last_touch"], costs["linear"]) == (2000.0, 400.0, None,
                                                                                            800.0)
    campaign = report.tables["campaigns"].set_index("campaign").loc["Bus shelters"]
    assert (campaign["contacts"], campaign["households"], campaign["median_days_to_roi"]) == (5, 5, 29.0)
    assert report.figures["credits_computed_at"] is not None
