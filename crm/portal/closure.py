"""When a household's portal closes (SPEC issue 18): on withdrawal or a decision not to approve, three months after
approval, and when the household's record is anonymised or erased. One rule, `closure_reason`, read at sign-in and
on every /my/ request; `close_accounts` closes a household's accounts for good."""
from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, select, update

from crm import clock
from crm.extensions import db
from crm.funnel.stages import OPEN_STATUSES, Status

REMOVED = "(removed when the record was anonymised)"
# How long an approved household keeps the portal after the approval.
AFTER_APPROVAL = relativedelta(months=3)
REASONS = {"withdrawn": "the application was withdrawn", "not_approved": "the application was not approved",
           "approved": "it is three months since your approval", "anonymised": "the record was closed",
           "closed_by_worker": "your social worker closed your access", "erased": "the record was erased"}


def closure_reason(household, today: date | None = None) -> str | None:
    """Why the household's portal is closed today, or None while it stays open: an open application (active or on
    hold) or an approval less than three months old keeps it open."""
    if household.anonymised_at is not None:
        return "anonymised"
    today = today or clock.today()
    applications = household.applications
    if not applications or any(a.status in OPEN_STATUSES for a in applications):
        return None
    approved = [a for a in applications if a.status is Status.APPROVED]
    if approved:
        approved_on = max(a.stage_entered_on for a in approved)  # an approved application's stage is `approved`
        return None if today < approved_on + AFTER_APPROVAL else "approved"
    return "not_approved" if any(a.status is Status.NOT_APPROVED for a in applications) else "withdrawn"


def close_if_due(account, today: date | None = None) -> bool:
    """True if the account is closed, closing it now (audited) when the rule says so. The caller commits."""
    if account.closed_at is not None:
        return True
    reason = closure_reason(account.household, today)
    if reason is None:
        return False
    close_account(account, reason)
    return True


def close_account(account, reason: str, *, actor=None) -> None:
    """Close one account: its sessions end (the token rotates), its invitation and codes die. The caller commits."""
    from crm.auth.models import new_session_token
    from crm.portal.audit import record_applicant_event
    from crm.audit.services import record_event

    if account.closed_at is not None:
        return
    account.closed_at, account.closed_reason = clock.now(), reason
    account.session_token, account.invitation_token_hash = new_session_token(), None
    db.session.flush()
    if actor is None:
        record_applicant_event(account, "portal_account_closed", reason=reason)
    else:
        record_event(db.session, "portal_account_closed", actor=actor, object_type="household",
                     object_id=account.household_id, detail={"portal_account_id": account.id, "reason": reason})


def close_household_accounts(household_id: int, reason: str, *, anonymise: bool = False) -> dict[str, int]:
    """Close every account of the household (retention, erasure). With anonymise, the portal's personal data goes
    too: addresses, password hashes, message bodies, codes. Returns the counts (never a value) for the audit row."""
    from crm.portal.models import PortalAccount, PortalCode, PortalMessage

    accounts = list(db.session.scalars(select(PortalAccount).where(PortalAccount.household_id == household_id)))
    opened = [account for account in accounts if account.closed_at is None]
    for account in opened:
        close_account(account, reason, actor=_system())
    counts = {"portal_accounts_closed": len(opened)}
    if anonymise:
        from crm.auth.passwords import NO_PASSWORD

        for account in accounts:
            account.email, account.password_hash = None, NO_PASSWORD
        ids = [account.id for account in accounts]
        if ids:
            db.session.execute(delete(PortalCode).where(PortalCode.account_id.in_(ids))
                               .execution_options(synchronize_session=False))
        counts["portal_messages"] = db.session.execute(
            update(PortalMessage).where(PortalMessage.household_id == household_id, PortalMessage.body != REMOVED)
            .values(body=REMOVED).execution_options(synchronize_session="fetch")).rowcount
        db.session.flush()
    return counts


class _System:
    """The actor of a closing no one asked for (retention job, erasure already audited by its caller)."""

    id = None
    email = "portal closure"


def _system() -> _System:
    return _System()
