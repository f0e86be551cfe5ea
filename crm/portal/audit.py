"""The applicant's actions in the audit log: the actor is the portal account, never a staff user."""
from __future__ import annotations

from crm.audit.services import record_event
from crm.extensions import db


def record_applicant_event(account, action: str, **details):
    """Audit one thing the applicant did (or that happened to their account): actor_id stays empty (no staff user),
    the actor's label names the portal account (not the applicant's name or address, which the append-only log would
    keep past an erasure); the object is the household, so the household's audit trail shows it."""
    return record_event(db.session, action, actor=None, actor_label=account.audit_label, object_type="household",
                        object_id=account.household_id, detail={"portal_account_id": account.id, **details})
