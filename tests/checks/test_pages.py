"""One check's page and its forms, starting checks, a person's circumstances, a household's checks; bad input."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks.models import CheckChase, CheckInstance, CheckOutcome
from crm.funnel import services as funnel
from crm.funnel.stages import EventKind
from crm.households.models import Person
from tests.checks.conftest import STAGE_1_ON, TODAY, check_of, checks_of, family, form_date, into_stage_1
from tests.factories import TeamFactory, UserFactory
from tests.helpers import count, post


@pytest.fixture
def application(services_as, worker):
    return services_as(lambda: into_stage_1(family(worker, names=("Ann", "Dot")), worker))


@pytest.fixture
def dbs(db_session, application):
    return check_of(db_session, application, "dbs", "Ann")


def stored(db_session, check) -> CheckInstance:
    db_session.expire_all()
    return db_session.get(CheckInstance, check.id)


def test_the_check_page_is_audited(client, auth, db_session, worker, dbs):
    auth.login(worker)
    response = client.get(f"/checks/{dbs.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enhanced DBS check" in html and "Ann Example" in html and "HR submitted the application" in html
    assert count(db_session, AuditEvent, AuditEvent.action == "viewed_check", AuditEvent.object_id == str(dbs.id)) == 1


def test_request_then_chase_then_parts_then_receive(client, auth, db_session, worker, dbs):
    auth.login(worker)
    page = f"/checks/{dbs.id}"
    requested_on = clock.today() - timedelta(days=10)
    response = post(client, page, f"{page}/request", {**form_date("requested_on", requested_on), "owner": worker.id})
    assert response.status_code == 302
    assert stored(db_session, dbs).due_on == requested_on + timedelta(days=28)
    assert post(client, page, f"{page}/chase", {**form_date("chased_on", clock.today()), "note": "Emailed HR"}
                ).status_code == 302
    part = stored(db_session, dbs).parts[0]
    assert post(client, page, f"{page}/parts/{part.id}", form_date("completed_on", requested_on)).status_code == 302
    assert post(client, page, f"{page}/receive", {**form_date("received_on", clock.today()), "outcome": "clear"}
                ).status_code == 302
    check = stored(db_session, dbs)
    assert (check.last_chased_on, check.parts[0].completed_on, check.received_on, check.outcome) == (
        clock.today(), requested_on, clock.today(), CheckOutcome.CLEAR)
    assert [chase.note for chase in check.chases] == ["Emailed HR"]


@pytest.mark.parametrize(("path", "data", "message"), [
    ("request", {**form_date("requested_on", clock.today() + timedelta(days=1)), "owner": "me"},
     "The date requested must be today or in the past"),
    ("request", {"requested_on": ["31", "2", "2026"], "owner": "me"}, "Date requested must be a real date"),
    ("request", {"requested_on": ["", "", ""], "owner": "me"}, "Enter the date the check was requested"),
    ("request", {**form_date("requested_on", clock.today()), "owner": "abc"}, "Choose an owner who works on checks"),
    ("request", {**form_date("requested_on", clock.today()), "owner": "officer"},
     "Choose an owner who works on checks"),
    ("request", form_date("requested_on", clock.today()), "Choose who owns the check"),
    ("chase", form_date("chased_on", clock.today()), "has not been requested yet"),
    ("chase", {"chased_on": ["1", "13", "2026"], "note": "x" * 2001}, "Date chased must be a real date"),
    ("receive", form_date("received_on", clock.today()), "Choose the outcome"),
    ("receive", {**form_date("received_on", clock.today()), "outcome": "fine"}, "Choose the outcome"),
    ("receive", {**form_date("received_on", clock.today()), "outcome": "concern"}, "requested before recording it"),
    ("receive", {"received_on": ["x", "y", "z"], "outcome": "clear"}, "Date received must be a real date"),
])
def test_bad_input_is_answered_beside_the_field_and_stores_nothing(client, auth, db_session, worker, dbs, path, data,
                                                                   message):
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    owners = {"me": worker.id, "officer": officer.id}
    data = {key: owners.get(value, value) if key == "owner" else value for key, value in data.items()}
    auth.login(worker)
    response = post(client, f"/checks/{dbs.id}", f"/checks/{dbs.id}/{path}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "There is a problem" in html and "<title>Error:" in html
    check = stored(db_session, dbs)
    assert (check.requested_on, check.received_on, check.outcome, count(db_session, CheckChase)) == (
        None, None, None, 0)


def test_a_part_of_another_check_or_a_check_of_another_team_is_not_found(client, auth, services_as, db_session,
                                                                        worker, application, dbs):
    auth.login(worker)
    health = check_of(db_session, application, "health", "Ann")
    assert post(client, f"/checks/{dbs.id}", f"/checks/{health.id}/parts/{dbs.parts[0].id}",
                form_date("completed_on", clock.today())).status_code == 404
    auth.logout()
    auth.login(UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id))
    assert client.get(f"/checks/{dbs.id}").status_code == 404
    assert client.get("/checks/999999").status_code == 404


def test_the_funnel_form_starts_the_checks(client, auth, services_as, db_session, worker):
    household = services_as(lambda: family(worker, names=("Ann",)))

    def to_roi():
        application = funnel.open_application(household, "adoption", STAGE_1_ON - timedelta(days=30), actor=worker,
                                              today=TODAY)
        funnel.record(application, EventKind.INITIAL_VISIT, STAGE_1_ON - timedelta(days=10), actor=worker,
                      today=TODAY)
        funnel.record(application, EventKind.REGISTRATION_OF_INTEREST, STAGE_1_ON - timedelta(days=5), actor=worker,
                      today=TODAY)
        return application
    application = services_as(to_roi)
    auth.login(worker)
    response = post(client, f"/households/{household.id}", f"/applications/{application.id}/events",
                    {"kind": "stage_1", "worker": str(worker.id), **form_date("occurred_on", STAGE_1_ON)})
    assert response.status_code == 302
    assert len(checks_of(db_session, application)) == 9


def test_start_checks_on_fast_track_defaults_to_all_and_starts_the_chosen(client, auth, services_as, db_session,
                                                                         worker):
    application = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker, fast_track=True))
    auth.login(worker)
    page = f"/applications/{application.id}/checks/start"
    html = client.get(page).get_data(as_text=True)
    assert html.count('name="checks"') == 9 and html.count(" checked") == 9
    assert "fast-track application" in html
    values = re.findall(r'name="checks" type="checkbox" value="([^"]+)"', html)
    response = post(client, page, page, {"checks": values[:2]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/households/{application.household_id}/checks")
    assert checks_of(db_session, application) == {("dbs", "Ann"), ("la_checks", "Ann")}
    assert client.get(page).get_data(as_text=True).count('name="checks"') == 7


@pytest.mark.parametrize(("values", "message"), [
    ([], "Choose at least one check to start"),
    (["garbage"], "choose again"),
    (["1:999999"], "choose again"),
])
def test_start_checks_refuses_bad_choices(client, auth, services_as, db_session, worker, values, message):
    application = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker, fast_track=True))
    auth.login(worker)
    page = f"/applications/{application.id}/checks/start"
    response = post(client, page, page, {"checks": values})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert checks_of(db_session, application) == set()


def test_circumstances_form_saves_and_adds_checks(client, auth, db_session, worker, application):
    dot = next(p for p in application.household.people if p.first_name == "Dot")
    ann = next(p for p in application.household.people if p.first_name == "Ann")
    auth.login(worker)
    page = f"/people/{ann.id}/circumstances"
    html = client.get(page).get_data(as_text=True)
    assert 'value="7"' in html  # Ann's months abroad
    response = post(client, page, page, {"lived_abroad_months": "7", "employed": "yes",
                                         "previous_significant_relationship": "yes", "fostered_in_last_12_months": ""})
    assert response.status_code == 302
    assert ("ex_partner_reference", "Ann") in checks_of(db_session, application)
    person = db_session.get(Person, ann.id)
    assert (person.previous_significant_relationship, person.fostered_in_last_12_months) == (True, None)
    assert "1 check added." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/people/{dot.id}/circumstances").status_code == 200


@pytest.mark.parametrize(("data", "message"), [
    ({"lived_abroad_months": "lots"}, "Months lived abroad as an adult (optional) must be a whole number"),
    ({"lived_abroad_months": "-3"}, "Months lived abroad must be between 0 and 1200"),
    ({"employed": "maybe"}, "Choose yes, no or not known"),
])
def test_bad_circumstances_store_nothing(client, auth, db_session, worker, application, data, message):
    ann = next(p for p in application.household.people if p.first_name == "Ann")
    auth.login(worker)
    page = f"/people/{ann.id}/circumstances"
    response = post(client, page, page, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db_session.expire_all()
    assert (db_session.get(Person, ann.id).lived_abroad_months, db_session.get(Person, ann.id).employed) == (7, True)


def test_the_household_checks_page_groups_checks_by_person(client, auth, db_session, worker, application, dbs):
    auth.login(worker)
    response = client.get(f"/households/{application.household_id}/checks")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    captions = re.findall(r'govuk-table__caption--s">([^<]+)<', html)
    assert captions == ["The application as a whole", "Ann Example", "Dot Example"]
    assert html.count("Not requested") == 10
    assert f"/checks/{dbs.id}" in html and f"/people/{dbs.person_id}/circumstances" in html
    assert db_session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "viewed_household_checks")) == \
        str(application.household_id)


def test_checks_withdrawn_by_an_undo_are_shown_as_withdrawn(client, auth, services_as, worker, application, dbs):
    services_as(lambda: funnel.undo(application, "Too early", actor=UserFactory(roles=[Role.MANAGER])))
    auth.login(worker)
    html = client.get(f"/households/{application.household_id}/checks").get_data(as_text=True)
    assert html.count("its stage was undone") == 10 and "Not requested" not in html
    assert 'id="check-withdrawn"' in client.get(f"/checks/{dbs.id}").get_data(as_text=True)


def test_a_household_the_viewer_may_not_see_is_not_found(client, auth, application):
    auth.login(UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id))
    assert client.get(f"/households/{application.household_id}/checks").status_code == 404
    assert client.get(f"/applications/{application.id}/checks/start").status_code == 404
    assert client.get(f"/people/{application.household.people[0].id}/circumstances").status_code == 404
