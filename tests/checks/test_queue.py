"""The stage-one worker's check queue: order, badges, filters, visibility, pages, and bulk 'chased today'."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import services
from crm.checks.models import CheckChase, CheckInstance
from crm.funnel import services as funnel
from tests.checks.conftest import TODAY, check_of, family, into_stage_1
from tests.factories import TeamFactory, UserFactory
from tests.helpers import count, post

UNREQUESTED_ANN = ["overseas", "personal_references", "employer_reference", "probation_nspcc", "ofsted",
                   "financial_home_pet"]  # in catalogue order


def rows(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="check-row-(\d+)"', html)]


def row_html(html: str, check_id: int) -> str:
    start = html.index(f'id="check-row-{check_id}"')
    return html[start:html.index("</tr>", start)]


@pytest.fixture
def annes(services_as, db_session, worker):
    """Ann's application in Stage 1: DBS overdue, health due in 4 days, LA checks due in 20, the rest unrequested."""
    def build():
        application = into_stage_1(family(worker, names=("Ann",)), worker)
        today = clock.today()
        for code, days_ago in (("dbs", 40), ("health", 38), ("la_checks", 1)):
            services.request_check(check_of(db_session, application, code, "Ann"), today - timedelta(days=days_ago),
                                   worker, actor=worker, today=today)
        return application
    application = services_as(build)
    return {code: check_of(db_session, application, code, None if code in ("personal_references", "financial_home_pet")
                           else "Ann").id
            for code in ["dbs", "health", "la_checks", *UNREQUESTED_ANN]}


def test_overdue_first_then_due_soon_then_later_then_not_requested(client, auth, worker, annes, db_session):
    auth.login(worker)
    response = client.get("/checks")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert rows(html) == [annes[code] for code in ["dbs", "health", "la_checks", *UNREQUESTED_ANN]]
    assert "Overdue" in row_html(html, annes["dbs"]) and "Due soon" not in row_html(html, annes["dbs"])
    assert "Due soon" in row_html(html, annes["health"])
    assert "Overdue" not in row_html(html, annes["la_checks"]) and "Due soon" not in row_html(html, annes["la_checks"])
    assert "Not requested" in row_html(html, annes["ofsted"])
    assert ">Outcome<" not in html
    assert "9 open checks." in html
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "viewed_check_queue"))
    assert (audit.actor_id, audit.detail["results"]) == (worker.id, 9)


def test_filters_by_owner_check_and_overdue(client, auth, services_as, db_session, worker, team, annes):
    colleague = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=team.id)
    services_as(lambda: services.request_check(db_session.get(CheckInstance, annes["la_checks"]), clock.today(),
                                               colleague, actor=worker))
    auth.login(worker)
    mine = rows(client.get("/checks?owner=mine").get_data(as_text=True))
    assert annes["la_checks"] not in mine and len(mine) == 8
    assert len(rows(client.get("/checks?owner=team").get_data(as_text=True))) == 9
    assert rows(client.get("/checks?check_type=dbs").get_data(as_text=True)) == [annes["dbs"]]
    assert rows(client.get("/checks?overdue=yes").get_data(as_text=True)) == [annes["dbs"]]
    assert rows(client.get("/checks?overdue=yes&check_type=health").get_data(as_text=True)) == []
    # Unknown filter values are ignored, not errors.
    assert len(rows(client.get("/checks?owner=boss&check_type=nope&overdue=1&page=x").get_data(as_text=True))) == 9


def test_team_filter_includes_unowned_checks_of_the_teams_households(client, auth, services_as, db_session, worker,
                                                                     annes):
    services_as(lambda: setattr(db_session.get(CheckInstance, annes["ofsted"]), "owner_id", None))
    auth.login(worker)
    assert annes["ofsted"] not in rows(client.get("/checks?owner=mine").get_data(as_text=True))
    assert annes["ofsted"] in rows(client.get("/checks?owner=team").get_data(as_text=True))


