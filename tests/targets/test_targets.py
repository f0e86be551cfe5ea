"""Setting, changing and removing yearly targets: the rules (1 April, above zero, one per year, measure and service
line), clear messages beside the fields, nothing stored from bad input, every change audited, managers only."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.targets import services
from crm.targets.models import ReportTarget, TargetMeasure
from tests.factories import UserFactory
from tests.helpers import post

YEAR = date(2026, 4, 1)


@pytest.fixture(autouse=True)
def this_year(travel):
    travel(date(2026, 11, 23))


@pytest.fixture
def manager(db_session):
    return UserFactory(roles=[Role.MANAGER])


def stored(db_session) -> list[tuple]:
    rows = db_session.execute(select(ReportTarget.year_start, ReportTarget.measure, ReportTarget.service_line_code,
                                     ReportTarget.target).order_by(ReportTarget.id)).all()
    return [tuple(row) for row in rows]


def audited(db_session, action: str) -> list[dict]:
    return [event.detail for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == action))]


# The service.

def test_a_target_is_stored_with_who_set_it_and_audited(app_context, db_session, manager):
    row = services.set_target(YEAR, "approvals", None, 80, actor=manager)
    assert (row.year_start, row.measure, row.service_line_code, row.target, row.set_by_id) == (
        YEAR, TargetMeasure.APPROVALS, None, 80, manager.id)
    assert row.set_at is not None
    assert audited(db_session, "set_report_target") == [
        {"year": "2026-27", "measure": "approvals", "service_line": None, "target": 80}]


@pytest.mark.parametrize("year_start, measure, line, value, field, message", [
    (YEAR, "approvals", None, 0, "target", "The target must be a whole number from 1 to 1,000,000"),
    (YEAR, "approvals", None, -5, "target", "The target must be a whole number from 1 to 1,000,000"),
    (YEAR, "approvals", None, 10_000_000, "target", "from 1 to 1,000,000"),
    (date(2026, 1, 1), "approvals", None, 80, "year", "A financial year starts on 1 April"),
    (YEAR, "matches", None, 80, "measure", "Choose a measure from the list"),
    (YEAR, "approvals", "knitting", 80, "service_line", "Choose a service line from the list"),
])
def test_bad_targets_are_refused_and_nothing_is_stored(app_context, db_session, manager, year_start, measure, line,
                                                       value, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        services.set_target(year_start, measure, line, value, actor=manager)
    assert refused.value.field == field
    assert stored(db_session) == []


def test_one_target_per_year_measure_and_service_line(app_context, db_session, manager):
    services.set_target(YEAR, "approvals", None, 80, actor=manager)
    services.set_target(YEAR, "approvals", "adoption", 30, actor=manager)
    services.set_target(date(2027, 4, 1), "approvals", None, 90, actor=manager)
    services.set_target(YEAR, "stage_1_starts", None, 100, actor=manager)
    for line in (None, "adoption"):
        with pytest.raises(DomainError, match="already set: change it in the table"):
            services.set_target(YEAR, "approvals", line, 85, actor=manager)
    assert len(stored(db_session)) == 4
    assert [(t.measure.value, t.service_line_code) for t in services.targets_for_year(YEAR)] == [
        ("stage_1_starts", None), ("approvals", None), ("approvals", "adoption")]


def test_the_database_keeps_the_whole_service_s_target_single_too(app_context, db_session, manager):
    services.set_target(YEAR, "approvals", None, 80, actor=manager)
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.add(ReportTarget(year_start=YEAR, measure=TargetMeasure.APPROVALS, target=5))
            db_session.flush()


def test_changing_and_removing_are_audited(app_context, db_session, manager):
    row = services.set_target(YEAR, "approvals", None, 80, actor=manager)
    with pytest.raises(DomainError):
        services.change_target(row, -1, actor=manager)
    assert row.target == 80
    services.change_target(row, 85, actor=manager)
    assert stored(db_session) == [(YEAR, TargetMeasure.APPROVALS, None, 85)]
    services.remove_target(row, actor=manager)
    assert stored(db_session) == []
    assert audited(db_session, "changed_report_target")[0]["from"] == 80
    assert audited(db_session, "removed_report_target")[0]["target"] == 85


# The pages.


def new(year="2026", measure="approvals", line="", target="80") -> dict:
    return {"new-year": year, "new-measure": measure, "new-service_line": line, "new-target": target}


def test_a_manager_sets_a_target_and_sees_it(client, auth, db_session, manager):
    auth.login(manager)
    page = client.get("/targets/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Targets for 2026-27" in html and "No targets set for 2026-27 yet" in html
    assert "/reports/targets?date_from=2026-04-01&amp;date_to=2027-03-31" in html
    response = post(client, "/targets/", None, new(line="adoption", target="30"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/targets/?year=2026")
    html = client.get("/targets/?year=2026").get_data(as_text=True)
    assert "Target set: Approvals, adoption, 2026-27: 30." in html
    assert stored(db_session) == [(YEAR, TargetMeasure.APPROVALS, "adoption", 30)]


@pytest.mark.parametrize("data, message", [
    (new(target="-3"), "The target must be a whole number from 1 to 1,000,000"),
    (new(target="0"), "The target must be a whole number from 1 to 1,000,000"),
    (new(target="eighty"), "Target must be a whole number, like 80"),
    (new(target=""), "Enter the target, like 80"),  # a blank box asks for the number; it is not a wrong one
    (new(year="abc"), "Financial year must be a whole number, like 2026"),
    (new(year="1800"), "Enter a year from 1900 to 2100, like 2026"),
    (new(year="99999999999"), "Enter a year from 1900 to 2100, like 2026"),
    (new(measure="matches"), "Choose a measure from the list"),
    (new(measure=""), "Choose a measure"),
    (new(line="knitting"), "Choose a service line from the list"),
])
def test_bad_input_is_answered_beside_the_field_and_nothing_is_stored(client, auth, db_session, manager, data,
                                                                      message):
    auth.login(manager)
    response = post(client, "/targets/", None, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "govuk-error-message" in html and "govuk-error-summary" in html
    assert stored(db_session) == []


def test_a_duplicate_is_refused_on_the_page(client, auth, db_session, manager):
    auth.login(manager)
    post(client, "/targets/", None, new())
    response = post(client, "/targets/", None, new(target="90"))
    assert response.status_code == 400
    assert "The approvals target for all service lines in 2026-27 is already set" in response.get_data(as_text=True)
    assert stored(db_session) == [(YEAR, TargetMeasure.APPROVALS, None, 80)]


def test_a_bad_year_in_the_address_is_answered_not_a_500(client, auth, manager):
    auth.login(manager)
    for year in ("abc", "1066", "-1", "2026.5"):
        response = client.get(f"/targets/?year={year}")
        assert response.status_code == 400
        assert "govuk-error-message" in response.get_data(as_text=True)
        assert "<title>Error: " in response.get_data(as_text=True)  # the year chooser's error
    assert "Targets for 2027-28" in client.get("/targets/?year=2027").get_data(as_text=True)


def test_a_manager_changes_and_removes_a_target(client, auth, db_session, manager, services_as):
    row = services_as(lambda: services.set_target(YEAR, "approvals", None, 80, actor=manager))
    auth.login(manager)
    refused = post(client, f"/targets/{row.id}", None, {"target": "-1"})
    assert refused.status_code == 400 and "from 1 to 1,000,000" in refused.get_data(as_text=True)
    assert stored(db_session)[0][-1] == 80
    assert post(client, f"/targets/{row.id}", None, {"target": "84"}).status_code == 302
    assert stored(db_session)[0][-1] == 84
    assert post(client, f"/targets/{row.id}/remove", None, {}).status_code == 302
    assert stored(db_session) == []
    assert client.get(f"/targets/{row.id}").status_code == 404


def test_only_managers_manage_targets(client, auth):
    for role in (Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR):
        auth.login(UserFactory(roles=[role]))
        assert client.get("/targets/").status_code == 403
        auth.logout()
