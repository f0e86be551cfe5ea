"""Allocation pages: the Stage 1 hand-over on the household page, taking an enquiry, a manager's reallocations,
and the caseloads (with their statement counts)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.allocation import services
from crm.allocation.models import Allocation, AllocationReason
from crm.checks.models import CheckInstance
from crm.funnel.stages import EventKind, Stage
from crm.households.models import Application
from tests.allocation.conftest import STAGE_1_ON, TODAY, household_at_roi, owners
from tests.checks.conftest import form_date
from tests.factories import UserFactory
from tests.helpers import count, post
from tests.queues.helpers import StatementCounter


@pytest.fixture
def today(travel):
    travel(TODAY)


def start_stage_1_on_the_page(client, household, application, worker_id: str, **extra):
    return post(client, f"/households/{household.id}", f"/applications/{application.id}/events",
                {"kind": "stage_1", "worker": worker_id, **form_date("occurred_on", STAGE_1_ON), **extra})


def test_the_manager_starts_stage_1_and_the_stage_one_worker_sees_the_household_and_its_checks(
        client, auth, services_as, db_session, people, today):
    household, application = services_as(lambda: household_at_roi(people["officer"]))
    auth.login(people["manager"])
    html = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Hand over to (when Stage 1 or Stage 2 starts)" in html and "Sam Stageone (North team)" in html
    response = start_stage_1_on_the_page(client, household, application, str(people["tess"].id))
    assert response.status_code == 302
    assert "Handed over to Tess Transfer" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert owners(db_session, application) == {people["tess"].id}
    auth.logout()
    auth.login(people["tess"])
    assert client.get(f"/households/{household.id}").status_code == 200
    check = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).first()
    assert client.get(f"/checks/{check.id}").status_code == 200
    queue = client.get("/checks?owner=mine").get_data(as_text=True)
    assert household.display_name in queue or household.reference in queue


def test_the_hand_over_offers_the_workers_of_the_stage_in_the_households_team(client, auth, services_as, db_session,
                                                                             people, today):
    """At national scale "everyone" is thousands of names: the list holds whoever runs the next stage, in the
    household's team; another team's worker is a manager's reallocation (or, with no worker in the team, listed)."""
    household, application = services_as(lambda: household_at_roi(people["officer"]))
    auth.login(people["manager"])

    def offered() -> tuple[set, str]:
        html = client.get(f"/households/{household.id}").get_data(as_text=True)
        select = re.search(rf'<select[^>]*id="event-{application.id}-worker".*?</select>', html, re.DOTALL).group(0)
        names = {name for name in ("Sam Stageone", "Tess Transfer", "Ada Assessor", "Olive Officer")
                 if f">{name} (" in select}
        return names, html

    names, html = offered()
    assert names == {"Sam Stageone"}  # Stage 1 is next: a stage-one worker of the North team
    assert "Listed: North team&#39;s workers" in html or "Listed: North team's workers" in html
    household.team_id = None
    db_session.commit()
    names, html = offered()
    assert names == {"Sam Stageone", "Tess Transfer"} and "Listed:" not in html  # no team: every stage-one worker
    household.team_id = people["team_b"].id
    people["tess"].active = False
    db_session.commit()
    assert offered()[0] == {"Sam Stageone"}  # the South team has no active stage-one worker: all are listed


def test_a_check_reassigned_to_a_worker_of_another_team_opens_for_her(client, auth, services_as, db_session,
                                                                      people, today):
    household, application = services_as(lambda: household_at_roi(people["officer"]))
    services_as(lambda: services.hand_over(application, EventKind.STAGE_1, STAGE_1_ON, people["sam"], None,
                                           actor=people["manager"], today=TODAY))
    check = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).first()
    auth.login(people["tess"])
    assert client.get(f"/checks/{check.id}").status_code == 404
    assert client.get(f"/households/{household.id}").status_code == 404
    check.owner_id = people["tess"].id
    db_session.flush()
    assert client.get(f"/checks/{check.id}").status_code == 200
    assert client.get(f"/households/{household.id}").status_code == 200
    check.received_on, check.outcome = TODAY, "clear"  # done: what she sees follows the allocation again
    db_session.flush()
    assert client.get(f"/checks/{check.id}").status_code == 404


