"""POST /api/v1/enquiries: a token, a JSON body checked field by field, stored once per idempotency key."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import pytest
from faker import Faker
from openapi_spec_validator import validate
from sqlalchemy import select

from crm import clock
from crm.api import tokens
from crm.api.models import ApiToken
from crm.api.schema import ENQUIRY_SCHEMA
from crm.auth.roles import Role
from crm.enquiries.models import EnquiryContact
from crm.households.models import Household
from crm.marketing.models import Channel
from tests.factories import UserFactory
from tests.helpers import count

fake = Faker("en_GB")


@pytest.fixture
def token(api_token):
    return api_token


def body(**overrides) -> dict:
    value = {"first_name": fake.first_name(), "last_name": fake.last_name(), "email": fake.email(),
             "service_lines": ["fostering_mainstream"], "channel": "Digital > facebook", "campaign": "Autumn radio",
             "utm": {"source": "facebook", "medium": "paid_social", "campaign": "autumn"},
             "referrer": "https://agency.example/foster", "message": "Can I foster if I rent?"}
    value.update(overrides)
    return {k: v for k, v in value.items() if v is not ...}


def post(client, token, payload, key=None, **headers):
    headers = {"Authorization": f"Bearer {token}", **headers}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/enquiries", json=payload, headers=headers)


def test_an_enquiry_is_stored_with_everything_the_website_knew(client, db_session, token):
    payload = body(second_applicant={"first_name": "Sam", "last_name": "Okafor"})
    response = post(client, token, payload, key="b3c1")
    assert response.status_code == 201, response.json
    contact = db_session.get(EnquiryContact, response.json["id"])
    facebook = db_session.scalar(select(Channel).where(Channel.name == "Facebook"))
    assert contact.channel_id == facebook.id and contact.campaign == "Autumn radio"
    assert (contact.utm_source, contact.utm_medium, contact.utm_campaign) == ("facebook", "paid_social", "autumn")
    assert contact.referrer == payload["referrer"] and contact.notes == payload["message"]
    assert response.json["household_reference"] == contact.household.reference
    assert [p.full_name for p in contact.household.applicants] == [
        f"{payload['first_name']} {payload['last_name']}", "Sam Okafor"]
    assert db_session.scalar(select(ApiToken.last_used_at)) is not None


def test_a_retry_with_the_same_key_is_stored_once(client, db_session, token):
    payload = body()
    first = post(client, token, payload, key="retry-1")
    second = post(client, token, payload, key="retry-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json == second.json
    assert count(db_session, EnquiryContact) == 1
    third = client.post("/api/v1/enquiries", json={**payload, "idempotency_key": "retry-1"},
                        headers={"Authorization": f"Bearer {token}"})
    assert third.status_code == 200 and count(db_session, EnquiryContact) == 1


@pytest.mark.parametrize("authorization", [None, "Bearer nonsense", "Bearer hearth_wrong", "Basic dXNlcjpwYXNz"])
def test_no_valid_token_no_enquiry(client, db_session, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/api/v1/enquiries", json=body(), headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["errors"][0]["message"].startswith("Send a valid API token")
    assert count(db_session, EnquiryContact) == 0


def test_a_revoked_token_is_refused(client, db_session, token):
    db_session.scalars(select(ApiToken)).one().revoked_at = clock.now()
    db_session.flush()
    assert post(client, token, body()).status_code == 401


BAD_BODIES = [
    (body(first_name=...), [("first_name", "first_name is required")]),
    (body(first_name=42), [("first_name", "Must be a string")]),
    (body(email="nope"), [("email", "Enter an email address in the correct format, like name@example.com")]),
    (body(email=..., phone=...), [("email", "Enter an email address or a phone number so that we can reply")]),
    (body(service_lines=["astronaut"]), [("service_lines", "'astronaut' is not a valid choice for this field.")]),
    (body(service_lines="adoption"), [("service_lines", "Must be a list of strings")]),
    (body(channel="Carrier pigeon"), [("channel", "Not a channel of this service's taxonomy")]),
    (body(received_at="yesterday"), [("received_at", "Give a date and time with a time zone, like 2026-11-23T14:05:00+00:00")]),
    (body(received_at="2999-01-01T00:00:00+00:00"), [("received_at", "An enquiry cannot be dated in the future")]),
    (body(favourite_colour="blue"), [("favourite_colour", "Unknown field")]),
    (body(second_applicant={"first_name": "Sam"}), [("second_applicant.last_name", "last_name is required")]),
    (body(utm={"source": 1, "term": "x"}), [("utm.term", "Unknown field"), ("utm.source", "Must be a string")]),
    (body(first_name="x" * 101, phone="12"), [("first_name", "First name must be 100 characters or fewer"),
                                              ("phone", "Enter a phone number, like 01632 960 001 or 07700 900 982")]),
    ([1, 2, 3], [(None, "The body must be a JSON object")]),
]


@pytest.mark.parametrize("payload, errors", BAD_BODIES)
def test_a_bad_body_gets_422_with_every_field_error_and_stores_nothing(client, db_session, token, payload, errors):
    response = post(client, token, payload)
    assert response.status_code == 422
    assert sorted((e["field"] or "", e["message"]) for e in response.json["errors"]) == sorted(
        (f or "", m) for f, m in errors)
    assert count(db_session, EnquiryContact) == 0 and count(db_session, Household) == 0


def test_a_body_that_is_not_json_is_refused(client, db_session, token):
    for data, content_type in [("first_name=Ann", "application/x-www-form-urlencoded"), ("{not json", "application/json")]:
        response = client.post("/api/v1/enquiries", data=data, content_type=content_type,
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (415, 422) and response.json["errors"]
    assert count(db_session, EnquiryContact) == 0


def test_the_openapi_document_is_valid_31_and_describes_what_the_api_accepts(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"] == "3.1.0"
    operation = document["paths"]["/enquiries"]["post"]
    assert set(operation["responses"]) == {"200", "201", "401", "415", "422", "429"}
    schema = document["components"]["schemas"]["Enquiry"]
    assert schema == ENQUIRY_SCHEMA and schema["additionalProperties"] is False


def test_only_an_administrator_manages_tokens_and_sees_a_secret_once(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert client.get("/admin/api-tokens").status_code == 403
    auth.logout()
    auth.login(UserFactory(roles=[Role.ADMINISTRATOR]))
    from tests.conftest import csrf_token
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    created = client.post("/admin/api-tokens", data={"name": "Website", "csrf_token": csrf_token(page)})
    html = created.get_data(as_text=True)
    secret = html.split('data-testid="new-token">')[1].split("<")[0]
    stored = db_session.scalars(select(ApiToken)).one()
    assert secret.startswith("hearth_") and stored.token_hash == tokens.digest(secret) and secret not in stored.token_hash
    assert secret not in client.get("/admin/api-tokens").get_data(as_text=True)
    assert post(client, secret, body()).status_code == 201
    empty = client.post("/admin/api-tokens", data={"name": "", "csrf_token": csrf_token(page)})
    assert empty.status_code == 400 and "Enter what the token is for" in empty.get_data(as_text=True)
    revoked = client.post(f"/admin/api-tokens/{stored.id}/revoke", data={"csrf_token": csrf_token(page)})
    assert revoked.status_code == 302 and post(client, secret, body()).status_code == 401


@pytest.fixture
def second_token(db_session):
    secret = tokens.PREFIX + secrets.token_urlsafe(32)
    db_session.add(ApiToken(name="Events kiosk", token_hash=tokens.digest(secret), prefix=secret[:12]))
    db_session.flush()
    return secret


def test_an_idempotency_key_belongs_to_its_token(client, db_session, token, second_token):
    """Finding 3: token B replaying token A's key got A's enquiry back, and B's was never stored."""
    first = post(client, token, body(), key="order-1")
    other = post(client, second_token, body(), key="order-1")
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json["id"] != other.json["id"]
    assert count(db_session, EnquiryContact) == 2


