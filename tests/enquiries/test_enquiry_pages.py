"""The officer's enquiry form (with match confirmation) and the first-response queue."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.enquiries.models import EnquiryContact
from crm.households.models import Household
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.helpers import count, post

FORM = [("first_name", "Tomasz"), ("last_name", "Quillfeather"), ("email", "tq@hearth.example"),
        ("phone", "07700 900555"), ("postcode", "ZZ1 1ZZ"), ("service_lines", "adoption"),
        ("service_lines", "fostering_mainstream"), ("method", "phone"),
        ("received_on", ""), ("received_on", ""), ("received_on", "")]


def submit(client, pairs):
    return post(client, "/enquiries/new", None, pairs)


def test_officer_logs_a_new_enquiry(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    response = submit(client, FORM)
    assert response.status_code == 302
    household = db_session.scalars(select(Household).where(Household.email == "tq@hearth.example")).one()
    assert {a.service_line_code for a in household.applications} == {"adoption", "fostering_mainstream"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enquiry saved for household" in page and "First response due by" in page


def test_a_repeat_contact_asks_which_household_then_adds_a_contact(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    submit(client, FORM)
    first = db_session.scalars(select(Household)).one()
    asked = submit(client, FORM)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "This may be a household we already know" in html
    assert first.reference in html and "same email address" in html
    assert count(db_session, EnquiryContact) == 1
    confirmed = submit(client, [*FORM, ("match", str(first.id))])
    assert confirmed.status_code == 302
    assert count(db_session, Household) == 1 and count(db_session, EnquiryContact) == 2


def test_choosing_new_household_makes_a_second_household(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    submit(client, FORM)
    submit(client, [*FORM, ("match", "new")])
    assert count(db_session, Household) == 2


def test_bad_enquiry_gets_errors_beside_the_fields_and_stores_nothing(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    response = submit(client, [("email", "not-an-email"), ("service_lines", "knitting"), ("method", "pigeon"),
                               ("received_on", "31"), ("received_on", "2"), ("received_on", "2026")])
    html = response.get_data(as_text=True)
    for message in ("Enter the first name", "Enter the last name", "Enter an email address in the correct format",
                    "Not a valid choice", "must be a real date"):
        assert message in html, message
    assert count(db_session, Household) == 0


def test_an_enquiry_dated_in_the_future_is_refused_beside_its_date(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    tomorrow = clock.today() + timedelta(days=1)
    dated = [(key, value) for key, value in FORM if key != "received_on"]
    response = submit(client, [*dated, *(("received_on", str(part)) for part in
                                         (tomorrow.day, tomorrow.month, tomorrow.year))])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    beside = re.search(r'<p id="received_on-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    assert beside and "An enquiry cannot be dated in the future" in beside.group(1)
    assert 'href="#received_on"' in html  # the error summary links to the date
    assert 'id="service_lines-error"' not in html
    assert count(db_session, Household) == 0


def test_first_response_queue(client, auth, db_session):
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    auth.login(officer)
    submit(client, FORM)
    queue = client.get("/enquiries/awaiting-response").get_data(as_text=True)
    assert "Tomasz Quillfeather" in queue
    contact = db_session.scalars(select(EnquiryContact)).one()
    response = client.post(f"/enquiries/{contact.id}/first-response", data={"csrf_token": csrf_token(queue)})
    assert response.status_code == 302
    assert "Every enquiry has had a first response" in client.get("/enquiries/awaiting-response").get_data(as_text=True)
    db_session.refresh(contact)
    assert contact.first_responded_by_id == officer.id
    again = client.post(f"/enquiries/{contact.id}/first-response", data={"csrf_token": csrf_token(queue)})
    assert "already recorded" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_unknown_contact_is_404(client, auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get("/enquiries/awaiting-response").get_data(as_text=True)
    assert client.post("/enquiries/999999/first-response", data={"csrf_token": csrf_token(page)}).status_code == 404


def test_a_forged_match_id_cannot_attach_to_another_household(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    submit(client, FORM)
    stranger = db_session.scalars(select(Household)).one()
    other = [(k, v) for k, v in FORM if k not in ("email", "phone", "postcode", "last_name")]
    submit(client, [*other, ("last_name", "Unrelated"), ("match", str(stranger.id))])
    assert count(db_session, Household) == 2


def test_a_call_answered_while_on_the_phone_never_waits_for_a_response(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    response = submit(client, [*FORM, ("answered", "y"), ("notes", "Talked through adoption; sent the pack")])
    assert response.status_code == 302
    contact = db_session.scalars(select(EnquiryContact)).one()
    assert contact.first_responded_at == contact.received_at
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "answered during the call" in page and "Answered during the contact." in page
    assert "Talked through adoption; sent the pack" in page
    assert "Quillfeather" not in client.get("/enquiries/awaiting-response").get_data(as_text=True)


def test_only_a_call_or_a_visit_can_be_answered_during_it(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    email = [(key, "email" if key == "method" else value) for key, value in FORM]
    response = submit(client, [*email, ("answered", "y")])
    assert response.status_code == 400
    assert "Only a phone call or a visit in person can be answered" in response.get_data(as_text=True)
    assert count(db_session, EnquiryContact) == 0 and count(db_session, Household) == 0
