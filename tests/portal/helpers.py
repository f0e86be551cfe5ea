"""Applicants for portal tests (this area's and the referee and document pages built on it): a household at
Stage 1 with an invited, activated portal account, and signing in through the real /my/ sign-in form."""
from __future__ import annotations

from datetime import timedelta

from crm import clock
from crm.auth.passwords import hash_password
from crm.funnel.stages import Stage, Status
from crm.portal.models import PortalAccount
from tests.conftest import csrf_token
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory

APPLICANT_PASSWORD = "marmalade anchor teaspoon"
_HASH = hash_password(APPLICANT_PASSWORD)  # hashed once: argon2 is slow on purpose


def portal_applicant(db_session, *, stage: Stage = Stage.STAGE_1, status: Status = Status.ACTIVE,
                     service_line: str = "adoption", household=None, email: str | None = None,
                     activated: bool = True, **person) -> PortalAccount:
    """An applicant's open portal account (password APPLICANT_PASSWORD), in a household with an application at
    `stage`; another adult of the same household when `household` is given."""
    if household is None:
        household = HouseholdFactory()
        ApplicationFactory(household=household, service_line_code=service_line, stage=stage, status=status,
                           stage_entered_on=clock.today() - timedelta(days=10))
    applicant = PersonFactory(household=household, **person)
    now = clock.now()
    account = PortalAccount(household_id=household.id, person_id=applicant.id,
                            email=email or f"applicant{applicant.id}@example.org",
                            password_hash=_HASH if activated else "!", invited_at=now,
                            activated_at=now if activated else None)
    db_session.add(account)
    db_session.flush()
    return account


def sign_in(client, account, password: str = APPLICANT_PASSWORD):
    """Sign in at /my/sign-in through the form; returns the response (302 to /my/ on success)."""
    page = client.get("/my/sign-in")
    return client.post("/my/sign-in", data={"email": account.email, "password": password,
                                            "csrf_token": csrf_token(page.get_data(as_text=True))})
