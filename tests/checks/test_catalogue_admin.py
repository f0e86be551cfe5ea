"""The check catalogue pages for administrators: the list, editing a check type, refusals that store nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks.models import CheckAppliesTo, CheckType
from tests.checks.conftest import checks_of, family, into_stage_1
from tests.factories import UserFactory
from tests.helpers import post


@pytest.fixture
def admin(db_session):
    return UserFactory(roles=[Role.ADMINISTRATOR])


def check_type(db_session, code: str) -> CheckType:
    db_session.expire_all()
    return db_session.scalar(select(CheckType).where(CheckType.code == code))


def form(**changes) -> dict:
    """The overseas check's form as seeded, with changes."""
    values = {"name": "Overseas checks (each country lived in as an adult)", "applies_to": "each_applicant",
              "default_days": "90", "rule_months": "6", "active": "y"}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def test_the_catalogue_lists_the_seeded_checks(client, auth, admin):
    auth.login(admin)
    html = client.get("/admin/checks").get_data(as_text=True)
    assert html.count('<a class="govuk-link" href="/admin/checks/') == 12
    assert "Each applicant who lived abroad as an adult for more than 6 months" in html
    assert "Each applicant who fostered in the last 12 months" in html
    assert "Fostering (connected persons / kinship)" in html  # the previous fostering reference's lines
    assert "In 3 parts" in html


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR], ids=lambda r: r.value)
def test_only_administrators_edit_the_catalogue(client, auth, db_session, role):
    auth.login(UserFactory(roles=[role]))
    overseas = check_type(db_session, "overseas")
    assert client.get("/admin/checks").status_code == 403
    assert client.get(f"/admin/checks/{overseas.id}").status_code == 403


def test_editing_a_check_type_changes_which_checks_start(client, auth, services_as, db_session, admin, worker):
    overseas = check_type(db_session, "overseas")
    auth.login(admin)
    page = f"/admin/checks/{overseas.id}"
    assert 'value="6"' in client.get(page).get_data(as_text=True)
    response = post(client, page, page, form(rule_months="12", default_days="60",
                                             service_lines=["adoption", "early_permanence"]))
    assert response.status_code == 302
    stored = check_type(db_session, "overseas")
    assert (stored.rule_months, stored.default_days, [line.code for line in stored.service_lines]) == (
        12, 60, ["adoption", "early_permanence"])
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "check_type_changed"))
    assert (audit.detail["before"]["rule_months"], audit.detail["after"]["rule_months"]) == (6, 12)
    application = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))
    assert ("overseas", "Ann") not in checks_of(db_session, application)  # 7 months is no longer more than 12


def test_a_check_type_taken_out_of_use(client, auth, services_as, db_session, admin, worker):
    ofsted = check_type(db_session, "ofsted")
    auth.login(admin)
    page = f"/admin/checks/{ofsted.id}"
    response = post(client, page, page, {"name": ofsted.name, "applies_to": "each_applicant", "default_days": "28"})
    assert response.status_code == 302
    assert check_type(db_session, "ofsted").active is False
    application = services_as(lambda: into_stage_1(family(worker, names=("Ann",)), worker))
    assert ("ofsted", "Ann") not in checks_of(db_session, application)


@pytest.mark.parametrize(("code", "changes", "message"), [
    ("overseas", {"default_days": "abc"}, "Days to complete must be a whole number"),
    ("overseas", {"default_days": "0"}, "Days to complete must be between 1 and 730"),
    ("overseas", {"default_days": None}, "Enter the days to complete"),
    ("overseas", {"rule_months": None}, "Enter the months abroad, from 1 to 240"),
    ("overseas", {"rule_months": "999"}, "Enter the months abroad, from 1 to 240"),
    ("overseas", {"applies_to": "each_child"}, "must apply to every adult or each applicant"),
    ("overseas", {"applies_to": "everyone"}, "Choose who needs it"),
    ("overseas", {"name": "  "}, "Enter the name of the check"),
    ("overseas", {"name": "x" * 201}, "The name must be 200 characters or fewer"),
    ("overseas", {"service_lines": ["adoption", "knitting"]}, "Choose service lines from the list"),
])
def test_bad_changes_are_refused_and_store_nothing(client, auth, db_session, admin, code, changes, message):
    auth.login(admin)
    page = f"/admin/checks/{check_type(db_session, code).id}"
    response = post(client, page, page, form(**changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    stored = check_type(db_session, code)
    assert (stored.default_days, stored.rule_months, stored.applies_to, stored.service_lines) == (
        90, 6, CheckAppliesTo.EACH_APPLICANT, [])
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "check_type_changed")) is None


def test_a_check_type_that_does_not_exist(client, auth, admin):
    auth.login(admin)
    assert client.get("/admin/checks/99999").status_code == 404
