"""Which statutory check needs which consent, and which adult is asked for it: the one table the portal's consents
task (crm/portal/consents.py) and the check waiting report (crm/checks/waiting.py) both read."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.households.models import PersonRole
from crm.portal.models import ConsentKind


def _every_adult(person) -> bool:
    return True


def _applicant(person) -> bool:
    return person.role is PersonRole.APPLICANT


def _applicant_who_lived_abroad(person) -> bool:
    return _applicant(person) and (person.lived_abroad_months or 0) > 0


@dataclass(frozen=True)
class ConsentRule:
    kind: ConsentKind
    check_code: str  # the seeded catalogue's CheckType.code
    asks: Callable[[object], bool]  # whether this adult is asked for it (SPEC section 3: who needs which check)


# In the order the task lists them.
CONSENT_RULES = [
    ConsentRule(ConsentKind.DBS, "dbs", _every_adult),
    ConsentRule(ConsentKind.LOCAL_AUTHORITY, "la_checks", _every_adult),
    ConsentRule(ConsentKind.MEDICAL, "health", _applicant),
    ConsentRule(ConsentKind.OVERSEAS, "overseas", _applicant_who_lived_abroad),
]
# A check type's code -> the consent it needs (ConsentKind's value).
CONSENT_BY_CODE = {rule.check_code: rule.kind.value for rule in CONSENT_RULES}


def kinds_for(person) -> list[ConsentKind]:
    """The consents this adult is asked for."""
    return [rule.kind for rule in CONSENT_RULES if rule.asks(person)]
