"""The applicant's own tasks: details corrected through the household record (the worker sees who changed what),
consents per adult, the task list's statuses as the worker sees them; another household's people answer 404."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.households.models import Person, RecordChange
from crm.portal.models import PortalConsent
from tests.factories import UserFactory
from tests.helpers import count, post
from tests.portal.helpers import portal_applicant, sign_in

DETAILS = {"first_name": "Ann", "last_name": "Jones", "date_of_birth": ["3", "4", "1985"], "lived_abroad_months": "14", "employed": "yes",
           "previous_significant_relationship": "no", "fostered_in_last_12_months": "no"}


def test_the_task_list_starts_not_started(client, db_session):
    account = portal_applicant(db_session, employed=None)
    sign_in(client, account)
    page = client.get("/my/").get_data(as_text=True)
    assert "govuk-task-list" in page and "Your details" in page and "Consents for checks" in page
    assert "Not yet started" in page


def test_details_corrected_are_on_the_household_timeline_as_the_applicants(client, auth, db_session):
    account = portal_applicant(db_session)
    sign_in(client, account)
    url = f"/my/details/{account.person_id}"
    assert client.get(url).status_code == 200
    response = post(client, url, None, DETAILS)
    assert response.status_code == 302
    person = db_session.get(Person, account.person_id)
    db_session.refresh(person)
    assert (person.first_name, person.lived_abroad_months, person.employed) == ("Ann", 14, True)
    changes = db_session.scalars(select(RecordChange).where(RecordChange.person_id == person.id)).all()
    assert {change.action for change in changes} == {"person_changed", "circumstances_changed"}
    assert all(change.changed_by_account_id == account.id and change.changed_by_id is None for change in changes)
    page = client.get("/my/").get_data(as_text=True)
    assert "Completed" in page
    # The worker sees who changed what.
    manager = client.application.test_client()
    from tests.conftest import AuthActions
    AuthActions(manager).login(UserFactory(roles=[Role.MANAGER]))
    page = manager.get(f"/households/{account.household_id}").get_data(as_text=True)
    assert "Ann Jones (applicant, through the applicant portal)" in page
    assert "Months lived abroad as an adult" in page


@pytest.mark.parametrize("change", [
    {"first_name": ""}, {"date_of_birth": ["3", "4", "2999"]}, {"date_of_birth": ["3", "13", "1985"]},
    {"date_of_birth": ["3", "4", "2099"]}, {"date_of_birth": ["3", "4"]},
    {"lived_abroad_months": "-1"}, {"lived_abroad_months": "lots"}, {"lived_abroad_months": "99999"},
    {"employed": "perhaps"}, {"first_name": "x" * 101},
])
def test_bad_details_store_nothing(client, db_session, change):
    account = portal_applicant(db_session)
    person = db_session.get(Person, account.person_id)
    before = (person.first_name, person.date_of_birth, person.lived_abroad_months)
    sign_in(client, account)
    response = post(client, f"/my/details/{account.person_id}", None, {**DETAILS, **change})
    assert response.status_code == 400 and "govuk-error-summary" in response.get_data(as_text=True)
    db_session.refresh(person)
    assert (person.first_name, person.date_of_birth, person.lived_abroad_months) == before
    assert count(db_session, RecordChange) == 0


def test_another_households_person_answers_404(client, db_session):
    mine, theirs = portal_applicant(db_session), portal_applicant(db_session)
    sign_in(client, mine)
    assert client.get(f"/my/details/{theirs.person_id}").status_code == 404
    assert post(client, "/my/details", f"/my/details/{theirs.person_id}", DETAILS).status_code == 404
    assert client.get("/my/details/999999999").status_code == 404
    assert theirs.person.first_name != "Ann"


def test_the_partner_may_correct_the_other_adults_details(client, db_session):
    account = portal_applicant(db_session)
    partner = portal_applicant(db_session, household=account.household)
    sign_in(client, account)
    assert post(client, f"/my/details/{partner.person_id}", None, DETAILS).status_code == 302


def test_consents_given_and_withdrawn(client, auth, db_session):
    account = portal_applicant(db_session, lived_abroad_months=0)
    sign_in(client, account)
    page = client.get("/my/consents").get_data(as_text=True)
    assert "enhanced DBS" in page and "country you lived in" not in page
    response = post(client, "/my/consents", None, {"kinds": ["dbs", "local_authority", "medical"]})
    assert response.status_code == 302
    assert count(db_session, PortalConsent, PortalConsent.withdrawn_at.is_(None)) == 3
    assert "Completed" in client.get("/my/").get_data(as_text=True)
    post(client, "/my/consents", None, {"kinds": ["dbs", "local_authority"]})
    assert count(db_session, PortalConsent, PortalConsent.withdrawn_at.is_not(None)) == 1
    assert "In progress" in client.get("/my/").get_data(as_text=True)
    # The worker sees them on the household page.
    manager = client.application.test_client()
    from tests.conftest import AuthActions
    AuthActions(manager).login(UserFactory(roles=[Role.MANAGER]))
    page = manager.get(f"/households/{account.household_id}").get_data(as_text=True)
    assert "Applicant portal" in page and "DBS: given" in page and "Medical: not given" in page


def test_overseas_consent_only_after_living_abroad(client, db_session):
    account = portal_applicant(db_session, lived_abroad_months=7)
    sign_in(client, account)
    assert "country you lived in" in client.get("/my/consents").get_data(as_text=True)


@pytest.mark.parametrize("kinds", [["overseas"], ["nonsense"], ["dbs", "x" * 500]])
def test_consents_not_asked_store_nothing(client, db_session, kinds):
    account = portal_applicant(db_session, lived_abroad_months=0)
    sign_in(client, account)
    response = post(client, "/my/consents", None, {"kinds": kinds})
    assert response.status_code == 400
    assert count(db_session, PortalConsent) == 0


def test_each_consent_names_a_catalogue_check_of_the_adults_it_is_asked_of(db_session):
    """The one consent table (crm/portal/consent_rules) against the seeded catalogue: the check types exist, and a
    consent asked of every adult is for a check of every adult, one asked of applicants for an applicant's check."""
    from crm.checks.models import CheckAppliesTo, CheckType
    from crm.households.models import PersonRole
    from crm.portal.consent_rules import CONSENT_BY_CODE, CONSENT_RULES

    catalogue = {t.code: t for t in db_session.scalars(select(CheckType).where(CheckType.code.in_(CONSENT_BY_CODE)))}
    assert set(catalogue) == set(CONSENT_BY_CODE)
    other_adult = Person(role=PersonRole.OTHER_ADULT, lived_abroad_months=12)
    for rule in CONSENT_RULES:
        expected = catalogue[rule.check_code].applies_to is CheckAppliesTo.EVERY_ADULT
        assert rule.asks(other_adult) is expected, rule.kind
