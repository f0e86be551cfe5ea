"""Logging enquiries: new households, matching repeat contacts, idempotency, first-response due times."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm import clock
from crm.clock import LONDON
from crm.enquiries import services
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.errors import DomainError
from crm.funnel.stages import Stage
from crm.households.models import Household
from crm.auth.roles import Role
from tests.factories import UserFactory
from tests.helpers import count


@pytest.fixture
def officer(db_session):
    return UserFactory(roles=[Role.RECRUITMENT_OFFICER])


def details(**overrides) -> services.EnquiryDetails:
    values = dict(first_name="Priya", last_name="Okafor-Testname", service_lines=["adoption"],
                  method=ContactMethod.PHONE, email="priya@hearth.example", phone="07700 900123",
                  postcode="ab1 2cd", received_at=datetime(2026, 11, 20, 15, 0, tzinfo=LONDON))
    values.update(overrides)
    return services.EnquiryDetails(**values)


def test_a_new_enquiry_makes_a_household_an_application_and_a_contact(app_context, db_session, officer):
    contact = services.log_enquiry(details(service_lines=["adoption", "fostering_mainstream"]), actor=officer)
    household = contact.household
    assert household.reference.startswith("H") and len(household.reference) == 8
    assert household.postcode == "AB12CD" and household.display_name == "Priya Okafor-Testname"
    assert {a.service_line_code for a in household.applications} == {"adoption", "fostering_mainstream"}
    assert all(a.stage is Stage.ENQUIRY for a in household.applications)
    # Friday 15:00 -> Tuesday 15:00: two working days, the weekend skipped
    assert contact.first_response_due_at == datetime(2026, 11, 24, 15, 0, tzinfo=LONDON)


@pytest.mark.parametrize("variation, reasons", [
    ({"email": "PRIYA@hearth.example", "phone": None, "postcode": None}, {"same email address"}),
    ({"email": None, "phone": "+44 7700 900123", "postcode": None}, {"same phone number", "same surname"}),
    ({"email": None, "phone": "7700 900123", "postcode": None}, set()),
    ({"email": None, "phone": "07700900123", "postcode": None}, {"same phone number", "same surname"}),
    ({"email": None, "phone": None, "postcode": "AB1 2CD"}, {"same postcode", "same surname"}),
])
def test_repeat_contacts_are_suggested_as_matches(app_context, db_session, officer, variation, reasons):
    first = services.log_enquiry(details(), actor=officer)
    matches = services.find_matches(details(first_name="P", **variation))
    if not reasons:
        assert matches == []
        return
    assert [m.household.id for m in matches] == [first.household_id]
    assert reasons <= set(matches[0].reasons)


def test_same_postcode_different_surname_is_not_a_match(app_context, officer):
    services.log_enquiry(details(), actor=officer)
    assert services.find_matches(details(last_name="Someone-Else", email=None, phone=None)) == []


def test_confirmed_repeat_contact_is_another_contact_not_another_household(app_context, db_session, officer):
    first = services.log_enquiry(details(), actor=officer)
    households = count(db_session, Household)
    again = services.log_enquiry(details(received_at=clock.now(), service_lines=["adoption", "early_permanence"]),
                                 actor=officer, household=first.household)
    assert again.household_id == first.household_id and count(db_session, Household) == households
    assert count(db_session, EnquiryContact) == 2
    assert {a.service_line_code for a in first.household.applications} == {"adoption", "early_permanence"}


def test_a_retried_submission_is_stored_once(app_context, db_session, officer):
    one = services.log_enquiry(details(idempotency_key="web-123"), actor=None)
    two = services.log_enquiry(details(idempotency_key="web-123"), actor=None)
    assert one.id == two.id and count(db_session, EnquiryContact) == 1 and count(db_session, Household) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"service_lines": []}, "at least one service line"),
    ({"service_lines": ["knitting"]}, "Unknown service line"),
    ({"received_at": clock.now() + timedelta(days=2)}, "future"),
])
def test_bad_enquiries_store_nothing(app_context, db_session, officer, overrides, message):
    with pytest.raises(DomainError, match=message):
        services.log_enquiry(details(**overrides), actor=officer)
    assert count(db_session, Household) == 0 and count(db_session, EnquiryContact) == 0


def test_first_response_once(app_context, officer):
    contact = services.log_enquiry(details(), actor=officer)
    services.record_first_response(contact, actor=officer)
    assert contact.first_responded_by_id == officer.id
    with pytest.raises(DomainError, match="already recorded"):
        services.record_first_response(contact, actor=officer)


@pytest.mark.parametrize("stored, typed", [
    ("+44(0)151 496 0660", "0151 496 0660"),
    ("0151 496 0660", "+44(0)151 496 0660"),
    ("+447700900123", "07700 900123"),
    ("07700 900123", "+447700900123"),
    ("0044 151 496 0660", "(0151) 496-0660"),
])
def test_a_phone_number_matches_however_it_is_written(app_context, db_session, officer, stored, typed):
    first = services.log_enquiry(details(email=None, postcode=None, phone=stored), actor=officer)
    matches = services.find_matches(details(first_name="P", email=None, postcode=None, phone=typed))
    assert [m.household.id for m in matches] == [first.household_id]
    assert "same phone number" in matches[0].reasons


def test_what_is_not_a_phone_number_is_compared_by_its_digits(app_context, db_session, officer):
    first = services.log_enquiry(details(email=None, postcode=None, phone="ext. 4960-660"), actor=officer)
    assert first.household.phone_normalised == "4960660"
    matches = services.find_matches(details(first_name="P", email=None, postcode=None, phone="4960660"))
    assert [m.household.id for m in matches] == [first.household_id]
