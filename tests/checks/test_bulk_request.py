"""Requesting several of a household's unrequested checks at once, and the owner list of one check's request."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import services
from crm.checks.models import CheckInstance
from crm.errors import DomainError
from tests.checks.conftest import TODAY, check_of, family, form_date, into_stage_1
from tests.factories import TeamFactory, UserFactory
from tests.helpers import count, post

CODES = ("dbs", "health", "la_checks", "ofsted")


@pytest.fixture
def application(services_as, worker):
    return services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))


@pytest.fixture
def four(db_session, application) -> list[CheckInstance]:
    return [check_of(db_session, application, code, "Ann") for code in CODES]


def stored(db_session, checks) -> list[CheckInstance]:
    db_session.expire_all()
    return [db_session.get(CheckInstance, check.id) for check in checks]


def page_of(application) -> str:
    return f"/households/{application.household_id}/checks"


def request_url(application) -> str:
    return f"/households/{application.household_id}/checks/request"


# The service

def test_requests_several_on_one_date_for_one_owner(app_context, db_session, worker, team, four):
    colleague = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=team.id)
    assert services.request_checks(four, date(2026, 11, 2), colleague, actor=worker, today=TODAY) == 4
    assert {check.requested_on for check in four} == {date(2026, 11, 2)}
    assert {check.owner_id for check in four} == {colleague.id}
    assert [check.due_on for check in four] == [date(2026, 11, 2) + timedelta(days=check.check_type.default_days)
                                                for check in four]
    audits = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "check_requested")).all()
    assert sorted(int(audit.object_id) for audit in audits) == sorted(check.id for check in four)
    assert all(audit.detail["requested_together"] == [check.id for check in four] for audit in audits)


def test_all_or_nothing_with_every_problem(app_context, db_session, worker, four):
    services.request_check(four[0], date(2026, 10, 1), worker, actor=worker, today=TODAY)
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    with pytest.raises(DomainError) as refused:
        services.request_checks(four, date(2026, 11, 24), officer, actor=worker, today=TODAY)
    assert refused.value.problems == [
        ("requested_on", "The date requested must be today or in the past"),
        ("owner", "Choose an owner who works on checks"),
        ("checks", "Enhanced DBS check for Ann Example was requested on 1 October 2026: change its request on its "
                   "own page"),
    ]
    assert [check.requested_on for check in four[1:]] == [None, None, None]
    with pytest.raises(DomainError, match="Select the checks you requested"):
        services.request_checks([], TODAY, worker, actor=worker, today=TODAY)


def test_received_or_withdrawn_checks_cannot_be_requested(app_context, db_session, worker, four):
    services.receive_check(four[1], TODAY, "not_required", actor=worker, today=TODAY)
    four[2].withdrawn_at = clock.now()
    with pytest.raises(DomainError) as refused:
        services.request_checks(four[1:3], TODAY, worker, actor=worker, today=TODAY)
    assert [message for _, message in refused.value.problems] == [
        f"{four[1].check_type.name} for Ann Example has been received, so there is nothing to request",
        f"{four[2].check_type.name} for Ann Example was withdrawn when its stage was undone, so it cannot be "
        "requested"]


# The household page

def ticked(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="request-check-(\d+)"', html)]


def test_the_page_offers_the_unrequested_checks_with_today_and_the_owner(client, auth, services_as, db_session, worker,
                                                                         application, four):
    services_as(lambda: services.request_check(four[0], TODAY, worker, actor=worker, today=TODAY))
    auth.login(worker)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert four[0].id not in ticked(html) and set(ticked(html)) >= {check.id for check in four[1:]}
    today = clock.today()
    assert [int(value) for value in re.findall(r'id="requested_on-\w+" name="requested_on" type="text" value="(\d+)"',
                                               html)] == [today.day, today.month, today.year]
    assert re.search(rf'<option value="{worker.id}" selected>Wendy Worker</option>', html)
    assert "Request selected checks" in html


def test_requesting_four_from_the_page(client, auth, db_session, worker, application, four):
    auth.login(worker)
    requested_on = clock.today() - timedelta(days=3)
    response = post(client, page_of(application), request_url(application),
                    {"checks": [check.id for check in four], **form_date("requested_on", requested_on),
                     "owner": worker.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(page_of(application))
    assert {check.requested_on for check in stored(db_session, four)} == {requested_on}
    assert count(db_session, AuditEvent, AuditEvent.action == "check_requested") == 4
    assert "4 checks requested" in client.get(page_of(application)).get_data(as_text=True)


@pytest.mark.parametrize(("data", "messages"), [
    ({"requested_on": ["", "", ""], "owner": ""},
     ["Select the checks you requested", "Enter the date the checks were requested", "Choose who owns the checks"]),
    ({"checks": ["abc"], "requested_on": ["31", "2", "2026"], "owner": "me"},
     ["Select checks from the list", "Date requested must be a real date"]),
    ({"checks": ["stranger"], "requested_on": "today", "owner": "me"}, ["Select checks from the list"]),
    ({"checks": ["ofsted", 999_999], "requested_on": "today", "owner": "me"}, ["Select checks from the list"]),
    ({"checks": ["ofsted", "dbs"], "requested_on": "tomorrow", "owner": "officer"},
     ["The date requested must be today or in the past", "Choose an owner who works on checks",
      "Enhanced DBS check for Ann Example was requested on"]),
])
def test_bad_requests_store_nothing_and_show_every_error(client, auth, services_as, db_session, worker, application,
                                                        four, data, messages):
    stranger = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id)
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    theirs = services_as(lambda: into_stage_1(family(stranger, names=("Ann",)), stranger))
    services_as(lambda: services.request_check(four[0], TODAY - timedelta(days=1), worker, actor=worker))
    ids = {code: check.id for code, check in zip(CODES, four)} | {
        "stranger": check_of(db_session, theirs, "dbs", "Ann").id}
    days = {"today": clock.today(), "tomorrow": clock.today() + timedelta(days=1)}
    owners = {"me": worker.id, "officer": officer.id}
    form = {"checks": [ids.get(value, value) for value in data.get("checks", [])],
            **(form_date("requested_on", days[data["requested_on"]]) if isinstance(data["requested_on"], str)
               else {"requested_on": data["requested_on"]}),
            "owner": owners.get(data["owner"], data["owner"])}
    auth.login(worker)
    response = post(client, page_of(application), request_url(application), form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: " in html and "There is a problem" in html
    for message in messages:
        assert message in html
    assert [check.requested_on for check in stored(db_session, four)[1:]] == [None, None, None]
    assert count(db_session, AuditEvent, AuditEvent.action == "check_requested") == 1


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR])
def test_only_those_who_work_on_checks_may_request_them(client, auth, db_session, worker, application, four, role):
    auth.login(UserFactory(roles=[role], team_id=worker.team_id))
    response = client.get(page_of(application))
    assert "request-check-" not in response.get_data(as_text=True)
    response = post(client, "/", request_url(application), {"checks": [four[1].id], **form_date(
        "requested_on", clock.today()), "owner": worker.id})
    assert response.status_code == 403
    assert stored(db_session, four)[1].requested_on is None


def test_a_household_the_worker_cannot_see_is_not_found(client, auth, db_session, application, four):
    stranger = UserFactory(roles=[Role.STAGE_ONE_WORKER], team_id=TeamFactory().id)
    auth.login(stranger)
    assert client.get(page_of(application)).status_code == 404


# One check's request: its owner stays unless changed

def test_the_owner_list_keeps_the_current_owner(client, auth, services_as, db_session, worker, application, four):
    former = UserFactory(roles=[Role.RECRUITMENT_OFFICER], full_name="Olive Officer")
    services_as(lambda: setattr(four[1], "owner_id", former.id))
    auth.login(worker)
    page = f"/checks/{four[1].id}"
    html = client.get(page).get_data(as_text=True)
    assert re.search(rf'<option value="{former.id}" selected>Olive Officer</option>', html)
    response = post(client, page, f"{page}/request", {**form_date("requested_on", clock.today()),
                                                      "owner": former.id})
    assert response.status_code == 302
    check = stored(db_session, [four[1]])[0]
    assert (check.owner_id, check.requested_on) == (former.id, clock.today())
    # Changing the owner to someone who does not work on checks is still refused.
    other = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    response = post(client, page, f"{page}/request", {**form_date("requested_on", clock.today()), "owner": other.id})
    assert response.status_code == 400 and "Choose an owner who works on checks" in response.get_data(as_text=True)


def test_a_request_shows_every_problem_at_once(client, auth, services_as, db_session, worker, four):
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    auth.login(worker)
    page = f"/checks/{four[1].id}"
    response = post(client, page, f"{page}/request", {**form_date("requested_on", clock.today() + timedelta(days=2)),
                                                      "owner": officer.id})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: " in html
    assert "The date requested must be today or in the past" in html and "Choose an owner who works on checks" in html