@pytest.mark.parametrize("who, message", [("", "Choose the stage-one worker"), ("officer", "is not a stage-one"),
                                          ("inactive", "account is not active"), ("junk", "Choose the stage-one")])
def test_a_bad_hand_over_is_refused_beside_the_field_and_stores_nothing(client, auth, services_as, db_session,
                                                                        people, today, who, message):
    household, application = services_as(lambda: household_at_roi(people["officer"]))
    inactive = UserFactory(roles=["stage_one_worker"], active=False)
    worker_id = {"": "", "officer": str(people["officer"].id), "inactive": str(inactive.id), "junk": "x1"}[who]
    auth.login(people["manager"])
    response = start_stage_1_on_the_page(client, household, application, worker_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html
    assert message in html, html[html.find("govuk-error-summary"):][:1500]
    assert f'id="event-{application.id}-worker-error"' in html
    db_session.expire_all()
    assert db_session.get(Application, application.id).stage is Stage.REGISTRATION_OF_INTEREST
    assert count(db_session, CheckInstance) == 0


def test_an_officer_takes_an_enquiry_from_the_household_page(client, auth, services_as, db_session, people, today):
    household, _application = services_as(lambda: household_at_roi(people["officer"]))
    household.allocated_worker_id = None
    db_session.flush()
    auth.login(people["officer"])
    page = f"/households/{household.id}"
    assert "Take this enquiry" in client.get(page).get_data(as_text=True)
    response = post(client, page, f"/households/{household.id}/take", {})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "You have taken this enquiry" in html and "Enquiry taken" in html and "Take this enquiry" not in html
    db_session.expire_all()
    assert household.allocated_worker_id == people["officer"].id
    again = post(client, page, f"/households/{household.id}/take", {})
    assert "already allocated to you" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_manager_reallocates_one_household_from_its_page(client, auth, services_as, db_session, people, today):
    household, _application = services_as(lambda: household_at_roi(people["officer"]))
    auth.login(people["manager"])
    page = f"/households/{household.id}"
    bad = post(client, page, f"/households/{household.id}/allocation", {"worker": "", "team": ""})
    assert bad.status_code == 400 and "Choose the worker" in bad.get_data(as_text=True)
    response = post(client, page, f"/households/{household.id}/allocation",
                    {"worker": str(people["sam"].id), "team": str(people["team_b"].id)})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Reallocated by a manager" in html and "From Olive Officer (North team) to Sam Stageone (South team)" in html
    db_session.expire_all()
    assert (household.allocated_worker_id, household.team_id) == (people["sam"].id, people["team_b"].id)


def test_a_worker_leaving_all_her_cases_move_after_a_confirmation_with_counts(client, auth, services_as, db_session,
                                                                             people, today):
    def setup():
        for _ in range(2):
            _household, application = household_at_roi(people["officer"])
            services.hand_over(application, EventKind.STAGE_1, STAGE_1_ON, people["sam"], None,
                               actor=people["manager"], today=TODAY)
    services_as(setup)
    checks = count(db_session, CheckInstance, CheckInstance.owner_id == people["sam"].id)
    auth.login(people["manager"])
    page = "/caseload/reallocate"
    assert f'value="{people["sam"].id}" selected' in client.get(f"{page}?leaving={people['sam'].id}").get_data(
        as_text=True)
    confirm = post(client, page, None, {"leaving": str(people["sam"].id), "to": str(people["tess"].id)})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Check and confirm" in html
    assert f"Reallocate 2 households and {checks} checks" in html
    assert count(db_session, Allocation, Allocation.reason == AllocationReason.WORKER_LEAVING) == 0
    done = post(client, page, None, {"leaving": str(people["sam"].id), "to": str(people["tess"].id),
                                     "households": "2", "checks": str(checks)})
    assert done.status_code == 302
    assert f"Reallocated 2 households and {checks} open checks" in client.get(done.headers["Location"]).get_data(
        as_text=True)
    assert count(db_session, CheckInstance, CheckInstance.owner_id == people["tess"].id) == checks


@pytest.mark.parametrize("choice, message", [("nothing", "has no open applications or open checks"),
                                             ("inactive", "not active"), ("blank", "Choose whose cases")])
def test_moving_a_caseload_refuses_bad_input_on_the_page(client, auth, people, today, choice, message):
    inactive = UserFactory(roles=["stage_one_worker"], active=False)
    data = {"nothing": {"leaving": str(people["asw"].id), "to": str(people["tess"].id)},
            "inactive": {"leaving": str(people["sam"].id), "to": str(inactive.id)},
            "blank": {"leaving": "", "to": str(people["tess"].id)}}[choice]
    auth.login(people["manager"])
    response = post(client, "/caseload/reallocate", None, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_only_managers_reallocate(client, auth, services_as, people, today):
    household, _application = services_as(lambda: household_at_roi(people["officer"]))
    auth.login(people["sam"])
    assert client.get("/caseload/reallocate").status_code == 403
    assert client.post(f"/households/{household.id}/allocation").status_code in (400, 403)


def test_caseloads_count_by_stage_and_rag_in_a_fixed_number_of_statements(client, app, auth, services_as,
                                                                          people, today):
    def hand_over_one():
        _household, application = household_at_roi(people["officer"])
        services.hand_over(application, EventKind.STAGE_1, STAGE_1_ON, people["sam"], None,
                           actor=people["manager"], today=TODAY)
    services_as(hand_over_one)
    auth.login(people["sam"])
    with StatementCounter(app) as few:
        html = client.get("/caseload").get_data(as_text=True)
    assert "My caseload" in html and "Stage 1" in html and 'href="/queue?stage=stage_1"' in html
    for _ in range(3):
        services_as(hand_over_one)
    with StatementCounter(app) as many:
        html = client.get("/caseload").get_data(as_text=True)
    assert ">4<" in html.replace(" ", "")
    assert many.count == few.count
    with StatementCounter(app) as team_few:
        team = client.get("/caseload/team").get_data(as_text=True)
    assert "North team" in team and "Sam Stageone" in team
    services_as(hand_over_one)
    with StatementCounter(app) as team_many:
        client.get("/caseload/team")
    assert team_many.count == team_few.count


def test_the_team_caseload_lets_a_manager_choose_the_team_and_reallocate(client, auth, people, today):
    auth.login(people["manager"])
    html = client.get(f"/caseload/team?team={people['team_b'].id}").get_data(as_text=True)
    assert "South team" in html and "Reallocate all of a worker" in html
    assert client.get("/caseload/team?team=999999").status_code == 404


def test_the_household_page_costs_the_same_statements_whatever_its_allocation_history(client, app, auth, services_as,
                                                                                     people, today):
    household, _application = services_as(lambda: household_at_roi(people["officer"]))
    services_as(lambda: services.reallocate(household, people["sam"], None, actor=people["manager"]))
    auth.login(people["manager"])
    with StatementCounter(app) as few:
        client.get(f"/households/{household.id}")
    for worker in ("tess", "asw", "sam"):
        services_as(lambda worker=worker: services.reallocate(household, people[worker], None,
                                                              actor=people["manager"]))
    with StatementCounter(app) as many:
        html = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert html.count("Reallocated by a manager") == 4
    assert many.count == few.count


def test_search_finds_a_household_for_the_owner_of_one_of_its_open_checks(client, auth, services_as, db_session,
                                                                          people, today):
    household, application = services_as(lambda: household_at_roi(people["officer"]))
    services_as(lambda: services.hand_over(application, EventKind.STAGE_1, STAGE_1_ON, people["sam"], None,
                                           actor=people["manager"], today=TODAY))
    auth.login(people["tess"])
    link = f'href="/households/{household.id}"'
    assert link not in client.get(f"/households?q={household.reference}").get_data(as_text=True)
    check = db_session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id)).first()
    check.owner_id = people["tess"].id
    db_session.flush()
    assert link in client.get(f"/households?q={household.reference}").get_data(as_text=True)


def test_undoing_the_stage_1_start_on_the_page_says_who_has_the_household_again(client, auth, services_as, db_session,
                                                                                people, today):
    household, application = services_as(lambda: household_at_roi(people["officer"]))
    auth.login(people["manager"])
    assert start_stage_1_on_the_page(client, household, application, str(people["tess"].id)).status_code == 302
    response = post(client, f"/households/{household.id}", f"/applications/{application.id}/undo",
                    {"reason": "Started on the wrong household"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Undone: Registration of interest accepted: Stage 1 started" in page
    assert f"The household is back with {people['officer'].full_name}" in page
    db_session.expire_all()
    assert db_session.get(type(household), household.id).allocated_worker_id == people["officer"].id