def test_only_open_checks_of_open_applications_the_viewer_may_see(client, auth, services_as, db_session, worker,
                                                                    annes):
    stranger = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id)

    def build():
        services.receive_check(db_session.get(CheckInstance, annes["dbs"]), clock.today(), "clear", actor=worker)
        into_stage_1(family(stranger, names=("Ann",)), stranger)
        withdrawn = into_stage_1(family(worker, names=("Ann",)), worker)
        funnel.withdraw(withdrawn, date(2026, 4, 1), "applicant", "Moved", actor=worker, today=TODAY)
        undone = into_stage_1(family(worker, names=("Ann",)), worker)
        funnel.undo(undone, "Stage 1 recorded on the wrong household", actor=UserFactory(roles=[Role.MANAGER]))
    services_as(build)
    auth.login(worker)
    shown = rows(client.get("/checks").get_data(as_text=True))
    assert sorted(shown) == sorted(check_id for code, check_id in annes.items() if code != "dbs")
    auth.logout()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert len(rows(client.get("/checks").get_data(as_text=True))) == 8 + 9  # Ann's open ones and the stranger's


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR])
def test_the_queue_is_for_those_who_work_on_checks(client, auth, role):
    auth.login(UserFactory(roles=[role]))
    assert client.get("/checks").status_code == 403


def test_pages_of_25(client, auth, services_as, worker):
    services_as(lambda: [into_stage_1(family(worker, names=("Ann",)), worker) for _ in range(3)])
    auth.login(worker)
    first = client.get("/checks").get_data(as_text=True)
    assert len(rows(first)) == 25 and "Showing 1 to 25 of 27 open checks." in first
    second = client.get("/checks?page=2").get_data(as_text=True)
    assert len(rows(second)) == 2 and "Showing 26 to 27 of 27 open checks." in second
    assert rows(client.get("/checks?page=99").get_data(as_text=True)) == rows(second)
    assert set(rows(first)).isdisjoint(rows(second))


def test_mark_chased_today(client, auth, db_session, worker, annes):
    auth.login(worker)
    response = post(client, "/checks", "/checks/chased?overdue=yes", {"checks": [annes["dbs"], annes["health"]]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/checks?overdue=yes")
    db_session.expire_all()
    chased = [db_session.get(CheckInstance, annes[code]) for code in ("dbs", "health", "la_checks")]
    assert [check.last_chased_on for check in chased] == [clock.today(), clock.today(), None]
    assert count(db_session, CheckChase) == 2
    assert count(db_session, AuditEvent, AuditEvent.action == "check_chased") == 2
    assert "2 checks marked as chased today." in client.get("/checks").get_data(as_text=True)


@pytest.mark.parametrize(("picked", "message"), [
    ([], "Select the checks you chased"),
    (["abc"], "Select checks from the list"),
    (["dbs", "ofsted"], "has not been requested yet"),
    (["dbs", "stranger"], "Select checks from the list"),
    (["dbs", 999_999], "Select checks from the list"),
])
def test_bad_bulk_chases_store_nothing(client, auth, services_as, db_session, worker, annes, picked, message):
    stranger = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id)
    theirs = services_as(lambda: into_stage_1(family(stranger, names=("Ann",)), stranger))
    ids = {**annes, "stranger": check_of(db_session, theirs, "dbs", "Ann").id}
    auth.login(worker)
    response = post(client, "/checks", "/checks/chased", {"checks": [ids.get(p, p) for p in picked]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "There is a problem" in html
    assert count(db_session, CheckChase) == 0


def test_select_all_is_offered_to_scripts_and_every_row_stays_tickable_without(client, auth, worker, annes):
    auth.login(worker)
    html = client.get("/checks").get_data(as_text=True)
    table = html[html.index('<table'):html.index('</table>')]
    assert 'data-module="moj-multi-select"' in table and 'data-id-prefix="queue-"' in table
    assert 'id="queue-select-all"' in table  # where MOJ Frontend's script puts the 'Select all' checkbox
    assert len(re.findall(r'name="checks" type="checkbox"', table)) == 3  # the requested ones, ticked one by one
    assert "<script>" not in html


def test_a_bulk_chase_shows_every_check_that_cannot_be_chased(client, auth, db_session, worker, annes):
    auth.login(worker)
    response = post(client, "/checks", "/checks/chased", {"checks": [annes["dbs"], annes["ofsted"], annes["overseas"]]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: " in html
    assert html.count("has not been requested yet") == 4  # both, beside the table and in the summary
    assert "Ofsted information request for Ann Example" in html and "for Ann Example has not" in html
    assert count(db_session, CheckChase) == 0
