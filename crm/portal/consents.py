"""The "Consents for checks" task: each adult consents, for themselves, to the checks that need it: DBS and local
authority checks (every adult), the medical (each applicant) and overseas checks (an applicant who lived abroad).
A consent withdrawn keeps its row, dated. The worker sees the same on the household page."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from crm import clock
from crm.errors import DomainError
from crm.extensions import db
from crm.portal.audit import record_applicant_event
from crm.portal.consent_rules import kinds_for
from crm.portal.details import adults
from crm.portal.models import ConsentKind, PortalConsent
from crm.portal.tasks import COMPLETED, IN_PROGRESS, NOT_STARTED, PortalTask, register

LABELS = {ConsentKind.DBS: "An enhanced DBS (criminal records) check",
          ConsentKind.LOCAL_AUTHORITY: "Checks with each council you have lived in over the last 10 years",
          ConsentKind.MEDICAL: "A health assessment: your GP's report to the agency's medical adviser",
          ConsentKind.OVERSEAS: "Checks with each country you lived in as an adult"}


def current(person_ids: list[int]) -> dict[int, dict[ConsentKind, PortalConsent]]:
    """The consents in force (not withdrawn), by person and kind: one query."""
    found: dict[int, dict[ConsentKind, PortalConsent]] = defaultdict(dict)
    if person_ids:
        for consent in db.session.scalars(select(PortalConsent).where(
                PortalConsent.person_id.in_(person_ids), PortalConsent.withdrawn_at.is_(None))
                .order_by(PortalConsent.id)):
            found[consent.person_id][consent.kind] = consent
    return found


def household_consents(household) -> list[tuple[object, list[tuple[ConsentKind, PortalConsent | None]]]]:
    """Each adult with each consent asked of them and the one in force, if any."""
    people = adults(household)
    given = current([person.id for person in people])
    return [(person, [(kind, given[person.id].get(kind)) for kind in kinds_for(person)]) for person in people]


def consents_status(account) -> str:
    rows = [consent for _, kinds in household_consents(account.household) for _, consent in kinds]
    if rows and all(rows):
        return COMPLETED
    return IN_PROGRESS if any(rows) else NOT_STARTED


def record(account, chosen: set[str]) -> tuple[list[str], list[str]]:
    """The account's adult consents to exactly the kinds chosen (of those asked of them): new ones are given now,
    unticked ones withdrawn now. Returns (given, withdrawn) kinds."""
    person = account.person
    asked = kinds_for(person)
    unknown = chosen - {kind.value for kind in asked}
    if unknown:
        raise DomainError("Choose only the checks listed", "kinds")
    in_force = current([person.id])[person.id]
    now = clock.now()
    given = [kind for kind in asked if kind.value in chosen and kind not in in_force]
    withdrawn = [kind for kind in asked if kind.value not in chosen and kind in in_force]
    for kind in given:
        db.session.add(PortalConsent(person_id=person.id, kind=kind, given_at=now, given_by_account_id=account.id))
    for kind in withdrawn:
        in_force[kind].withdrawn_at = now
    db.session.flush()
    if given or withdrawn:
        record_applicant_event(account, "portal_consents_changed", person_id=person.id,
                               given=[k.value for k in given], withdrawn=[k.value for k in withdrawn])
    return [k.value for k in given], [k.value for k in withdrawn]


register(PortalTask("consents", "Consents for checks", "portal.consents", 20, consents_status,
                    hint="Each adult agrees to the checks the law asks for"))
