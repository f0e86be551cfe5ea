"""Which checks take referees, and the rules for naming them (SPEC section 3: at least 3 personal references, 2
of them from outside the family, once per application; one referee for each employer, ex-partner and previous
fostering service reference)."""
from __future__ import annotations

from dataclasses import dataclass

from crm.checks.models import CheckInstance
from crm.references.models import Referee, RefereeKind

# The seeded check types (migrations/..._statutory_checks.py) that a referee answers.
KIND_BY_CODE = {
    "personal_references": RefereeKind.PERSONAL,
    "employer_reference": RefereeKind.EMPLOYER,
    "ex_partner_reference": RefereeKind.EX_PARTNER,
    "previous_fostering_reference": RefereeKind.PREVIOUS_FOSTERING,
}
PERSONAL_NEEDED = 3
NON_FAMILY_NEEDED = 2
MAX_PERSONAL = 6  # more than enough to replace one who does not answer


def kind_of(check: CheckInstance) -> RefereeKind | None:
    """The kind of referee the check asks for; None for a check that takes no referee."""
    return KIND_BY_CODE.get(check.check_type.code)


def most_for(kind: RefereeKind) -> int:
    return MAX_PERSONAL if kind is RefereeKind.PERSONAL else 1


def check_label(check: CheckInstance) -> str:
    """'Employer reference for Ann Example', 'Personal references'."""
    return f"{check.check_type.name} for {check.person.full_name}" if check.person else check.check_type.name


@dataclass(frozen=True)
class CheckReferees:
    """One reference check of an application and the referees named for it."""

    check: CheckInstance
    kind: RefereeKind
    referees: list[Referee]

    @property
    def label(self) -> str:
        return check_label(self.check)

    @property
    def problems(self) -> list[str]:
        """What is still missing, in words for the applicant and the worker; empty when enough are named."""
        return naming_problems(self.kind, self.referees)

    @property
    def may_add(self) -> bool:
        return len(self.referees) < most_for(self.kind) and self.check.is_open


def naming_problems(kind: RefereeKind, referees: list[Referee]) -> list[str]:
    if kind is not RefereeKind.PERSONAL:
        return [] if referees else [f"Name the {kind.label.lower()} referee"]
    problems = []
    if len(referees) < PERSONAL_NEEDED:
        problems.append(f"Name at least {PERSONAL_NEEDED} personal referees: {len(referees)} named so far")
    outside = sum(1 for referee in referees if not referee.is_family)
    if outside < NON_FAMILY_NEEDED:
        problems.append(f"At least {NON_FAMILY_NEEDED} personal referees must not be family members: "
                        f"{outside} named so far")
    return problems


def enough_personal_references(referees: list[Referee]) -> bool:
    """The personal references check is complete: 3 references submitted, 2 of them from outside the family."""
    given = [referee for referee in referees if referee.reference is not None]
    return len(given) >= PERSONAL_NEEDED and sum(1 for r in given if not r.is_family) >= NON_FAMILY_NEEDED
