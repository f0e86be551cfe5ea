"""Partner authorities: the local authorities a service recruits for, set up by an administrator before an import."""
from __future__ import annotations

from sqlalchemy import exists, func, select

from crm.audit.services import CLI_ACTOR, record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.events.models import InformationEvent
from crm.households.models import Household, PartnerAuthority

MAX_NAME = 120  # the column's length


def authority_key(name: str) -> str:
    """How names are compared, here and by imports: any capitalisation, spaces collapsed."""
    return " ".join(name.lower().split())


def partner_authorities() -> list[PartnerAuthority]:
    return list(db.session.scalars(select(PartnerAuthority).order_by(PartnerAuthority.name)))


def offered() -> list[PartnerAuthority]:
    """The active authorities, by name: the choices for a new record (old records keep a deactivated one)."""
    return list(db.session.scalars(select(PartnerAuthority).where(PartnerAuthority.active.is_(True))
                                   .order_by(PartnerAuthority.name)))


def find_authority(name: str) -> PartnerAuthority | None:
    key = authority_key(name)
    return next((a for a in partner_authorities() if authority_key(a.name) == key), None)


def usage() -> dict[int, int]:
    """Authority id -> how many households name it (authorities no household names are absent)."""
    return dict(db.session.execute(select(Household.partner_authority_id, func.count())
                                   .where(Household.partner_authority_id.is_not(None))
                                   .group_by(Household.partner_authority_id)).all())


def _audit(action: str, authority: PartnerAuthority, actor, **detail) -> None:
    record_event(db.session, action, actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="partner_authority", object_id=authority.id, detail=detail)


def rename_partner_authority(authority: PartnerAuthority, name: str, *, actor) -> None:
    """A new name, under the rules of a new one (compared with the other authorities)."""
    name = " ".join((name or "").split())
    if authority_key(name) != authority_key(authority.name):
        _check([name], ignore=authority)
    if name != authority.name:
        old, authority.name = authority.name, name
        db.session.flush()
        _audit("partner_authority_renamed", authority, actor, name=[old, name])


def set_active(authority: PartnerAuthority, active: bool, *, actor) -> None:
    """Deactivate (kept on the records that name it, not offered for new ones) or reactivate."""
    if authority.active == active:
        raise DomainError(f"{authority.name} is already {'active' if active else 'deactivated'}")
    authority.active = active
    db.session.flush()
    _audit("partner_authority_reactivated" if active else "partner_authority_deactivated", authority, actor,
           name=authority.name)


def delete_partner_authority(authority: PartnerAuthority, *, actor) -> None:
    """Only an authority no household or event names: one in use can be deactivated instead."""
    used = db.session.scalar(select(
        exists().where(Household.partner_authority_id == authority.id)
        | exists().where(InformationEvent.partner_authority_id == authority.id)))
    if used:
        raise DomainError(f"{authority.name} cannot be deleted: households or events name it. "
                          "Deactivate it instead, so it is no longer offered for new records.")
    _audit("partner_authority_deleted", authority, actor, name=authority.name)
    db.session.delete(authority)
    db.session.flush()


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


def _check(names: list[str], *, ignore: PartnerAuthority | None = None) -> None:
    taken = {authority_key(a.name): a.name for a in partner_authorities() if a is not ignore}
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