def test_the_same_key_with_a_different_body_is_refused(client, db_session, token):
    payload = body()
    assert post(client, token, payload, key="order-2").status_code == 201
    reordered = dict(reversed(list(payload.items())))  # the same submission, members in another order
    assert post(client, token, reordered, key="order-2").status_code == 200
    changed = post(client, token, {**payload, "first_name": "Someone-Else"}, key="order-2")
    assert changed.status_code == 422
    assert changed.json["errors"] == [{"field": "idempotency_key", "message": (
        "This idempotency key was already used for a different enquiry: send a new key with each new submission, "
        "and the same body when you retry one")}]
    assert count(db_session, EnquiryContact) == 1


def test_a_key_of_a_hundred_characters_is_stored_within_its_column(client, db_session, token):
    response = post(client, token, body(), key="k" * 100)
    assert response.status_code == 201
    stored = db_session.get(EnquiryContact, response.json["id"]).idempotency_key
    assert len(stored) <= 100 and "k" * 100 not in stored


HOSTILE_BODIES = [  # finding 2: each of these was a 500 (17 in 983 hostile requests)
    (body(campaign="Autumn\x00radio"), [("campaign", "Must not contain control characters")]),
    (body(utm={"source": "face\x00book"}), [("utm.source", "Must not contain control characters")]),
    (body(referrer="https://agency.example/\x00"), [("referrer", "Must not contain control characters")]),
    (body(second_applicant={"first_name": "Sa\x00m", "last_name": "Okafor"}),
     [("second_applicant.first_name", "Must not contain control characters")]),
    (body(campaign="c" * 201), [("campaign", "Must be 200 characters or fewer")]),
    (body(utm={"medium": "m" * 201}), [("utm.medium", "Must be 200 characters or fewer")]),
    (body(received_at="0001-01-01T00:00:00+01:00"), [("received_at", "An enquiry cannot be dated before 2000")]),
    (body(received_at="1900-01-01T00:00:00+00:00"), [("received_at", "An enquiry cannot be dated before 2000")]),
]


