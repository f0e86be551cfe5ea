"""The worker's side of the portal: inviting an adult of the household (once an application has reached Stage 1),
sending the invitation again (a new link; the old one dies), closing an account. The caller commits, then emails."""
from __future__ import annotations

from sqlalchemy import select

from crm import clock
from crm.audit.services import record_event
from crm.auth.services import valid_email
from crm.checks.catalogue import is_adult
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.stages import OPEN_STATUSES, Stage
from crm.households.models import Household, Person
from crm.portal import accounts
from crm.portal.closure import close_account, closure_reason
from crm.portal.models import PortalAccount

NOT_YET = ("An applicant can be invited once an application has reached Stage 1 (registration of interest "
           "accepted)")


def may_invite(household: Household) -> bool:
    """An application of the household is open (active or on hold) at Stage 1 (ROI accepted) or later, and the
    household's record has not been anonymised."""
    reached = any(a.stage.order >= Stage.STAGE_1.order and a.status in OPEN_STATUSES for a in household.applications)
    return reached and closure_reason(household) is None


def invitable(person: Person) -> bool:
    """An adult (applicant or other adult) still in the household."""
    return person.left_on is None and is_adult(person, clock.today())


def invite(person: Person, email: str, *, actor) -> tuple[PortalAccount, str]:
    """The person's account (made now, or the existing one reopened to a new address) and a fresh invitation's
    token; any earlier invitation stops working."""
    household = person.household
    if not may_invite(household):
        raise DomainError(NOT_YET, "email")
    if not invitable(person):
        raise DomainError(f"{person.full_name} is not an adult of the household", "email")
    email = valid_email(email)
    other = accounts.find_open_account(email)
    if other is not None and other.person_id != person.id:
        raise DomainError("Someone else already uses this email address for their application: each adult needs "
                          "their own", "email")
    account = db.session.scalar(select(PortalAccount).where(PortalAccount.person_id == person.id))
    if account is None:
        account = PortalAccount(household_id=household.id, person_id=person.id, created_by_id=actor.id)
        db.session.add(account)
    elif account.closed_at is not None:
        raise DomainError(f"{person.full_name}'s access is closed: it cannot be opened again", "email")
    account.email = email
    token = accounts.new_invitation(account)
    record_event(db.session, "portal_invitation_sent", actor=actor, object_type="household", object_id=household.id,
                 detail={"portal_account_id": account.id, "person_id": person.id})
    return account, token


def close(account: PortalAccount, *, actor) -> None:
    if account.closed_at is not None:
        raise DomainError("This access is already closed")
    close_account(account, "closed_by_worker", actor=actor)


def household_accounts(household_id: int) -> dict[int, PortalAccount]:
    """The household's accounts by person id (one query)."""
    return {account.person_id: account for account in db.session.scalars(
        select(PortalAccount).where(PortalAccount.household_id == household_id))}
