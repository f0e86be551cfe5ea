"""The retention pages: administrators set the periods (validated, audited); managers see tonight's preview, set and
clear a legal hold, and erase where the rules allow; nobody else may; the CLI does the same."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.dataprotection.models import Erasure, RetentionRule
from crm.escalations.models import JobRun
from crm.funnel.stages import Stage, Status
from crm.households.models import Household
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, UserFactory
from tests.helpers import count, post
from tests.queues.helpers import StatementCounter

ENQUIRED = date(2021, 5, 10)
TODAY = date(2025, 6, 2)


def household(stage=Stage.ENQUIRY, status=Status.ACTIVE, reference=None):
    made = HouseholdFactory(first_enquiry_on=ENQUIRED, **({"reference": reference} if reference else {}))
    PersonFactory(household=made, first_name="Zebedee", last_name="Quartermaine")
    ApplicationFactory(household=made, stage=stage, status=status, stage_entered_on=ENQUIRED)
    return made


@pytest.fixture
def manager(db_session, auth, travel):
    travel(TODAY)
    user = UserFactory(roles=[Role.MANAGER])
    auth.login(user)
    return user


def test_the_administrator_sets_the_periods(client, db_session, auth):
    auth.login(UserFactory(roles=[Role.ADMINISTRATOR]))
    page = client.get("/admin/retention")
    assert page.status_code == 200 and "Approved households" in page.get_data(as_text=True)
    response = post(client, "/admin/retention", None, {"enquiry_no_roi": "4", "withdrawn_or_not_approved": "3"})
    assert response.status_code == 302
    assert db_session.get(RetentionRule, "enquiry_no_roi").period_years == 4
    assert count(db_session, AuditEvent, AuditEvent.action == "retention_rule_changed") == 1
    assert "/admin/retention" in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("years, message", [("0", "from 1 to 100"), ("abc", "whole number of years"),
                                            ("101", "from 1 to 100")])
def test_bad_periods_are_refused_in_words_and_nothing_stored(client, db_session, auth, years, message):
    auth.login(UserFactory(roles=[Role.ADMINISTRATOR]))
    response = post(client, "/admin/retention", None, {"enquiry_no_roi": "5", "withdrawn_or_not_approved": years})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db_session.get(RetentionRule, "enquiry_no_roi").period_years == 2


def test_the_preview_lists_what_would_go_tonight(client, db_session, manager):
    due = household(reference="R000001")
    household(Stage.APPROVED, Status.APPROVED, reference="R000002")
    html = client.get("/data-protection/retention-preview").get_data(as_text=True)
    assert "R000001" in html and "R000002" not in html and "10 May 2023" in html
    assert "1 household." in html
    assert due.anonymised_at is None  # a preview changes nothing


def test_a_manager_sets_and_clears_a_legal_hold(client, db_session, manager):
    made = household()
    assert made.reference in client.get("/data-protection/retention-preview").get_data(as_text=True)
    url = f"/households/{made.id}/legal-hold"
    assert post(client, url, None, {"reason": " "}).status_code == 400
    assert post(client, url, None, {"reason": "Court proceedings"}).status_code == 302
    db_session.refresh(made)
    assert made.legal_hold and made.legal_hold_reason == "Court proceedings"
    client.get(f"/households/{made.id}")  # shows the flash message
    assert "No households." in client.get("/data-protection/retention-preview").get_data(as_text=True)
    assert "legal hold" in client.get(f"/households/{made.id}").get_data(as_text=True).lower()
    assert post(client, url, f"{url}/clear", {}).status_code == 302
    db_session.refresh(made)
    assert not made.legal_hold
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(made.id))).all()
    assert {"legal_hold_set", "legal_hold_cleared"} <= set(actions)


def test_erasure_needs_a_reason_and_is_refused_where_the_rules_do_not_allow_it(client, db_session, manager):
    approved = household(Stage.APPROVED, Status.APPROVED)
    page = client.get(f"/households/{approved.id}/erase").get_data(as_text=True)
    assert "approved households&#39; records are kept" in page
    response = post(client, f"/households/{approved.id}/erase", None, {"reason": "Letter of 1 May"})
    assert response.status_code == 400 and "reached approval" in response.get_data(as_text=True)
    withdrawn = household(Stage.STAGE_1, Status.WITHDRAWN)
    assert post(client, f"/households/{withdrawn.id}/erase", None, {"reason": ""}).status_code == 400
    assert count(db_session, Erasure) == 0
    assert post(client, f"/households/{withdrawn.id}/erase", None, {"reason": "Letter of 1 May"}).status_code == 302
    db_session.refresh(withdrawn)
    assert withdrawn.people[0].first_name == "Anonymised" and withdrawn.anonymised_rule == "erasure"
    assert db_session.scalar(select(Erasure.reason)) == "Letter of 1 May"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MANAGER])
def test_only_managers_see_the_preview_hold_and_erasure(client, db_session, auth, role):
    made = household()
    auth.login(UserFactory(roles=[role]))
    for url in ("/data-protection/retention-preview", f"/households/{made.id}/legal-hold",
                f"/households/{made.id}/erase"):
        assert client.get(url).status_code == 403
    assert client.get("/admin/retention").status_code == (200 if role is Role.ADMINISTRATOR else 403)


def test_the_commands_preview_run_and_erase(app, runner, db_session, travel):
    travel(TODAY)
    due = household(reference="C000001")
    approved = household(Stage.APPROVED, Status.APPROVED, reference="C000002")
    result = runner.invoke(args=["retention", "preview"])
    assert "C000001\tenquiry_no_roi\tdue 2023-05-10" in result.output and "1 household due" in result.output
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "succeeded" in result.output and "'anonymised': 1" in result.output
    assert db_session.scalar(select(JobRun.counts).where(JobRun.job_id == "retention_nightly")) == \
        {"anonymised": 1, "enquiry_no_roi": 1}
    db_session.refresh(due)
    assert due.anonymised_rule == "enquiry_no_roi"
    refused = runner.invoke(args=["erase", "C000002", "--reason", "Letter"])
    assert refused.exit_code == 1 and "reached approval" in refused.output
    assert "no household" in runner.invoke(args=["erase", "NOPE", "--reason", "x"]).output
    open_one = household(Stage.STAGE_1, reference="C000003")
    assert "open application" in runner.invoke(args=["erase", "C000003", "--reason", "Letter"]).output
    erased = runner.invoke(args=["erase", "C000001", "--reason", "Letter of 3 June"])
    assert erased.exit_code == 0, erased.output
    assert db_session.scalar(select(Erasure.reference)) == "C000001"
    assert db_session.get(Household, open_one.id).anonymised_at is None
    assert db_session.get(Household, approved.id).anonymised_at is None


def test_the_preview_costs_the_same_statements_for_one_household_or_a_page_of_them(app, client, db_session, manager):
    household()
    with StatementCounter(app) as one:
        client.get("/data-protection/retention-preview")
    for _ in range(30):
        household()
    with StatementCounter(app) as many:
        html = client.get("/data-protection/retention-preview").get_data(as_text=True)
    assert "Showing 1 to 25 of 31 households." in html
    assert many.count == one.count


def test_an_erased_household_page_says_so(client, db_session, manager):
    made = household(Stage.STAGE_1, Status.WITHDRAWN)
    post(client, f"/households/{made.id}/erase", None, {"reason": "Letter of 1 May"})
    html = client.get(f"/households/{made.id}").get_data(as_text=True)
    assert "Erased" in html and "Zebedee" not in html and "Quartermaine" not in html
    assert "already been erased" in client.get(f"/households/{made.id}/erase").get_data(as_text=True)
