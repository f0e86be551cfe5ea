"""A household's portal closes on withdrawal or not approved, three months after approval, and when the record is
anonymised (retention) or erased; a signed-in applicant is signed out with a clear page."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.funnel.stages import Stage, Status
from crm.portal.closure import REMOVED
from crm.portal.models import PortalAccount, PortalCode, PortalMessage
from tests.factories import ApplicationFactory, HouseholdFactory
from tests.portal.helpers import portal_applicant, sign_in


@pytest.mark.parametrize("status,reason", [(Status.WITHDRAWN, "withdrawn"), (Status.NOT_APPROVED, "not_approved")])
def test_a_closed_application_signs_the_applicant_out(client, db_session, status, reason):
    account = portal_applicant(db_session)
    sign_in(client, account)
    assert client.get("/my/").status_code == 200
    application = account.household.applications[0]
    application.status = status
    db_session.flush()
    response = client.get("/my/")
    assert response.status_code == 403 and "Your access has ended" in response.get_data(as_text=True)
    db_session.refresh(account)
    assert account.closed_reason == reason and account.closed_at is not None
    assert client.get("/my/").status_code == 302  # signed out
    assert sign_in(client, account).status_code == 400


def test_on_hold_keeps_the_portal_open(client, db_session):
    account = portal_applicant(db_session, status=Status.ON_HOLD)
    assert sign_in(client, account).status_code == 302
    assert client.get("/my/").status_code == 200


def test_approval_keeps_it_open_three_months(client, db_session, travel):
    travel(date(2026, 3, 10), tick=False)
    household = HouseholdFactory()
    ApplicationFactory(household=household, stage=Stage.APPROVED, status=Status.APPROVED,
                       stage_entered_on=date(2026, 1, 15))
    account = portal_applicant(db_session, household=household)
    assert sign_in(client, account).status_code == 302
    page = client.get("/my/").get_data(as_text=True)
    assert "You have been approved" in page
    travel(date(2026, 4, 14), tick=False)
    assert sign_in(client, account).status_code == 302  # the earlier session timed out: a new one
    travel(date(2026, 4, 15), tick=False)
    assert sign_in(client, account).status_code == 400
    db_session.refresh(account)
    assert account.closed_reason == "approved"


def test_another_open_application_keeps_it_open(client, db_session):
    account = portal_applicant(db_session, status=Status.WITHDRAWN)
    ApplicationFactory(household=account.household, service_line_code="fostering_mainstream", stage=Stage.STAGE_1)
    assert sign_in(client, account).status_code == 302


def test_anonymising_closes_the_accounts_and_removes_their_data(app, db_session, services_as):
    from crm.dataprotection.anonymise import anonymise_household

    account = portal_applicant(db_session)
    db_session.add_all([PortalMessage(household_id=account.household_id, from_applicant=True, account_id=account.id,
                                      body="Something personal"),
                        PortalCode(account_id=account.id, code_hash="x" * 64, expires_at=account.invited_at)])
    db_session.flush()
    counts = services_as(lambda: anonymise_household(account.household, "withdrawn_3_years"))
    assert counts["portal_accounts_closed"] == 1 and counts["portal_messages"] == 1
    db_session.refresh(account)
    assert account.closed_reason == "anonymised" and account.email is None and account.password_hash == "!"
    assert db_session.scalar(select(PortalMessage.body)) == REMOVED
    assert db_session.scalar(select(PortalCode)) is None


def test_erasure_closes_the_portal(client, auth, db_session, services_as):
    from crm.auth.roles import Role
    from crm.dataprotection.erasure import erase_household
    from tests.factories import UserFactory

    account = portal_applicant(db_session, status=Status.WITHDRAWN)
    manager = UserFactory(roles=[Role.MANAGER])
    services_as(lambda: erase_household(account.household, "Subject's request", actor=manager))
    db_session.refresh(account)
    assert account.closed_at is not None and account.email is None
    assert db_session.scalar(select(PortalAccount.closed_reason)) == "anonymised"


def test_subject_access_holds_the_portal_rows_without_secrets(client, auth, db_session):
    import io
    import json
    import zipfile

    from crm.auth.roles import Role
    from crm.portal.models import ConsentKind, PortalConsent
    from tests.factories import UserFactory

    account = portal_applicant(db_session)
    other = portal_applicant(db_session)
    db_session.add_all([PortalMessage(household_id=account.household_id, from_applicant=True, account_id=account.id,
                                      body="Our message"),
                        PortalMessage(household_id=other.household_id, from_applicant=True, account_id=other.id,
                                      body="Theirs"),
                        PortalConsent(person_id=account.person_id, kind=ConsentKind.DBS, given_by_account_id=account.id)])
    db_session.flush()
    auth.login(UserFactory(roles=[Role.MANAGER]))
    response = client.get(f"/households/{account.household_id}/subject-access.zip")
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("data.json"))
    assert [row["email"] for row in data["portal_accounts"]] == [account.email]
    assert not {"password_hash", "session_token", "invitation_token_hash"} & set(data["portal_accounts"][0])
    assert [row["body"] for row in data["portal_messages"]] == ["Our message"]
    assert [row["kind"] for row in data["portal_consents"]] == ["dbs"]
