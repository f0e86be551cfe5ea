"""The worker's side: inviting an adult at Stage 1 or later, the invitation email and link, sending it again,
closing access, the household page's section."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.funnel.stages import Stage
from crm.households.models import PersonRole
from crm.portal.models import PortalAccount
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, UserFactory
from tests.helpers import count, post
from tests.portal.conftest import last_body
from tests.portal.helpers import APPLICANT_PASSWORD


def worked_household(worker, stage=Stage.STAGE_1):
    household = HouseholdFactory(team_id=worker.team_id, allocated_worker_id=worker.id, email="family@example.org")
    ApplicationFactory(household=household, stage=stage)
    applicant = PersonFactory(household=household)
    return household, applicant


def invite_url(household, person):
    return f"/households/{household.id}/portal/people/{person.id}/invite"


def test_a_worker_invites_an_applicant_who_sets_a_password_and_signs_in(client, auth, db_session, mailbox):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    auth.login(worker)
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Invite to the applicant portal" in page
    response = post(client, invite_url(household, applicant), None, {"email": "Ann@Example.org"})
    assert response.status_code == 200 and "Invitation sent" in response.get_data(as_text=True)
    body = last_body(mailbox, "ann@example.org")
    link = re.search(r"http://localhost(/my/invitation/\S+)", body).group(1)
    account = db_session.scalar(select(PortalAccount).where(PortalAccount.person_id == applicant.id))
    assert account.invitation_token_hash and link.rsplit("/", 1)[1] not in account.invitation_token_hash
    auth.logout()
    assert post(client, link, None, {"new_password": "short", "confirm_password": "short"}).status_code == 400
    response = post(client, link, None, {"new_password": APPLICANT_PASSWORD, "confirm_password": APPLICANT_PASSWORD})
    assert response.status_code == 302
    assert client.get(link).status_code == 404  # spent
    response = post(client, "/my/sign-in", None, {"email": "ann@example.org", "password": APPLICANT_PASSWORD})
    assert response.headers["Location"].endswith("/my/")


def test_sending_again_kills_the_old_link(client, auth, db_session, mailbox):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    auth.login(worker)
    post(client, invite_url(household, applicant), None, {"email": "ann@example.org"})
    first = re.search(r"(/my/invitation/\S+)", last_body(mailbox, "ann@example.org")).group(1)
    post(client, invite_url(household, applicant), None, {"email": "ann@example.org"})
    second = re.search(r"(/my/invitation/\S+)", last_body(mailbox, "ann@example.org")).group(1)
    assert first != second
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    assert count(db_session, PortalAccount) == 1


def test_an_invitation_expires_after_14_days(client, auth, db_session, mailbox, travel):
    from datetime import date
    travel(date(2026, 11, 2), tick=False)
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    auth.login(worker)
    post(client, invite_url(household, applicant), None, {"email": "ann@example.org"})
    link = re.search(r"(/my/invitation/\S+)", last_body(mailbox, "ann@example.org")).group(1)
    auth.logout()
    assert client.get(link).status_code == 200
    travel(date(2026, 11, 16), tick=False)  # noon, 14 days on: the link was made at noon on the 2nd
    response = client.get(link)
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("stage", [Stage.ENQUIRY, Stage.REGISTRATION_OF_INTEREST])
def test_no_invitation_before_stage_1(client, auth, db_session, stage):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker, stage)
    auth.login(worker)
    response = post(client, invite_url(household, applicant), None, {"email": "ann@example.org"})
    assert response.status_code == 400 and "Stage 1" in response.get_data(as_text=True)
    assert count(db_session, PortalAccount) == 0


@pytest.mark.parametrize("email", ["", "not-an-email", "x" * 300 + "@example.org", "ann@exa mple.org"])
def test_bad_email_stores_nothing(client, auth, db_session, email, mailbox):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    auth.login(worker)
    response = post(client, invite_url(household, applicant), None, {"email": email})
    assert response.status_code == 400 and "govuk-error-summary" in response.get_data(as_text=True)
    assert count(db_session, PortalAccount) == 0 and mailbox.messages == []


def test_one_address_one_adult(client, auth, db_session, mailbox):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    partner = PersonFactory(household=household)
    auth.login(worker)
    post(client, invite_url(household, applicant), None, {"email": "ann@example.org"})
    response = post(client, invite_url(household, partner), None, {"email": "ann@example.org"})
    assert response.status_code == 400 and "each adult needs their own" in response.get_data(as_text=True)


def test_a_child_cannot_be_invited(client, auth, db_session):
    from datetime import timedelta
    from crm import clock
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, _ = worked_household(worker)
    child = PersonFactory(household=household, role=PersonRole.CHILD, date_of_birth=clock.today() - timedelta(days=3000))
    auth.login(worker)
    assert client.get(invite_url(household, child)).status_code == 404


def test_closing_access_signs_the_applicant_out(app, client, auth, db_session, mailbox):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    from tests.portal.helpers import portal_applicant, sign_in
    account = portal_applicant(db_session, household=household)
    applicant_client = app.test_client()
    sign_in(applicant_client, account)
    assert applicant_client.get("/my/").status_code == 200
    auth.login(worker)
    response = post(client, f"/households/{household.id}", f"/households/{household.id}/portal/accounts/{account.id}/close", {})
    assert response.status_code == 302
    db_session.refresh(account)
    assert account.closed_reason == "closed_by_worker"
    assert applicant_client.get("/my/").status_code == 302  # the session's token is dead
    refused = sign_in(applicant_client, account)  # refused, in the words for a wrong password
    assert refused.status_code == 400 and "Enter a correct email address and password" in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.RECRUITMENT_OFFICER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR])
def test_roles_that_do_not_work_the_case_cannot_invite(client, auth, db_session, role):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    auth.login(UserFactory(roles=[role]))
    assert client.get(invite_url(household, applicant)).status_code == 403
    assert client.get(f"/households/{household.id}/portal/messages").status_code == 403


def test_a_household_the_worker_may_not_see_answers_404(client, auth, db_session):
    worker = UserFactory(roles=[Role.STAGE_ONE_WORKER])
    household, applicant = worked_household(worker)
    auth.login(UserFactory(roles=[Role.STAGE_ONE_WORKER]))
    assert client.get(invite_url(household, applicant)).status_code == 404
    assert client.get(f"/households/{household.id}/portal/messages").status_code == 404
