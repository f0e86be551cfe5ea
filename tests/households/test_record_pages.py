"""The household record's pages: editing contact details, people and equality monitoring; the timeline of contacts
and changes; and who may see special-category answers."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.stages import Stage
from crm.households.models import Person, RecordChange
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, UserFactory
from tests.helpers import count, post
from tests.queues.helpers import StatementCounter

BLANK_DATE = [("date_of_birth", ""), ("date_of_birth", ""), ("date_of_birth", "")]


def household_with(stage=Stage.ENQUIRY, **person):
    household = HouseholdFactory(postcode="SW1A1AA")
    PersonFactory(household=household, first_name="Imogen", last_name="Placeholder", **person)
    ApplicationFactory(household=household, stage=stage)
    return household


def page_of(client, household) -> str:
    return client.get(f"/households/{household.id}").get_data(as_text=True)


def test_contact_details_are_changed_from_the_household_page(client, auth, db_session):
    household = household_with()
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER], full_name="Olive Officer"))
    assert "SW1A 1AA" in page_of(client, household)  # shown with its space, however it was stored
    url = f"/households/{household.id}/contact-details"
    response = post(client, url, None, {"email": "new@example.org", "phone": "07700 900123",
                                        "address_line_1": "2 Test Road", "town": "Testford", "postcode": "m1 1ae"})
    assert response.status_code == 302
    html = page_of(client, household)
    assert "Contact details saved." in html and "M1 1AE" in html and "2 Test Road" in html
    timeline = html[html.index('id="household-timeline"'):]
    assert "Contact details changed" in timeline and "by Olive Officer" in timeline and "SW1A 1AA" in timeline


def test_a_bad_postcode_or_email_gets_a_message_beside_the_field(client, auth, db_session):
    household = household_with()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    url = f"/households/{household.id}/contact-details"
    response = post(client, url, None, {"email": "not-an-email", "postcode": "SW1A"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: " in html
    assert "Enter an email address in the correct format" in html
    response = post(client, url, None, {"email": "fine@example.org", "postcode": "ZZZ 999"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter a real postcode, like SW1A 1AA" in html
    assert 'class="govuk-error-summary' in html and count(db_session, RecordChange) == 0
    db_session.refresh(household)
    assert household.email != "fine@example.org"


def test_imported_placeholder_names_are_replaced_and_a_person_is_added(client, auth, db_session):
    household = household_with()
    person = household.people[0]
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = post(client, f"/households/{household.id}/people/{person.id}", None,
                    [("first_name", "Imani"), ("last_name", "Okafor"), ("date_of_birth", "3"),
                     ("date_of_birth", "2"), ("date_of_birth", "1988")])
    assert response.status_code == 302
    added = post(client, f"/households/{household.id}/people/new", None,
                 [("first_name", "Theo"), ("last_name", "Okafor"), ("role", "child"), *BLANK_DATE])
    assert added.status_code == 302
    html = page_of(client, household)
    assert "<h1 class=\"govuk-heading-l\">Imani Okafor</h1>" in html and "Theo Okafor" in html
    assert "Imogen Placeholder&#39;s details corrected" in html or "Imogen Placeholder's details corrected" in html \
        or "Imani Okafor&#39;s details corrected" in html


@pytest.mark.parametrize(("pairs", "message"), [
    ([("first_name", ""), ("last_name", "Okafor"), ("role", "child"), *BLANK_DATE], "Enter the first name"),
    ([("first_name", "Theo"), ("last_name", "Okafor"), ("role", "child"), ("date_of_birth", "1"),
      ("date_of_birth", "1"), ("date_of_birth", "2099")], "Date of birth must be today or in the past"),
    ([("first_name", "Theo"), ("last_name", "Okafor"), ("role", "child"), ("date_of_birth", "31"),
      ("date_of_birth", "2"), ("date_of_birth", "2020")], "Date of birth must be a real date"),
    ([("first_name", "Theo"), ("last_name", "Okafor"), *BLANK_DATE], "Choose who they are"),
])
def test_bad_people_get_a_message_and_nothing_is_stored(client, auth, db_session, pairs, message):
    household = household_with()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = post(client, f"/households/{household.id}/people/new", None, pairs)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(db_session, Person, Person.household_id == household.id) == 1


def test_someone_leaves_the_household(client, auth, db_session, travel):
    travel(date(2026, 11, 23))
    household = household_with()
    person = PersonFactory(household=household, first_name="Lena", last_name="Leaver")
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    day = clock.today() - timedelta(days=3)
    url = f"/households/{household.id}/people/{person.id}/left"
    future = clock.today() + timedelta(days=3)
    refused = post(client, url, None, {"left_on": [str(future.day), str(future.month), str(future.year)]})
    assert refused.status_code == 400 and "must be today or in the past" in refused.get_data(as_text=True)
    assert post(client, url, None, {"left_on": [str(day.day), str(day.month), str(day.year)]}).status_code == 302
    html = page_of(client, household)
    assert "Lena Leaver left the household" in html and "Left " in html
    db_session.refresh(person)
    assert person.left_on == day


def test_a_person_of_another_household_is_not_found(client, auth, db_session):
    household, other = household_with(), household_with()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert client.get(f"/households/{household.id}/people/{other.people[0].id}").status_code == 404


@pytest.mark.parametrize("role", [Role.STAGE_ONE_WORKER, Role.MANAGER])
def test_workers_and_managers_record_equality_monitoring_seen_and_audited(client, auth, db_session, role):
    user = UserFactory(roles=[role])
    household = household_with(Stage.STAGE_1)
    household.allocated_worker_id = user.id
    person = household.people[0]
    auth.login(user)
    url = f"/households/{household.id}/people/{person.id}/equality"
    assert "Prefers not to say" in client.get(url).get_data(as_text=True)
    response = post(client, url, None, {"sexual_orientation": "Gay or lesbian", "disability": "Prefers not to say",
                                        "ethnicity": "", "religion": "No religion", "relationship_status": "Married"})
    assert response.status_code == 302
    html = page_of(client, household)
    section = html[html.index('id="equality-monitoring"'):html.index('id="household-timeline"')]
    assert "Gay or lesbian" in section and "No religion" in section and "Married" in section
    assert "Not recorded" in section  # ethnicity left unset
    actions = set(db_session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)))
    assert {"viewed_equality_monitoring", "equality_monitoring_changed"} <= actions


def test_an_unknown_answer_is_refused(client, auth, db_session):
    household = household_with()
    person = household.people[0]
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = post(client, f"/households/{household.id}/people/{person.id}/equality", None,
                    {"sexual_orientation": "<script>", "disability": "", "ethnicity": "", "religion": "",
                     "relationship_status": ""})
    assert response.status_code == 400 and "Choose one of the answers for sexual orientation" in response.get_data(
        as_text=True)
    db_session.refresh(person)
    assert person.sexual_orientation is None


def test_officers_and_marketing_never_see_special_category_answers(client, auth, db_session, services_as):
    household = household_with(sexual_orientation="Bisexual", disability="No disability")
    person = household.people[0]
    manager = UserFactory(roles=[Role.MANAGER])
    from crm.households import records
    services_as(lambda: records.update_monitoring(person, {"sexual_orientation": "Gay or lesbian",
                                                           "disability": "No disability"}, actor=manager))
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    html = page_of(client, household)
    assert "Equality monitoring changed for" in html and "Hidden" in html
    assert "Bisexual" not in html and "Gay or lesbian" not in html and "No disability" not in html
    assert 'id="equality-monitoring"' not in html
    assert client.get(f"/households/{household.id}/people/{person.id}/equality").status_code == 403
    assert not db_session.scalars(select(AuditEvent).where(AuditEvent.action == "viewed_equality_monitoring")).all()
    auth.logout()
    auth.login(UserFactory(roles=[Role.MARKETING_OFFICER]))
    for url in (f"/households/{household.id}", f"/households/{household.id}/people/{person.id}/equality",
                f"/households/{household.id}/contact-details"):
        assert client.get(url).status_code == 403


def test_an_officer_cannot_edit_a_household_beyond_roi(client, auth, db_session):
    household = household_with(Stage.STAGE_2)
    auth.login(UserFactory(roles=[Role.RECRUITMENT_OFFICER]))
    assert client.get(f"/households/{household.id}/contact-details").status_code == 404
    assert client.get(f"/households/{household.id}/people/new").status_code == 404


def add_contacts(household, officer, notes: list[str]):
    for index, note in enumerate(notes):
        contact = EnquiryContact(household_id=household.id, received_at=clock.now() - timedelta(days=10 - index),
                                 method=ContactMethod.PHONE, notes=note, recorded_by_id=officer.id)
        HouseholdFactory._meta.sqlalchemy_session.add(contact)
    HouseholdFactory._meta.sqlalchemy_session.flush()


def test_every_contacts_notes_are_on_the_timeline_at_a_fixed_statement_count(client, app, auth, db_session):
    household = household_with()
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER], full_name="Olive Officer")
    add_contacts(household, officer, ["First call: asked about adoption", "Rang back:\nwants an event"])
    auth.login(UserFactory(roles=[Role.MANAGER]))
    with StatementCounter(app) as few:
        html = page_of(client, household)
    assert "First call: asked about adoption" in html and "Rang back:\nwants an event" in html
    assert "First enquiry (phone)" in html and "Further contact (phone)" in html and "by Olive Officer" in html
    add_contacts(household, UserFactory(roles=[Role.RECRUITMENT_OFFICER]), [f"Call {n}" for n in range(8)])
    for n in range(3):
        PersonFactory(household=household)
    with StatementCounter(app) as many:
        html = page_of(client, household)
    titles = re.findall(r'moj-timeline__title">([^<]*)', html[html.index('id="household-timeline"'):])
    assert titles.count("First enquiry (phone)") == 1 and titles.count("Further contact (phone)") == 9, titles
    assert many.count == few.count
