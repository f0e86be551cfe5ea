"""The portal's foundation: its own session, apart from staff sign-in; the household scope; the task registry;
applicant actions audited with the applicant as the actor."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.households.models import Person
from crm.portal import tasks
from crm.portal.auth import applicant_required, household_object
from crm.portal.tasks import COMPLETED, PortalTask, register
from tests.factories import UserFactory
from tests.portal.helpers import portal_applicant, sign_in


def test_applicant_signs_in_and_sees_the_application(client, db_session):
    account = portal_applicant(db_session)
    response = sign_in(client, account)
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/")
    page = client.get("/my/").get_data(as_text=True)
    assert "Your application" in page and "Stage 1" in page
    assert "Sign out" in page and "Work queue" not in page
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "portal_signed_in")).all()
    assert [(e.actor_id, e.actor_label, e.object_id) for e in events] == [
        (None, f"applicant (portal account {account.id})", str(account.household_id))]


def test_a_visitor_is_sent_to_the_portal_sign_in(client, db_session):
    response = client.get("/my/")
    assert response.status_code == 302 and "/my/sign-in" in response.headers["Location"]
    assert client.post("/my/sign-out").headers["Location"].endswith("/my/sign-in")


def test_a_staff_user_gains_no_applicant_access(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = client.get("/my/")
    assert response.status_code == 302 and "/my/sign-in" in response.headers["Location"]


def test_an_applicant_gains_no_staff_access_and_signing_in_ends_a_staff_session(client, auth, db_session):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    sign_in(client, portal_applicant(db_session))
    response = client.get("/households")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"] \
        and "/my/" not in response.headers["Location"]
    assert client.get("/my/").status_code == 200


def test_signing_out_ends_the_applicant_session(client, db_session):
    account = portal_applicant(db_session)
    sign_in(client, account)
    page = client.get("/my/").get_data(as_text=True)
    from tests.conftest import csrf_token
    assert client.post("/my/sign-out", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert client.get("/my/").status_code == 302


def test_household_object_answers_404_for_another_household(app, client, db_session):
    mine, theirs = portal_applicant(db_session), portal_applicant(db_session)
    sign_in(client, mine)
    with app.test_request_context("/my/"):
        from flask import session
        with client.session_transaction() as stored:
            session.update(stored)
        from werkzeug.exceptions import NotFound
        from flask import g
        g.hearth_session = db_session
        assert household_object(Person, mine.person_id).id == mine.person_id
        with pytest.raises(NotFound):
            household_object(Person, theirs.person_id)
        with pytest.raises(NotFound):
            household_object(Person, 10 ** 9)


def test_registered_tasks_come_in_order_with_their_status(app, db_session, services_as):
    account = portal_applicant(db_session)
    register(PortalTask("zz_test", "A test task", "portal.index", 999, lambda _account: COMPLETED))
    try:
        listed = services_as(lambda: tasks.tasks_for(account))
        assert listed[-1][0].key == "zz_test" and listed[-1][1] == COMPLETED
        assert [task.order for task, _ in listed] == sorted(task.order for task, _ in listed)
    finally:
        tasks._registry.pop("zz_test")


def test_a_task_answering_an_unknown_status_is_a_bug(db_session, services_as):
    account = portal_applicant(db_session)
    register(PortalTask("zz_bad", "Bad", "portal.index", 1000, lambda _account: "Done"))
    try:
        with pytest.raises(ValueError):
            services_as(lambda: tasks.tasks_for(account))
    finally:
        tasks._registry.pop("zz_bad")


def test_applicant_required_declares_the_applicant_rule():
    from crm.auth.policy import ACCESS_ATTRIBUTE, APPLICANT

    assert getattr(applicant_required(lambda: "x"), ACCESS_ATTRIBUTE) == APPLICANT
