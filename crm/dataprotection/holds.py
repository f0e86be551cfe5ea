"""Legal hold on a household (SPEC section 8): while set, the household is never anonymised or erased."""
from __future__ import annotations

from crm import clock
from crm.audit.services import record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.households.models import Household

MAX_REASON = 500


def set_legal_hold(household: Household, reason: str, *, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the legal hold", "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"The reason must be {MAX_REASON} characters or fewer", "reason")
    if household.anonymised_at is not None:
        raise DomainError(f"Household {household.reference} has already been anonymised: there is nothing to hold")
    household.legal_hold, household.legal_hold_reason = True, reason
    household.legal_hold_set_at, household.legal_hold_set_by_id = clock.now(), getattr(actor, "id", None)
    record_event(db.session, "legal_hold_set", actor=actor, object_type="household", object_id=household.id)
    db.session.flush()


def clear_legal_hold(household: Household, *, actor) -> None:
    if not household.legal_hold:
        raise DomainError(f"Household {household.reference} is not on legal hold")
    household.legal_hold, household.legal_hold_reason = False, None
    household.legal_hold_set_at, household.legal_hold_set_by_id = None, None
    record_event(db.session, "legal_hold_cleared", actor=actor, object_type="household", object_id=household.id)
    db.session.flush()
