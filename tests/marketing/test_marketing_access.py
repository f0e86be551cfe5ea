"""Who may use the marketing pages, the navigation to them, and that they show no personal data."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.marketing.models import CampaignSpend
from crm.marketing.services import CampaignDetails, create_campaign
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.helpers import post
from tests.marketing.conftest import channel, text

CAMPAIGN_PAGES = ["/marketing/campaigns", "/marketing/campaigns/new", "/marketing/metrics", "/marketing/metrics/new",
                  "/marketing/metrics/2026-10"]


@pytest.fixture
def campaign(services_as, officer):
    return services_as(lambda: create_campaign(CampaignDetails(name="Spring shelters", code="spring",
                                                               start_on=date(2026, 3, 1)), actor=officer))


def pages(campaign, db_session) -> list[str]:
    shelter = channel(db_session, "outdoor > bus shelter")
    return [*CAMPAIGN_PAGES, f"/marketing/campaigns/{campaign.id}", f"/marketing/campaigns/{campaign.id}/edit",
            "/marketing/channels", f"/marketing/channels/{shelter.id}/edit"]


@pytest.mark.parametrize("role", [Role.MARKETING_OFFICER, Role.MANAGER])
def test_marketing_officers_and_managers_use_every_page(client, auth, db_session, campaign, role):
    auth.login(UserFactory(roles=[role]))
    assert {url: client.get(url).status_code for url in pages(campaign, db_session)} == {
        url: 200 for url in pages(campaign, db_session)}


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER])
def test_caseworkers_are_refused_every_page_and_every_change(client, auth, db_session, campaign, role):
    auth.login(UserFactory(roles=[role]))
    assert {client.get(url).status_code for url in pages(campaign, db_session)} == {403}
    home = "/"
    changes = [("/marketing/channels", {"name": "podcast"}),
               (f"/marketing/campaigns/{campaign.id}/spend", {"month": ["3", "2026"], "amount": "5"}),
               ("/marketing/metrics/new", {"month": ["3", "2026"], "website_visits": "5"})]
    assert {post(client, home, url, data).status_code for url, data in changes} == {403}
    assert db_session.query(CampaignSpend).count() == 0


def test_administrators_manage_the_channels_but_not_the_campaigns(client, auth, db_session, campaign):
    auth.login(UserFactory(roles=[Role.ADMINISTRATOR]))
    assert client.get("/marketing/channels").status_code == 200
    assert post(client, "/marketing/channels", None, {"name": "podcast", "parent": ""}).status_code == 302
    assert {client.get(url).status_code for url in CAMPAIGN_PAGES} == {403}
    nav = text(client.get("/marketing/channels"))
    assert 'href="/marketing/channels"' in nav and 'href="/marketing/campaigns"' not in nav


def test_the_navigation_leads_the_marketing_officer_to_the_dashboard_and_on_to_the_campaigns(signed_in):
    html = text(signed_in.get("/"))
    assert re.search(r'href="/marketing/dashboard">\s*Marketing\s*<', html)
    sections = text(signed_in.get("/marketing/campaigns")).split('aria-label="Marketing"')[1].split("</nav>")[0]
    assert 'href="/marketing/campaigns" aria-current="page"' in sections
    assert 'href="/marketing/metrics"' in sections and 'href="/marketing/channels"' in sections


def test_the_pages_show_no_name_contact_detail_or_address(signed_in, db_session, campaign):
    """Households whose contacts name the campaign and its channel: nothing personal reaches a marketing page."""
    household = HouseholdFactory(email="private.family@hearth.example", phone="07700 900123", postcode="ZZ9 9ZZ",
                                 address_line_1="1 Secret Street", town="Hiddenham")
    PersonFactory(household=household, first_name="Perpetua", last_name="Quixotic")
    shelter = channel(db_session, "outdoor > bus shelter")
    db_session.add(EnquiryContact(household=household, method=ContactMethod.WEB, utm_campaign="spring",
                                  channel_id=shelter.id, campaign="Spring shelters",
                                  received_at=datetime(2026, 3, 5, 9, tzinfo=timezone.utc)))
    db_session.flush()
    for url in pages(campaign, db_session):
        html = text(signed_in.get(url))
        for secret in ("Perpetua", "Quixotic", "private.family", "07700", "ZZ9", "Secret Street", "Hiddenham",
                       household.reference):
            assert secret not in html, (url, secret)
