"""Messages between the household and its worker: both ways, read marks, and email that says only that there is one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.portal.models import PortalMessage
from tests.conftest import AuthActions
from tests.factories import UserFactory
from tests.helpers import count, post
from tests.portal.conftest import last_body
from tests.portal.helpers import portal_applicant, sign_in

SECRET = "Our GP is Dr Example at the Riverside surgery"


@pytest.fixture
def case(app, db_session):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    account = portal_applicant(db_session)
    account.household.allocated_worker_id, account.household.team_id = worker.id, worker.team_id
    db_session.flush()
    staff = app.test_client()
    AuthActions(staff).login(worker)
    return worker, account, staff


def test_the_applicant_writes_and_the_worker_reads(client, db_session, mailbox, case):
    worker, account, staff = case
    sign_in(client, account)
    assert post(client, "/my/messages", None, {"body": SECRET}).status_code == 302
    body = last_body(mailbox, worker.email)
    assert "You have a new message in Hearth" in body and SECRET not in body
    assert f"/households/{account.household_id}" in body
    assert [subject for _, subject in mailbox.messages] == ["Hearth: you have a new message"]
    page = staff.get(f"/households/{account.household_id}").get_data(as_text=True)
    assert "1 new" in page
    thread = staff.get(f"/households/{account.household_id}/portal/messages").get_data(as_text=True)
    assert SECRET in thread
    assert db_session.scalar(select(PortalMessage.read_at)) is not None
    assert "1 new" not in staff.get(f"/households/{account.household_id}").get_data(as_text=True)


def test_the_worker_writes_and_the_applicant_reads(client, db_session, mailbox, case):
    worker, account, staff = case
    url = f"/households/{account.household_id}/portal/messages"
    assert post(staff, url, None, {"body": SECRET}).status_code == 302
    body = last_body(mailbox, account.email)
    assert "You have a new message in Hearth" in body and SECRET not in body and "/my/messages" in body
    message = db_session.scalar(select(PortalMessage))
    assert message.user_id == worker.id and not message.from_applicant and message.read_at is None
    sign_in(client, account)
    assert SECRET in client.get("/my/messages").get_data(as_text=True)
    db_session.refresh(message)
    assert message.read_at is not None
    from crm.audit.models import AuditEvent
    read = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "portal_messages_read"))
    assert read.actor_id is None and read.detail == {"portal_account_id": account.id, "count": 1}
    assert "read" in staff.get(url).get_data(as_text=True)


def test_a_message_to_a_household_nobody_can_read_is_refused(db_session, mailbox, case):
    worker, account, staff = case
    account.closed_at, account.closed_reason = account.invited_at, "closed_by_worker"
    db_session.flush()
    response = post(staff, f"/households/{account.household_id}/portal/messages", None, {"body": "Hello"})
    assert response.status_code == 400 and "invite them to the applicant portal first" in response.get_data(as_text=True)
    assert count(db_session, PortalMessage) == 0 and mailbox.messages == []


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 5001, "\x00"])
def test_empty_or_long_messages_store_nothing(client, db_session, mailbox, case, body):
    worker, account, staff = case
    sign_in(client, account)
    response = post(client, "/my/messages", None, {"body": body})
    assert response.status_code == 400 and "govuk-error-summary" in response.get_data(as_text=True)
    response = post(staff, f"/households/{account.household_id}/portal/messages", None, {"body": body})
    assert response.status_code == 400
    assert count(db_session, PortalMessage) == 0 and mailbox.messages == []


def test_an_applicant_sees_only_their_households_messages(client, db_session, case):
    worker, account, staff = case
    other = portal_applicant(db_session)
    db_session.add(PortalMessage(household_id=other.household_id, from_applicant=True, account_id=other.id,
                                 body="Another family's message"))
    db_session.flush()
    sign_in(client, account)
    assert "Another family's message" not in client.get("/my/messages").get_data(as_text=True)
