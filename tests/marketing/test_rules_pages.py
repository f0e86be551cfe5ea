"""The UTM rules pages: the list in priority order, adding and changing a rule (earlier web enquiries follow), every
refusal storing nothing, testing an address, and who may use them."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.marketing.models import ChannelRule
from tests.factories import HouseholdFactory, UserFactory
from tests.helpers import count, post
from tests.marketing.conftest import channel, text

PAGE = "/marketing/rules"
NEW = "/marketing/rules/new"


def form(db_session, **changes) -> dict:
    values = {"priority": "10", "utm_source": "  facebook ", "utm_medium": "", "utm_campaign": "",
              "referrer_contains": "", "channel": str(channel(db_session, "digital > Facebook").id), "active": "y"}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def add_rule(db_session, priority: int, path: str, active: bool = True, **tags) -> ChannelRule:
    rule = ChannelRule(priority=priority, channel_id=channel(db_session, path).id, active=active, **tags)
    db_session.add(rule)
    db_session.flush()
    return rule


def web_contact(db_session, **tags) -> EnquiryContact:
    contact = EnquiryContact(household=HouseholdFactory(), method=ContactMethod.WEB,
                             received_at=datetime(2026, 10, 1, 12, tzinfo=timezone.utc), **tags)
    db_session.add(contact)
    db_session.flush()
    return contact


def listed(response) -> list[list[str]]:
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", text(response).split('id="channel-rules"')[1], re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row[:4]] for row in cells if row]


def test_the_rules_are_listed_in_the_order_they_are_tried(signed_in, db_session):
    add_rule(db_session, 20, "digital > Facebook", utm_source="facebook")
    add_rule(db_session, 10, "digital > Google Ads", utm_source="google", utm_medium="cpc")
    add_rule(db_session, 10, "radio", active=False, referrer_contains="radio.example")
    assert listed(signed_in.get(PAGE)) == [
        ["10", "utm_source is google and utm_medium is cpc", "digital &gt; Google Ads", "In use"],
        ["10", "the referrer contains radio.example", "radio", "Not in use"],
        ["20", "utm_source is facebook", "digital &gt; Facebook", "In use"],
    ]


def test_adding_a_rule_stores_it_audits_it_and_names_earlier_enquiries_channels(signed_in, db_session):
    tagged = web_contact(db_session, utm_source="Facebook")
    response = post(signed_in, NEW, None, form(db_session))
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert "Rule added. 1 earlier enquiry changed channel." in text(signed_in.get(PAGE))
    rule = db_session.scalar(select(ChannelRule))
    assert (rule.priority, rule.utm_source, rule.utm_medium, rule.active) == (10, "facebook", None, True)
    db_session.refresh(tagged)
    assert (tagged.channel_id, tagged.channel_from_rule) == (rule.channel_id, True)
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "channel_rule_added"))
    assert audit.detail["after"]["utm_source"] == "facebook" and audit.object_id == str(rule.id)


def test_changing_and_deactivating_a_rule(signed_in, db_session):
    rule = add_rule(db_session, 10, "digital > Facebook", utm_source="facebook")
    tagged = web_contact(db_session, utm_source="facebook", channel_id=rule.channel_id, channel_from_rule=True)
    page = f"{PAGE}/{rule.id}"
    assert 'value="facebook"' in text(signed_in.get(page))
    radio = str(channel(db_session, "radio").id)
    assert post(signed_in, page, None, form(db_session, priority="5", channel=radio)).status_code == 302
    db_session.refresh(tagged)
    assert tagged.channel_id == int(radio)
    assert post(signed_in, page, None, form(db_session, channel=radio, active=None)).status_code == 302
    db_session.refresh(rule)
    db_session.refresh(tagged)
    assert rule.active is False and (tagged.channel_id, tagged.channel_from_rule) == (None, False)
    changes = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "channel_rule_changed")).all()
    assert [(c.detail["before"]["active"], c.detail["after"]["active"]) for c in changes] == \
        [(True, True), (True, False)]


@pytest.mark.parametrize(("changes", "message"), [
    ({"utm_source": ""}, "Fill in at least one tag, or part of the referring address, for the rule to match"),
    ({"priority": "ten"}, "Priority must be a whole number, like 10"),
    ({"priority": ""}, "Enter the priority"),  # a blank box asks for the number; it is not a wrong one
    ({"priority": "10000"}, "The priority must be a whole number from 0 to 9999"),
    ({"channel": ""}, "Choose the channel"),
    ({"channel": "999999"}, "Choose a channel from the list"),
    ({"channel": "digital"}, "Choose a channel from the list"),
    ({"utm_medium": "x" * 201}, "This must be 200 characters or fewer"),
    ({"utm_source": "FACEBOOK"},
     "The rule at priority 50 already matches exactly these tags: change that rule instead"),
])
def test_a_rule_the_checks_refuse_is_not_stored(signed_in, db_session, changes, message):
    add_rule(db_session, 50, "radio", utm_source="facebook")
    response = post(signed_in, NEW, None, form(db_session, **changes))
    assert response.status_code == 400
    assert message in text(response).replace("&#39;", "'")
    assert count(db_session, ChannelRule) == 1


def test_a_channel_no_longer_in_use_is_not_offered_but_stays_on_a_rule_that_has_it(signed_in, db_session):
    billboard = channel(db_session, "outdoor > billboard")
    rule = add_rule(db_session, 10, "outdoor > billboard", utm_source="billboard")
    billboard.active = False
    db_session.flush()
    assert f'value="{billboard.id}"' not in text(signed_in.get(NEW))
    refused = post(signed_in, NEW, None, form(db_session, utm_source="poster", channel=str(billboard.id)))
    assert refused.status_code == 400 and "Choose a channel from the list" in text(refused)
    kept = post(signed_in, f"{PAGE}/{rule.id}", None, form(db_session, utm_source="billboard", priority="11",
                                                           channel=str(billboard.id)))
    assert kept.status_code == 302


def test_testing_an_address_shows_the_rule_and_channel_it_would_get(signed_in, db_session):
    add_rule(db_session, 10, "digital > Google Ads", utm_source="google", utm_medium="cpc")
    add_rule(db_session, 20, "national campaign > You Can Adopt", referrer_contains="youcanadopt")
    page = text(signed_in.get(PAGE, query_string={
        "address": "https://agency.example/adopt?utm_source=Google&utm_medium=CPC&utm_campaign=adopt-search"}))
    assert "Channel: <strong>digital &gt; Google Ads</strong>, by the rule at priority 10" in page
    assert "adopt-search" in page
    referred = text(signed_in.get(PAGE, query_string={"address": "https://agency.example/",
                                                      "referrer": "https://www.YouCanAdopt.org.uk/"}))
    assert "Channel: <strong>national campaign &gt; You Can Adopt</strong>" in referred
    assert "No rule matches" in text(signed_in.get(PAGE, query_string={"address": "?utm_source=tiktok"}))


@pytest.mark.parametrize(("query", "message"), [
    ({"address": ""}, "Enter an address with its utm_ tags"),
    ({"address": "x" * 2001}, "The address must be 2000 characters or fewer"),
    ({"address": "https://a.example/", "referrer": "y" * 501}, "This must be 500 characters or fewer"),
])
def test_a_bad_address_to_test_is_answered_with_a_message(signed_in, query, message):
    response = signed_in.get(PAGE, query_string=query)
    assert response.status_code == 400 and message in text(response)


def test_an_unknown_rule_is_not_found(signed_in):
    assert signed_in.get(f"{PAGE}/999999").status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.MANAGER, 200), (Role.MARKETING_OFFICER, 200),
                                              (Role.RECRUITMENT_OFFICER, 403), (Role.ADMINISTRATOR, 403)])
def test_the_marketing_officer_and_managers_keep_the_rules(client, auth, db_session, role, status):
    assert auth.login(UserFactory(roles=[role])).status_code == 302
    assert client.get(PAGE).status_code == status and client.get(NEW).status_code == status
