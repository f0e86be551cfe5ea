"""Withdrawal reasons as a managed list: the administrators' changes (page and command line, audited), the
withdrawal form offering the list, and free text (imports, older callers) matched to it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.funnel.models import StageEvent
from crm.funnel.reasons import services
from crm.funnel.reasons.models import WithdrawalReason
from crm.households.models import Application
from tests.factories import UserFactory
from tests.helpers import post
from tests.households.test_household_page import date_parts, household_at, post_event

SEEDED = ["Finances / cost of living", "Health", "Personal history", "Housing", "Relationship change",
          "Chose another agency", "Not suitable", "Counselled out", "Other"]
PAGE = "/admin/withdrawal-reasons"


def reason(db_session, name: str) -> WithdrawalReason:
    db_session.expire_all()
    return db_session.scalar(select(WithdrawalReason).where(WithdrawalReason.name == name))


def audited(db_session, action: str) -> list[dict]:
    return [event.detail for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                        .order_by(AuditEvent.id))]


@pytest.fixture
def admin(db_session):
    return UserFactory(roles=[Role.ADMINISTRATOR])


# The services.

def test_the_migration_seeds_the_list_in_order_with_other_taking_a_note(app_context):
    listed = services.all_reasons()
    assert [r.name for r in listed] == SEEDED
    assert [r.name for r in listed if r.needs_text] == ["Other"]
    assert all(r.active for r in listed)


def test_add_rename_retire_and_reactivate_are_audited(app_context, db_session, admin):
    added = services.add_reason("  Moved   away ", actor=admin)
    assert (added.name, added.active, added.needs_text) == ("Moved away", True, False)
    assert services.all_reasons()[-1] is added
    services.rename_reason(added, "Moved out of the area", actor=admin)
    services.retire_reason(added, actor=admin)
    assert added not in services.active_reasons() and added in services.all_reasons()
    services.reactivate_reason(added, actor=admin)
    assert added.active
    assert audited(db_session, "withdrawal_reason_added") == [{"name": "Moved away", "needs_text": False}]
    assert audited(db_session, "withdrawal_reason_renamed") == [{"before": "Moved away",
                                                                 "after": "Moved out of the area"}]
    assert audited(db_session, "withdrawal_reason_retired") == [{"name": "Moved out of the area"}]
    assert audited(db_session, "withdrawal_reason_reactivated") == [{"name": "Moved out of the area"}]


@pytest.mark.parametrize("name, message", [
    ("", "Enter the name of the reason"), ("   ", "Enter the name of the reason"),
    ("hEALTH", "There is already a reason called Health"), ("x" * 101, "100 characters or fewer"),
])
def test_bad_names_are_refused_and_nothing_is_added(app_context, db_session, admin, name, message):
    with pytest.raises(DomainError, match=message) as refused:
        services.add_reason(name, actor=admin)
    assert refused.value.field == "name"
    assert len(services.all_reasons()) == len(SEEDED)
    assert audited(db_session, "withdrawal_reason_added") == []


def test_renaming_to_another_reasons_name_is_refused_but_a_change_of_case_is_not(app_context, db_session, admin):
    health = reason(db_session, "Health")
    with pytest.raises(DomainError, match="already a reason called Housing"):
        services.rename_reason(health, "housing", actor=admin)
    services.rename_reason(health, "HEALTH", actor=admin)
    assert health.name == "HEALTH"


def test_a_retired_name_is_still_taken(app_context, db_session, admin):
    services.retire_reason(reason(db_session, "Housing"), actor=admin)
    with pytest.raises(DomainError, match="retired: reactivate it instead"):
        services.add_reason("Housing", actor=admin)


def test_the_only_reason_taking_a_note_cannot_be_retired(app_context, db_session, admin):
    other = reason(db_session, "Other")
    with pytest.raises(DomainError, match="Keep Other in use"):
        services.retire_reason(other, actor=admin)
    services.add_reason("Something else", needs_text=True, actor=admin)
    services.retire_reason(other, actor=admin)
    assert not other.active


@pytest.mark.parametrize("text, expected", [
    ("Health", ("Health", None)), ("  hEaLtH ", ("Health", None)), ("finances /  cost of living", ("Finances / cost of living", None)),
    ("Health: back surgery", ("Health", "back surgery")), ("Other: moved to Spain", ("Other", "moved to Spain")),
    ("Moved to Spain", ("Other", "Moved to Spain")), ("Health matters: a lot", ("Other", "Health matters: a lot")),
    ("", ("Other", None)),
])
def test_free_text_is_matched_to_the_list_or_else_goes_under_other(app_context, text, expected):
    found, note = services.from_text(text)
    assert (found.name, note) == expected


def test_a_retired_reason_is_still_matched_by_name(app_context, db_session, admin):
    services.retire_reason(reason(db_session, "Housing"), actor=admin)
    assert services.from_text("housing")[0].name == "Housing"


# The administrators' page.

def test_the_page_lists_the_reasons_and_adds_one(client, auth, db_session, admin):
    auth.login(admin)
    html = client.get(PAGE).get_data(as_text=True)
    assert all(name in html for name in ("Finances / cost of living", "Counselled out", "Other"))
    response = post(client, PAGE, None, {"name": "Moved away", "needs_text": "y"})
    assert response.status_code == 302
    added = reason(db_session, "Moved away")
    assert added.needs_text and added.active
    assert "Added: Moved away" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("name, message", [("", "Enter the name of the reason"),
                                           ("other", "There is already a reason called Other"),
                                           ("x" * 101, "100 characters or fewer")])
def test_bad_names_on_the_page_get_a_clear_error(client, auth, db_session, admin, name, message):
    auth.login(admin)
    response = post(client, PAGE, None, {"name": name})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "There is a problem" in html and "<title>Error: " in html
    db_session.expire_all()
    assert len(db_session.scalars(select(WithdrawalReason)).all()) == len(SEEDED)


def test_rename_retire_and_reactivate_on_the_page(client, auth, db_session, admin):
    housing = reason(db_session, "Housing")
    auth.login(admin)
    page = f"{PAGE}/{housing.id}"
    assert post(client, page, None, {"name": "Housing or accommodation"}).status_code == 302
    assert post(client, page, None, {"name": "Health"}).status_code == 400
    assert post(client, PAGE, f"{page}/retire", {}).status_code == 302
    assert not reason(db_session, "Housing or accommodation").active
    html = client.get(PAGE).get_data(as_text=True)
    assert "Retired: Housing or accommodation" in html and "Reactivate" in html
    assert post(client, PAGE, f"{page}/reactivate", {}).status_code == 302
    assert reason(db_session, "Housing or accommodation").active


def test_retiring_other_on_the_page_is_refused_with_a_message(client, auth, db_session, admin):
    other = reason(db_session, "Other")
    auth.login(admin)
    response = post(client, PAGE, f"{PAGE}/{other.id}/retire", {})
    assert "Keep Other in use" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert reason(db_session, "Other").active


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR], ids=lambda r: r.value)
def test_only_administrators_manage_the_list(client, auth, db_session, role):
    auth.login(UserFactory(roles=[role]))
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}/1/retire").status_code in (400, 403)
    assert reason(db_session, "Finances / cost of living").active


def test_unknown_reason_is_not_found(client, auth, admin):
    auth.login(admin)
    assert client.get(f"{PAGE}/99999").status_code == 404


# Recording a withdrawal.

def withdraw_pairs(reason_id, note="", party="applicant") -> list[tuple[str, str]]:
    return [("kind", "withdrawn"), ("party", party), ("withdrawal_reason", str(reason_id)), ("reason", note),
            *date_parts(clock.today() - timedelta(days=1))]


def test_the_form_offers_the_reasons_in_use_and_records_the_choice(client, auth, db_session, services_as, admin):
    services_as(lambda: services.retire_reason(reason(db_session, "Counselled out"), actor=admin))
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household = household_at(worker=worker)
    application = household.applications[0]
    auth.login(worker)
    html = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Chose another agency</option>" in html and "Counselled out</option>" not in html
    health = reason(db_session, "Health")
    response = post_event(client, household, application, withdraw_pairs(health.id, "Back surgery"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    event = db_session.get(Application, application.id).events[-1]
    assert (event.withdrawal_reason_id, event.reason, event.party.value) == (health.id, "Back surgery", "applicant")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reason: Health" in html and "Back surgery" in html
    recorded = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "stage_event_recorded")).all()
    assert recorded[-1].detail["withdrawal_reason"] == "Health"


@pytest.mark.parametrize("choice, note, message", [
    (None, "", "Choose the reason for the withdrawal"),
    ("retired", "", "Choose the reason for the withdrawal"),
    ("nonsense", "", "Choose the reason for the withdrawal"),
    ("Other", "  ", "needed when the reason is Other"),
])
def test_bad_withdrawals_get_a_clear_error_and_store_nothing(client, auth, db_session, services_as, admin,
                                                             choice, note, message):
    services_as(lambda: services.retire_reason(reason(db_session, "Counselled out"), actor=admin))
    ids = {"retired": reason(db_session, "Counselled out").id, "Other": reason(db_session, "Other").id,
           "nonsense": "abc", None: ""}
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household = household_at(worker=worker)
    application = household.applications[0]
    recorded = len(application.events)
    auth.login(worker)
    response = post_event(client, household, application, withdraw_pairs(ids[choice], note))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db_session.expire_all()
    assert len(db_session.get(Application, application.id).events) == recorded


# The command line.

def test_the_command_line_adds_lists_retires_and_reactivates(runner, db_session):
    result = runner.invoke(args=["withdrawal-reasons", "add", "Moved away", "--needs-text"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Added Moved away.\n"
    assert runner.invoke(args=["withdrawal-reasons", "retire", "housing"]).exit_code == 0
    listed = runner.invoke(args=["withdrawal-reasons", "list"]).stdout.splitlines()
    assert listed[3] == "Housing (retired)" and listed[-1] == "Moved away (needs a note)"
    assert listed[8] == "Other (needs a note)"
    assert runner.invoke(args=["withdrawal-reasons", "reactivate", "Housing"]).exit_code == 0
    assert reason(db_session, "Housing").active
    labels = [e.actor_label for e in db_session.scalars(select(AuditEvent)
                                                        .where(AuditEvent.object_type == "withdrawal_reason"))]
    assert labels == ["command line"] * 3


@pytest.mark.parametrize("args, message", [
    (["add", " "], "Enter the name of the reason"), (["add", "HEALTH"], "There is already a reason called Health"),
    (["retire", "Nothing like it"], "No withdrawal reason is called 'Nothing like it'"),
    (["retire", "Other"], "Keep Other in use"),
])
def test_the_command_line_refuses_bad_input(runner, db_session, args, message):
    result = runner.invoke(args=["withdrawal-reasons", *args])
    assert result.exit_code == 1
    assert message in result.stderr
    assert [r.name for r in db_session.scalars(select(WithdrawalReason).order_by(WithdrawalReason.position))] == SEEDED
    assert reason(db_session, "Other").active


# Older callers give text: the funnel service matches it to the list.

def test_a_withdrawal_given_text_is_matched_to_the_list(app_context, db_session, admin):
    from crm.funnel import services as funnel

    first = household_at().applications[0]
    second = household_at().applications[0]
    day = clock.today()
    funnel.withdraw(first, day, "applicant", "not suitable", actor=admin)
    funnel.withdraw(second, day, "service", "Moved abroad", actor=admin)
    names = services.names()
    assert [(names[e.withdrawal_reason_id], e.reason) for e in (first.events[-1], second.events[-1])] == [
        ("Not suitable", None), ("Other", "Moved abroad")]
    assert db_session.scalar(select(StageEvent.reason).where(StageEvent.id == second.events[-1].id)) == "Moved abroad"
