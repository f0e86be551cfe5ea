"""The public enquiry form: no sign-in, stored once, UTM and referrer kept, robots and bad input turned away."""
from __future__ import annotations

import re

from faker import Faker
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from crm.enquiries.models import ContactMethod, EnquiryContact, PossibleMatch
from crm.households.models import Household
from crm.marketing.models import Channel
from tests.conftest import csrf_token
from tests.helpers import count

fake = Faker("en_GB")


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"|type="hidden" name="{name}" value="([^"]*)"'
                      rf'|id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return next(group for group in match.groups() if group is not None)


def answers(page_html: str, **overrides) -> MultiDict:
    data = MultiDict({
        "csrf_token": csrf_token(page_html), "submission_id": hidden(page_html, "submission_id"),
        "utm_source": hidden(page_html, "utm_source"), "utm_medium": hidden(page_html, "utm_medium"),
        "utm_campaign": hidden(page_html, "utm_campaign"), "referrer": hidden(page_html, "referrer"),
        "first_name": fake.first_name(), "last_name": fake.last_name(), "email": fake.email(),
        "phone": "07700 900 982", "postcode": fake.postcode(), "consent": "y", "website": "",
        "message": "We would like to know more.",
    })
    data.setlist("service_lines", ["adoption", "fostering_mainstream"])
    for key, value in overrides.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


def test_a_visitor_sends_an_enquiry_with_its_campaign_tags_and_referrer(client, db_session):
    page = client.get("/enquire?utm_source=facebook&utm_medium=paid_social&utm_campaign=autumn-adopt",
                      headers={"Referer": "https://agency.example/adopt"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Adopt and foster with us" in html and "Sign in" not in html and "Hearth holds personal data" not in html
    data = answers(html)
    response = client.post("/enquire", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/enquire/thank-you")
    contact = db_session.scalars(select(EnquiryContact)).one()
    assert contact.method is ContactMethod.WEB and contact.recorded_by_id is None
    assert (contact.utm_source, contact.utm_medium, contact.utm_campaign) == ("facebook", "paid_social", "autumn-adopt")
    assert contact.referrer == "https://agency.example/adopt"
    household = contact.household
    assert household.email == data["email"].lower()
    assert sorted(a.service_line_code for a in household.applications) == ["adoption", "fostering_mainstream"]
    assert contact.first_response_due_at is not None
    thanks = client.get("/enquire/thank-you").get_data(as_text=True)
    assert "Enquiry sent" in thanks and "will contact you by" in thanks


def test_a_resubmitted_form_is_one_enquiry(client, db_session):
    data = answers(client.get("/enquire").get_data(as_text=True))
    assert client.post("/enquire", data=data).status_code == 302
    assert client.post("/enquire", data=data).status_code == 302
    assert count(db_session, EnquiryContact) == 1 and count(db_session, Household) == 1


def test_the_same_person_enquiring_again_is_kept_apart_as_a_possible_match_for_an_officer(client, db_session):
    """Never merged by itself (issue 16, finding 8): tests/security/test_possible_matches.py settles it."""
    first = answers(client.get("/enquire").get_data(as_text=True))
    client.post("/enquire", data=first)
    again = answers(client.get("/enquire").get_data(as_text=True), first_name=first["first_name"],
                    last_name=first["last_name"], email=first["email"].upper(), service_lines=["adoption"])
    client.post("/enquire", data=again)
    assert count(db_session, EnquiryContact) == 2 and count(db_session, Household) == 2
    match = db_session.scalars(select(PossibleMatch)).one()
    assert match.resolved_at is None and "same email address" in match.reasons


def test_the_honeypot_stores_nothing_and_looks_like_success(client, db_session):
    data = answers(client.get("/enquire").get_data(as_text=True), website="https://spam.example")
    response = client.post("/enquire", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/enquire/thank-you")
    assert count(db_session, EnquiryContact) == 0 and count(db_session, Household) == 0


def test_the_channel_the_visitor_chose_is_recorded(client, db_session):
    radio = db_session.scalar(select(Channel).where(Channel.name == "radio"))
    data = answers(client.get("/enquire").get_data(as_text=True), heard_about=str(radio.id))
    client.post("/enquire", data=data)
    assert db_session.scalars(select(EnquiryContact)).one().channel_id == radio.id


BAD_ANSWERS = [
    ({"first_name": ""}, "Enter your first name"),
    ({"email": "", "phone": ""}, "Enter an email address or a phone number so that we can reply"),
    ({"email": "not-an-email"}, "Enter an email address in the correct format, like name@example.com"),
    ({"phone": "call me maybe"}, "Enter a phone number, like 01632 960 001 or 07700 900 982"),
    ({"service_lines": []}, "Select what you would like to know about"),
    ({"consent": ""}, "Tick the box to agree that we may use your details to reply"),
    ({"second_first_name": "Sam"}, "Enter both names of the second person, or neither"),
    ({"message": "x" * 4001}, "Your message must be 4,000 characters or fewer"),
    ({"service_lines": ["astronaut"]}, "is not a valid choice"),
    ({"first_name": "A\x00B" * 60}, "First name must be 100 characters or fewer"),
]


def test_each_bad_answer_gets_its_message_and_stores_nothing(client, db_session):
    html = client.get("/enquire").get_data(as_text=True)
    for overrides, message in BAD_ANSWERS:
        response = client.post("/enquire", data=answers(html, **dict(overrides)))
        body = response.get_data(as_text=True)
        assert response.status_code == 400, overrides
        assert message in body and "govuk-error-summary" in body, overrides
    assert count(db_session, EnquiryContact) == 0 and count(db_session, Household) == 0


def test_the_form_is_rate_limited_per_address(limited_app):
    client = limited_app(RATELIMIT_PUBLIC_ENQUIRY="2 per minute").test_client()
    html = client.get("/enquire").get_data(as_text=True)
    # Empty answers: refused by validation (nothing stored), yet each counts against the limit.
    statuses = [client.post("/enquire", data={"csrf_token": csrf_token(html)}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
