"""Adding a check type and retiring one (page and command line, audited): a retired type is not started for new
applications or people and not offered, but the checks of it already made stay and are shown."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks import catalogue
from crm.checks.models import CheckType
from crm.errors import DomainError
from tests.checks.conftest import checks_of, family, into_stage_1
from tests.factories import UserFactory
from tests.helpers import post

NEW = "/admin/checks/new"


@pytest.fixture
def admin(db_session):
    return UserFactory(roles=[Role.ADMINISTRATOR])


def check_type(db_session, code: str) -> CheckType | None:
    db_session.expire_all()
    return db_session.scalar(select(CheckType).where(CheckType.code == code))


def actions(db_session, *names: str) -> list[str]:
    return list(db_session.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(names))
                                   .order_by(AuditEvent.id)))


def test_an_added_check_is_started_for_new_applications(client, auth, services_as, db_session, admin, worker):
    auth.login(admin)
    response = post(client, NEW, None, {"name": "Pet assessment", "applies_to": "each_application",
                                        "default_days": "21", "service_lines": ["fostering_mainstream"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    added = check_type(db_session, "pet_assessment")
    assert (added.name, added.default_days, added.active, [line.code for line in added.service_lines]) == (
        "Pet assessment", 21, True, ["fostering_mainstream"])
    assert "Added: Pet assessment" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert actions(db_session, "check_type_added") == ["check_type_added"]
    fostering = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker, line="fostering_mainstream"))
    adoption = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))
    assert ("pet_assessment", None) in checks_of(db_session, fostering)
    assert ("pet_assessment", None) not in checks_of(db_session, adoption)


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "Enter the name of the check"),
    ({"name": "enhanced DBS check"}, "There is already a check with this name"),
    ({"name": "x" * 201}, "The name must be 200 characters or fewer"),
    ({"default_days": "0"}, "Days to complete must be between 1 and 730"),
    ({"applies_to": None}, "Choose who needs it"),
    ({"service_lines": ["knitting"]}, "Choose service lines from the list"),
])
def test_bad_new_checks_are_refused_and_store_nothing(client, auth, db_session, admin, changes, message):
    auth.login(admin)
    before = len(db_session.scalars(select(CheckType)).all())
    values = {"name": "Pet assessment", "applies_to": "each_application", "default_days": "21", **changes}
    response = post(client, NEW, None, {key: value for key, value in values.items() if value is not None})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "<title>Error: " in html
    assert len(db_session.scalars(select(CheckType)).all()) == before
    assert actions(db_session, "check_type_added") == []


def test_a_retired_check_is_not_started_or_offered_but_existing_checks_stay(client, auth, services_as, db_session,
                                                                         admin, worker):
    before = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))
    assert ("ofsted", "Ann") in checks_of(db_session, before)
    ofsted = check_type(db_session, "ofsted")
    auth.login(admin)
    assert post(client, "/admin/checks", f"/admin/checks/{ofsted.id}/retire", {}).status_code == 302
    assert check_type(db_session, "ofsted").active is False
    assert "Retired: " in client.get("/admin/checks").get_data(as_text=True)
    after = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))
    assert ("ofsted", "Ann") not in checks_of(db_session, after)
    assert ("ofsted", "Ann") in checks_of(db_session, before)  # kept
    auth.logout()
    auth.login(worker)
    start_page = client.get(f"/applications/{after.id}/checks/start").get_data(as_text=True)
    assert ofsted.name not in start_page
    assert ofsted.name in client.get(f"/households/{before.household_id}/checks").get_data(as_text=True)
    auth.logout()
    auth.login(admin)
    assert post(client, "/admin/checks", f"/admin/checks/{ofsted.id}/reactivate", {}).status_code == 302
    assert check_type(db_session, "ofsted").active is True
    auth.logout()
    auth.login(worker)  # back in use: offered to the application that was started without it
    assert ofsted.name in client.get(f"/applications/{after.id}/checks/start").get_data(as_text=True)
    assert actions(db_session, "check_type_retired", "check_type_reactivated") == ["check_type_retired",
                                                                                   "check_type_reactivated"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR], ids=lambda r: r.value)
def test_only_administrators_add_or_retire(client, auth, db_session, role):
    auth.login(UserFactory(roles=[role]))
    assert client.get(NEW).status_code == 403
    ofsted = check_type(db_session, "ofsted")
    assert client.post(f"/admin/checks/{ofsted.id}/retire").status_code in (400, 403)
    assert check_type(db_session, "ofsted").active


def test_codes_are_made_unique(app_context, admin):
    change = catalogue.CheckTypeChange(name="Pet assessment", applies_to=catalogue.CheckAppliesTo.EACH_APPLICATION,
                                       default_days=10, rule_months=None, service_line_codes=(), active=True)
    first = catalogue.add_check_type(change, actor=admin)
    first.name = "Pet assessment (old)"
    second = catalogue.add_check_type(change, actor=admin)
    assert (first.code, second.code) == ("pet_assessment", "pet_assessment_2")
    with pytest.raises(DomainError, match="already a check with this name"):
        catalogue.add_check_type(change, actor=admin)


def test_the_command_line_adds_lists_retires_and_reactivates(runner, db_session):
    result = runner.invoke(args=["check-types", "add", "Pet assessment", "--applies-to", "each_application",
                                 "--days", "21", "--service-line", "adoption"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Added Pet assessment (pet_assessment).\n"
    assert runner.invoke(args=["check-types", "retire", "OFSTED"]).exit_code == 0
    listed = runner.invoke(args=["check-types", "list"]).stdout
    assert "pet_assessment: Pet assessment - Once for the application, 21 days" in listed
    assert "ofsted: " in listed and "(retired)" in listed
    assert runner.invoke(args=["check-types", "reactivate", "ofsted"]).exit_code == 0
    assert check_type(db_session, "ofsted").active
    labels = db_session.scalars(select(AuditEvent.actor_label).where(AuditEvent.object_type == "check_type"))
    assert list(labels) == ["command line"] * 3


@pytest.mark.parametrize("args, message", [
    (["add", " ", "--applies-to", "each_application", "--days", "5"], "Enter the name of the check"),
    (["add", "Pet", "--applies-to", "each_application", "--days", "0"], "between 1 and 730"),
    (["retire", "no such check"], "No check type has the name or code 'no such check'"),
])
def test_the_command_line_refuses_bad_input(runner, db_session, args, message):
    before = len(db_session.scalars(select(CheckType)).all())
    result = runner.invoke(args=["check-types", *args])
    assert result.exit_code == 1 and message in result.stderr
    assert len(db_session.scalars(select(CheckType)).all()) == before