@pytest.mark.parametrize("payload, errors", HOSTILE_BODIES)
def test_hostile_text_and_dates_get_422_not_a_server_error(client, db_session, token, payload, errors):
    response = post(client, token, payload)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert [(e["field"], e["message"]) for e in response.json["errors"]] == errors
    assert count(db_session, EnquiryContact) == 0


def test_a_message_keeps_its_line_breaks(client, db_session, token):
    response = post(client, token, body(message="Hello,\r\n\tCan we foster?\nThanks"))
    assert response.status_code == 201
    assert db_session.get(EnquiryContact, response.json["id"]).notes.endswith("Thanks")


def test_five_thousand_nested_brackets_are_refused_as_not_json(client, db_session, token):
    response = client.post("/api/v1/enquiries", data="[" * 5000 + "]" * 5000, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.json["errors"] == [
        {"field": None, "message": "The body must be a JSON object"}]


def test_spaces_around_details_are_dropped_and_spaces_alone_are_no_value(client, db_session, token):
    """A phone of 41 spaces passed the 40-character check (spaces alone are 'optional') and PostgreSQL's column
    refused it: a 500."""
    payload = body(first_name="  Robin ", phone=" " * 41, postcode=" " * 11,
                   second_applicant={"first_name": "   ", "last_name": " "})
    response = post(client, token, payload)
    assert response.status_code == 201, response.json
    contact = db_session.get(EnquiryContact, response.json["id"])
    household = contact.household
    assert (household.phone, household.postcode) == (None, None)
    assert [p.first_name for p in household.applicants] == ["Robin"]
    only_spaces = post(client, token, body(first_name="   "))
    assert only_spaces.status_code == 422
    assert {"field": "first_name", "message": "Enter your first name"} in only_spaces.json["errors"]


def test_answers_give_times_in_utc_whether_stored_now_or_replayed(client, db_session, token, travel):
    """In British Summer Time the first answer gave the deadline on London's clock (+01:00) and its replay, read back
    from the database, in UTC: the same instant written two ways, so a retry's answer differed from the first."""
    travel(datetime(2026, 7, 1, 9, 30, tzinfo=timezone.utc))
    payload = body()
    first = post(client, token, payload, key="summer-1")
    again = post(client, token, payload, key="summer-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    assert first.json["received_at"].endswith("+00:00") and first.json["first_response_due_at"].endswith("+00:00")
