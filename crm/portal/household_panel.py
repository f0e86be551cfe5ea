"""The household page's "Applicant portal" section: each adult's access, their consents, the unread messages.
A fixed number of queries, whatever the household's size."""
from __future__ import annotations

from crm.portal import consents, invitations, messages
from crm.portal.closure import REASONS, closure_reason
from crm.portal.details import details_status



def section(household, viewer) -> dict | None:
    """What templates/portal_staff/_household_section.html shows, or None for a viewer who does not work the case."""
    from crm.portal.staff_views import PORTAL_ROLES

    if not viewer.has_any_role(PORTAL_ROLES):
        return None
    accounts = invitations.household_accounts(household.id)
    given = dict(consents.household_consents(household))
    closed = closure_reason(household)
    rows = [{"person": person, "account": accounts.get(person.id), "status": _status(accounts.get(person.id)),
             "consents": given.get(person, [])} for person in given]
    return {"rows": rows, "may_invite": invitations.may_invite(household),
            "closed": REASONS.get(closed) if closed else None,
            "unread": messages.unread_count(household.id, by_applicant=False),
            "details_status": details_status(_Any(household)) if rows else None}


def _status(account) -> str:
    if account is None:
        return "Not invited"
    if account.closed_at is not None:
        return "Access closed"
    if account.activated_at is None:
        return "Invited, not signed in yet"
    return "Using the portal"


class _Any:
    """A stand-in account for task statuses that read only the household."""

    def __init__(self, household):
        self.household = household
