"""Partner authorities: the local authorities a service recruits for, set up by an administrator before an import."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.services import CLI_ACTOR, record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.households.models import PartnerAuthority

MAX_NAME = 120  # the column's length


def authority_key(name: str) -> str:
    """How names are compared, here and by imports: any capitalisation, spaces collapsed."""
    return " ".join(name.lower().split())


def partner_authorities() -> list[PartnerAuthority]:
    return list(db.session.scalars(select(PartnerAuthority).order_by(PartnerAuthority.name)))


def add_partner_authorities(names: list[str], *, actor) -> list[PartnerAuthority]:
    """Add every name, trimmed, or none: a blank, a name too long, or a name already taken is refused with all the
    problems at once. Each one added is audited."""
    cleaned = [" ".join(name.split()) for name in names]
    _check(cleaned)
    added = [PartnerAuthority(name=name) for name in cleaned]
    db.session.add_all(added)
    db.session.flush()
    for authority in added:
        record_event(db.session, "partner_authority_created", actor=actor, actor_label=None if actor else CLI_ACTOR,
                     object_type="partner_authority", object_id=authority.id, detail={"name": authority.name})
    return added


def _check(names: list[str]) -> None:
    taken = {authority_key(a.name): a.name for a in partner_authorities()}
    problems = []
    for name in names:
        if not name:
            problems.append(("name", "A partner authority needs a name: a blank one was given"))
        elif len(name) > MAX_NAME:
            problems.append(("name", f"A partner authority's name can be at most {MAX_NAME} characters: "
                                     f"{name[:40]}..."))
        elif authority_key(name) in taken:
            problems.append(("name", f'"{name}" is already a partner authority ("{taken[authority_key(name)]}")'))
        else:
            taken[authority_key(name)] = name
    if problems:
        raise DomainError.several(problems)
