"""Campaigns: the list, adding and changing one, every refusal storing nothing, and contacts that name a campaign
matched to it when it is added or its name or code changes."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.marketing.models import Campaign, CampaignSpend
from crm.marketing.services import CampaignDetails, campaign_status, create_campaign
from tests.factories import HouseholdFactory
from tests.helpers import count, post
from tests.marketing.conftest import TODAY, channel, text

NEW = "/marketing/campaigns/new"


def form(db_session, **changes) -> dict:
    values = {"name": "Bus shelters spring", "code": "bus-spring", "start_on": ["15", "3", "2026"],
              "end_on": ["10", "5", "2026"], "target_audience": "Black adopters", "service_line": "adoption",
              "notes": "Twelve shelters on the ring road.",
              "channels": [str(channel(db_session, "outdoor > bus shelter").id),
                           str(channel(db_session, "digital > Facebook").id)]}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def campaign_named(db_session, name: str) -> Campaign | None:
    db_session.expire_all()
    return db_session.scalar(select(Campaign).where(Campaign.name == name))


def add(services_as, officer, name: str, start: date, end: date | None = None, code: str | None = None) -> Campaign:
    return services_as(lambda: create_campaign(CampaignDetails(name=name, code=code, start_on=start, end_on=end),
                                               actor=officer))


def test_adding_a_campaign_stores_every_detail_and_audits_it(signed_in, db_session):
    page = text(signed_in.get(NEW))
    assert "outdoor" in page and "bus shelter" in page and '<datalist id="audience-suggestions">' in page
    assert '<option value="Sibling groups">' in page and '<option value="LGBTQ+">' in page
    response = post(signed_in, NEW, None, form(db_session))
    campaign = campaign_named(db_session, "Bus shelters spring")
    assert response.status_code == 302 and response.location.endswith(f"/marketing/campaigns/{campaign.id}")
    assert (campaign.code, campaign.start_on, campaign.end_on, campaign.target_audience, campaign.service_line_code,
            campaign.notes) == ("bus-spring", date(2026, 3, 15), date(2026, 5, 10), "Black adopters", "adoption",
                                "Twelve shelters on the ring road.")
    assert [c.path for c in campaign.channels] == ["digital > Facebook", "outdoor > bus shelter"]
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign_created"))
    assert audit.object_id == str(campaign.id) and audit.detail["after"]["code"] == "bus-spring"


def test_the_list_shows_each_campaign_with_its_status_channels_and_total_spend(signed_in, services_as, officer,
                                                                               db_session):
    ended = add(services_as, officer, "Spring shelters", date(2026, 3, 1), date(2026, 5, 31))
    running = add(services_as, officer, "Search ads", date(2026, 1, 1))
    add(services_as, officer, "New year radio", date(2027, 1, 4), date(2027, 1, 31))
    db_session.add_all([CampaignSpend(campaign_id=ended.id, month=date(2026, 3, 1), amount_pence=125050),
                        CampaignSpend(campaign_id=ended.id, month=date(2026, 4, 1), amount_pence=30000),
                        CampaignSpend(campaign_id=running.id, month=date(2026, 4, 1), amount_pence=99)])
    db_session.flush()
    html = text(signed_in.get("/marketing/campaigns"))
    rows = html.split('<tr class="govuk-table__row">')[2:]
    assert ["New year radio" in rows[0], "Spring shelters" in rows[1], "Search ads" in rows[2]] == [True] * 3
    assert "Planned" in rows[0] and "£0.00" in rows[0]
    assert "Ended" in rows[1] and "1 March 2026 to 31 May 2026" in rows[1] and "£1,550.50" in rows[1]
    assert "Running" in rows[2] and "From 1 January 2026, no end date" in rows[2] and "£0.99" in rows[2]


@pytest.mark.parametrize(("start", "end", "status"), [
    (date(2026, 11, 24), None, "planned"), (date(2026, 11, 23), date(2026, 11, 23), "running"),
    (date(2026, 1, 1), None, "running"), (date(2026, 1, 1), date(2026, 11, 22), "ended")])
def test_campaign_status(start, end, status):
    assert campaign_status(Campaign(start_on=start, end_on=end), TODAY) == status


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"end_on": ["14", "3", "2026"]}, "end_on", "The end date must be the same as or after the start date"),
    ({"start_on": ["31", "2", "2026"]}, "start_on", "Start date must be a real date, for example 27 3 2026"),
    ({"start_on": ["", "", ""]}, "start_on", "Enter the start date"),
    ({"end_on": ["1", "13", "2026"]}, "end_on", "End date (optional) must be a real date"),
    ({"name": "  "}, "name", "Enter the name of the campaign"),
    ({"name": "x" * 201}, "name", "The name must be 200 characters or fewer"),
    ({"name": "SEARCH ADS"}, "name", "The campaign Search ads already has this as its name: choose another name"),
    ({"code": "Adopt-Search"}, "code", "The campaign Search ads already has this as its code: choose another code"),
    ({"name": "adopt-search"}, "name", "The campaign Search ads already has this as its code: choose another name"),
    ({"code": "search ads"}, "code", "The campaign Search ads already has this as its name: choose another code"),
    ({"channels": ["abc"]}, "channels", "Choose channels from the list"),
    ({"channels": ["999999"]}, "channels", "Choose channels from the list"),
    ({"service_line": "knitting"}, "service_line", "Choose a service line from the list"),
])
def test_a_campaign_the_rules_refuse_is_not_stored(signed_in, services_as, officer, db_session, changes, field,
                                                   message):
    add(services_as, officer, "Search ads", date(2026, 1, 1), code="adopt-search")
    before = (count(db_session, Campaign), count(db_session, AuditEvent))
    response = post(signed_in, NEW, None, form(db_session, **changes))
    assert response.status_code == 400
    html = text(response)
    assert "There is a problem" in html and message in html
    assert f'href="#{field}"' in html
    assert (count(db_session, Campaign), count(db_session, AuditEvent)) == before


def test_a_channel_no_longer_in_use_is_not_offered_but_stays_on_a_campaign_that_has_it(signed_in, services_as,
                                                                                       officer, db_session):
    response = post(signed_in, NEW, None, form(db_session))
    campaign = campaign_named(db_session, "Bus shelters spring")
    shelter = channel(db_session, "outdoor > bus shelter")
    shelter.active = False
    db_session.flush()
    assert "bus shelter" not in text(signed_in.get(NEW))
    edit = f"/marketing/campaigns/{campaign.id}/edit"
    assert "bus shelter (no longer in use)" in text(signed_in.get(edit))
    assert post(signed_in, edit, None, form(db_session, notes="Extended")).status_code == 302
    assert [c.path for c in campaign_named(db_session, "Bus shelters spring").channels] == [
        "digital > Facebook", "outdoor > bus shelter"]
    response = post(signed_in, NEW, None, form(db_session, name="Another", code="another"))
    assert response.status_code == 400 and "Choose channels from the list" in text(response)


def test_changing_a_campaign_audits_before_and_after(signed_in, db_session):
    post(signed_in, NEW, None, form(db_session))
    campaign = campaign_named(db_session, "Bus shelters spring")
    edit = f"/marketing/campaigns/{campaign.id}/edit"
    html = text(signed_in.get(edit))
    assert 'value="bus-spring"' in html
    ticked = re.findall(r'name="channels" type="checkbox" value="(\d+)" checked', html)
    assert sorted(int(id_) for id_ in ticked) == sorted(c.id for c in campaign.channels) and len(ticked) == 2
    response = post(signed_in, edit, None, form(db_session, end_on=["", "", ""], channels=[], service_line="",
                                                 target_audience="  Sibling   groups "))
    assert response.status_code == 302
    changed = campaign_named(db_session, "Bus shelters spring")
    assert (changed.end_on, changed.channels, changed.service_line_code, changed.target_audience) == (
        None, [], None, "Sibling groups")
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign_changed"))
    assert audit.detail["before"]["end_on"] == "2026-05-10" and audit.detail["after"]["end_on"] is None
    assert audit.detail["after"]["channels"] == []


def test_contacts_naming_a_campaign_are_matched_when_it_is_added_or_its_code_changes(signed_in, db_session):
    by_code = _contact(db_session, utm_campaign="BUS-SPRING")
    by_name = _contact(db_session, campaign="bus shelters spring")
    other = _contact(db_session, utm_campaign="adopt-search")
    post(signed_in, NEW, None, form(db_session))
    campaign = campaign_named(db_session, "Bus shelters spring")
    assert [db_session.get(EnquiryContact, c.id).campaign_id for c in (by_code, by_name, other)] == [
        campaign.id, campaign.id, None]
    edit = f"/marketing/campaigns/{campaign.id}/edit"
    post(signed_in, edit, None, form(db_session, code="adopt-search"))
    db_session.expire_all()
    assert [db_session.get(EnquiryContact, c.id).campaign_id for c in (by_code, by_name, other)] == [
        None, campaign.id, campaign.id]


def test_an_unknown_campaign_is_not_found(signed_in):
    assert signed_in.get("/marketing/campaigns/999999").status_code == 404
    assert signed_in.get("/marketing/campaigns/999999/edit").status_code == 404


def _contact(db_session, **fields) -> EnquiryContact:
    contact = EnquiryContact(household=HouseholdFactory(), method=ContactMethod.WEB,
                             received_at=datetime(2026, 4, 1, 10, tzinfo=timezone.utc), **fields)
    db_session.add(contact)
    db_session.flush()
    return contact
