"""Erasure on request (SPEC section 8), where the rules allow: the household is anonymised in place and a tombstone
(crm.dataprotection.models.Erasure) records which record, when, by whom and why.

In place, not deleted: deleting the rows would take the household's contacts, stage events and checks out of
every report's past figures. Refused, with the reason, for a household that reached approval (its record is kept),
one on legal hold, one with an open application not yet anonymised (withdraw it first: the funnel records that, and
the work queues stop showing it), and one already erased. A household the retention job anonymised may be erased
(the tombstone records the request)."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.services import CLI_ACTOR, record_event
from crm.dataprotection.anonymise import anonymise_household
from crm.dataprotection.models import Erasure
from crm.dataprotection.retention import ERASURE
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.stages import OPEN_STATUSES, Stage
from crm.households.models import Household

MAX_REASON = 2000


def erasure_refusal(household: Household) -> str | None:
    """Why the household may not be erased, in words; None when it may."""
    if db.session.scalar(select(Erasure.id).where(Erasure.household_id == household.id)) is not None:
        return f"Household {household.reference} has already been erased"
    if any(application.stage is Stage.APPROVED for application in household.applications):
        return (f"Household {household.reference} reached approval: approved households' records are kept "
                "(retention rules), so it cannot be erased")
    if household.legal_hold:
        return f"Household {household.reference} is on legal hold: clear the hold before erasing it"
    if household.anonymised_at is None and any(a.status in OPEN_STATUSES for a in household.applications):
        return (f"Household {household.reference} has an open application: record its withdrawal first, "
                "then erase it")
    return None


def erase_household(household: Household, reason: str, *, actor) -> Erasure:
    """Anonymise the household in place and leave its tombstone; DomainError with the reason where the rules do not
    allow it. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the erasure (the request it answers; no personal details)", "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"The reason must be {MAX_REASON} characters or fewer", "reason")
    refusal = erasure_refusal(household)
    if refusal is not None:
        raise DomainError(refusal)
    if household.anonymised_at is None:
        anonymise_household(household, ERASURE, actor=actor)
    tombstone = Erasure(household_id=household.id, reference=household.reference, reason=reason,
                        erased_by_id=getattr(actor, "id", None))
    db.session.add(tombstone)
    db.session.flush()
    record_event(db.session, "household_erased", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="household", object_id=household.id, detail={"erasure_id": tombstone.id})
    return tombstone
