"""Editing a household's record: the services' rules, the change history they keep, and who may do what."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import catalogue
from crm.errors import DomainError
from crm.households import records
from crm.households.models import PersonRole, RecordChange
from crm.households.monitoring import PREFERS_NOT_TO_SAY
from crm.households.postcodes import display_postcode, is_postcode
from tests.checks.conftest import TODAY, checks_of, family, into_stage_1
from tests.factories import HouseholdFactory, PersonFactory, TeamFactory, UserFactory
from tests.helpers import count

ADULT_CHECKS = {"dbs", "la_checks", "probation_nspcc"}


@pytest.fixture
def worker(db_session):
    return UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id, full_name="Wendy Worker")


def audit_of(db_session, action):
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(("typed", "valid", "shown"), [
    ("sw1a1aa", True, "SW1A 1AA"), (" M1 1AE ", True, "M1 1AE"), ("B33 8TH", True, "B33 8TH"),
    ("CR2 6XH", True, "CR2 6XH"), ("DN55 1PT", True, "DN55 1PT"), ("GIR 0AA", True, "GIR 0AA"),
    ("SW1A", False, "SW1A"), ("12345", False, "12345"), ("AB1 2CD", False, "AB1 2CD"), ("", False, ""),
])
def test_postcodes_are_checked_and_shown_with_their_space(typed, valid, shown):
    assert is_postcode(typed) is valid
    assert display_postcode(typed) == shown


def test_contact_details_are_saved_with_before_and_after_and_audited(app_context, db_session, worker):
    household = HouseholdFactory(email="old@example.org", postcode="M11AE")
    change = records.update_contact_details(household, records.ContactDetails(
        email="New@Example.org ", phone="0151 496 0660", address_line_1="1 Test Street", town="Testtown",
        postcode="sw1a1aa"), actor=worker)
    assert (household.email, household.postcode, household.phone_normalised) == (
        "new@example.org", "SW1A 1AA", "+441514960660")
    assert change.changes["postcode"] == ["M11AE", "SW1A 1AA"]
    assert change.changes["email"] == ["old@example.org", "new@example.org"]
    [event] = audit_of(db_session, "contact_details_changed")
    assert event.detail["fields"] == sorted(change.changes) and "SW1A 1AA" not in str(event.detail)


def test_saving_unchanged_details_records_nothing(app_context, db_session, worker):
    household = HouseholdFactory(email="same@example.org", postcode="SW1A 1AA")
    details = records.ContactDetails(email="same@example.org", postcode="SW1A 1AA")
    assert records.update_contact_details(household, details, actor=worker) is None
    assert count(db_session, RecordChange) == 0


def test_a_bad_postcode_is_refused_and_nothing_changes(app_context, db_session, worker):
    household = HouseholdFactory(email="kept@example.org")
    with pytest.raises(DomainError) as refused:
        records.update_contact_details(household, records.ContactDetails(email="x@example.org", postcode="NOT A PC"),
                                       actor=worker)
    assert refused.value.field == "postcode"
    assert household.email == "kept@example.org" and count(db_session, RecordChange) == 0


def test_an_adult_who_joins_during_stage_1_gets_their_checks(app_context, db_session, worker, travel):
    travel(TODAY)
    application = into_stage_1(family(worker, names=("Ann",)), worker)
    person = records.add_person(application.household, records.PersonDetails("Zed", "Example", date(1990, 2, 3)),
                                PersonRole.OTHER_ADULT, actor=worker, today=TODAY)
    assert {code for code, name in checks_of(db_session, application) if name == "Zed"} == ADULT_CHECKS
    change = db_session.scalars(select(RecordChange).where(RecordChange.person_id == person.id)).one()
    assert change.action == "person_added" and change.changes["date_of_birth"] == [None, "1990-02-03"]


def test_a_young_child_who_joins_gets_no_adult_checks_and_none_before_stage_1(app_context, db_session, worker, travel):
    travel(TODAY)
    application = into_stage_1(family(worker, names=("Ann",)), worker)
    records.add_person(application.household, records.PersonDetails("Kit", "Example", date(2020, 1, 1)),
                       PersonRole.CHILD, actor=worker, today=TODAY)
    assert {code for code, name in checks_of(db_session, application) if name == "Kit"} == {
        "child_health_visitor_school"}
    enquiring = HouseholdFactory()
    records.add_person(enquiring, records.PersonDetails("Lou", "Example", date(1990, 1, 1)), PersonRole.OTHER_ADULT,
                       actor=worker, today=TODAY)
    assert enquiring.people[0].first_name == "Lou"


def test_a_corrected_date_of_birth_that_makes_someone_an_adult_brings_their_checks(app_context, db_session, worker,
                                                                                     travel):
    travel(TODAY)
    application = into_stage_1(family(worker, names=("Ann", "Dot")), worker)
    dot = next(p for p in application.household.people if p.first_name == "Dot")
    records.update_person(dot, records.PersonDetails("Dot", "Example", date(2000, 5, 5)), actor=worker, today=TODAY)
    assert ADULT_CHECKS <= {code for code, name in checks_of(db_session, application) if name == "Dot"}


@pytest.mark.parametrize(("first", "last", "born", "fields"), [
    ("", "Example", None, ["first_name"]),
    ("  ", "", None, ["first_name", "last_name"]),
    ("Ava", "Example", date(2026, 11, 24), ["date_of_birth"]),
])
def test_bad_people_are_refused_and_nothing_is_stored(app_context, db_session, worker, first, last, born, fields):
    household = HouseholdFactory()
    with pytest.raises(DomainError) as refused:
        records.add_person(household, records.PersonDetails(first, last, born), PersonRole.CHILD, actor=worker,
                           today=TODAY)
    assert [field for field, _ in refused.value.problems] == fields
    assert household.people == [] and count(db_session, RecordChange) == 0


def test_someone_who_left_needs_no_new_checks(app_context, db_session, worker, travel):
    travel(TODAY)
    application = into_stage_1(family(worker, names=("Ann", "Cal")), worker)
    cal = next(p for p in application.household.people if p.first_name == "Cal")
    with pytest.raises(DomainError, match="today or in the past"):
        records.mark_left(cal, date(2026, 11, 24), actor=worker, today=TODAY)
    records.mark_left(cal, date(2026, 10, 1), actor=worker, today=TODAY)
    assert cal.left_on == date(2026, 10, 1)
    assert all(needed.person is not cal for needed in catalogue.needed_checks(application, TODAY))
    with pytest.raises(DomainError, match="already recorded"):
        records.mark_left(cal, date(2026, 10, 2), actor=worker, today=TODAY)
    assert [p.first_name for p in application.household.applicants] == ["Ann"]


def test_monitoring_answers_are_kept_and_audited_without_their_values(app_context, db_session, worker):
    person = PersonFactory(household=HouseholdFactory(allocated_worker_id=worker.id))
    change = records.update_monitoring(person, {"sexual_orientation": "Bisexual", "religion": PREFERS_NOT_TO_SAY,
                                                "relationship_status": "Married"}, actor=worker)
    assert (person.sexual_orientation, person.religion, person.household.relationship_status) == (
        "Bisexual", PREFERS_NOT_TO_SAY, "Married")
    assert change.changes["sexual_orientation"] == [None, "Bisexual"]
    [event] = audit_of(db_session, "equality_monitoring_changed")
    assert "Bisexual" not in str(event.detail) and "sexual_orientation" in event.detail["fields"]


def test_monitoring_refuses_unknown_answers_and_officers(app_context, db_session, worker):
    person = PersonFactory(ethnicity="White British")  # an imported wording is kept, and may be saved again
    with pytest.raises(DomainError) as refused:
        records.update_monitoring(person, {"ethnicity": "White British", "disability": "Sometimes"}, actor=worker)
    assert [field for field, _ in refused.value.problems] == ["disability"]
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    with pytest.raises(DomainError, match="Only stage-one workers"):
        records.update_monitoring(person, {"sexual_orientation": "Bisexual"}, actor=officer)
    assert person.sexual_orientation is None and count(db_session, RecordChange) == 0
