"""Naming referees for an application's reference checks, and a referee's reference arriving on its check.

Each operation checks everything before it changes anything, audits (object_type "referee"; ids, never a name),
flushes, and leaves the commit to the caller. The actor is a staff user, or the applicant's portal account
(`account`), or nobody (the referee, the daily job) with an `actor_label`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.audit.services import record_event
from crm.checks import services as checks
from crm.checks.models import CheckInstance, CheckOutcome
from crm.errors import DomainError
from crm.extensions import db
from crm.households.models import Application
from crm.references import rules
from crm.references.models import Reference, Referee, RefereeKind, RefereeLink
from crm.references.rules import CheckReferees

REFEREE_LABEL = "referee"


@dataclass(frozen=True)
class RefereeDetails:
    name: str
    email: str
    phone: str | None
    relationship_to_applicant: str | None
    is_family: bool
    years_known: int | None


@dataclass(frozen=True)
class ReferenceAnswers:
    years_known: int
    how_known: str
    with_children: str
    home: str
    relationships: str
    has_concerns: bool
    concerns: str | None
    willing_to_be_contacted: bool
    declaration: bool


# Reading

def reference_checks(application: Application) -> list[CheckReferees]:
    """The application's reference checks that take referees (open or not), each with its referees, in the order
    of the catalogue; two statements whatever the number of checks and referees."""
    rows = db.session.scalars(
        select(CheckInstance).where(CheckInstance.application_id == application.id)
        .options(selectinload(CheckInstance.check_type), selectinload(CheckInstance.person))
        .order_by(CheckInstance.check_type_id, CheckInstance.id)).all()
    found = [(check, kind) for check in rows if (kind := rules.kind_of(check)) is not None]
    named = referees_of([check.id for check, _ in found])
    return [CheckReferees(check, kind, [r for r in named if r.check_id == check.id]) for check, kind in found]


def referees_of(check_ids: list[int]) -> list[Referee]:
    if not check_ids:
        return []
    return list(db.session.scalars(
        select(Referee).where(Referee.check_id.in_(check_ids))
        .options(selectinload(Referee.links), selectinload(Referee.reference)).order_by(Referee.id)))


def applicant_names(check: CheckInstance) -> str:
    """Whom the reference is about: the applicant the check concerns, or the application's applicants."""
    if check.person is not None:
        return check.person.full_name
    names = [person.full_name for person in check.application.household.applicants]
    return " and ".join(names) or "the applicant"


# Naming

def name_referee(check: CheckInstance, details: RefereeDetails, *, actor=None, account=None) -> Referee:
    kind = rules.kind_of(check)
    if kind is None:
        raise DomainError("This check does not take referees")
    _open(check)
    named = referees_of([check.id])
    if len(named) >= rules.most_for(kind):
        raise DomainError(f"{rules.check_label(check)} already has {len(named)} referee"
                          f"{'' if len(named) == 1 else 's'}: change or remove one instead")
    referee = Referee(application_id=check.application_id, check_id=check.id, kind=kind, named_at=clock.now(),
                      named_by_user_id=getattr(actor, "id", None), named_by_account_id=getattr(account, "id", None),
                      **_fields(kind, details))
    db.session.add(referee)
    db.session.flush()
    _audit(referee, "referee_named", actor, account, {"check_id": check.id, "kind": kind.value})
    return referee


def change_referee(referee: Referee, details: RefereeDetails, *, actor=None, account=None) -> None:
    """An applicant may change a referee until a link is sent; a worker until the reference is given (then
    re-sends the link, if the email address changed)."""
    _editable(referee, account)
    for field, value in _fields(referee.kind, details).items():
        setattr(referee, field, value)
    db.session.flush()
    _audit(referee, "referee_changed", actor, account, {"check_id": referee.check_id})


def remove_referee(referee: Referee, *, actor=None, account=None) -> None:
    if referee.link_sent:
        raise DomainError("A link has been sent to this referee: a worker can revoke it instead")
    _open(referee.check)
    _audit(referee, "referee_removed", actor, account, {"check_id": referee.check_id})
    db.session.delete(referee)
    db.session.flush()


def _fields(kind: RefereeKind, details: RefereeDetails) -> dict:
    values = asdict(details)
    values["name"], values["email"] = (values["name"] or "").strip(), (values["email"] or "").strip().lower()
    problems = [(field, message) for field, message in (("name", "Enter the referee's full name"),
                                                        ("email", "Enter the referee's email address"))
                if not values[field]]
    if problems:
        raise DomainError.several(problems)
    if kind is not RefereeKind.PERSONAL:
        values["is_family"] = False  # family members give personal references only
    return values


def _editable(referee: Referee, account) -> None:
    _open(referee.check)
    if referee.reference is not None:
        raise DomainError("This referee has given their reference: it can no longer change")
    if account is not None and referee.link_sent:
        raise DomainError("A link has been sent to this referee, so their details can no longer change here: "
                          "contact your social worker")


def _open(check: CheckInstance) -> None:
    if not check.is_open:
        raise DomainError(f"{rules.check_label(check)} has been received or withdrawn: its referees can no longer "
                          "change")


# A reference arriving

def submit_reference(link: RefereeLink, answers: ReferenceAnswers) -> Reference:
    """The referee's answers through their link: stored, the link used, and the check received when this completes
    it (through the same service the worker's 'record received' uses, so its escalations clear)."""
    from crm.references import links

    problem = links.unusable(link)
    if problem:
        raise DomainError(problem)
    referee = link.referee
    reference = Reference(referee=referee, submitted_at=clock.now(), **asdict(answers))
    db.session.add(reference)
    link.used_at = clock.now()
    db.session.flush()
    _audit(referee, "reference_submitted", None, None, {"check_id": referee.check_id, "link_id": link.id},
           actor_label=f"{REFEREE_LABEL} {referee.id}")
    receive_if_complete(referee.check, actor_label=f"{REFEREE_LABEL} {referee.id}")
    return reference


def receive_if_complete(check: CheckInstance, *, actor_label: str) -> bool:
    """Record the check received today (London) when its references are in: any one for an employer, ex-partner or
    previous fostering check; 3 with 2 non-family for personal references. 'Concern' if any referee raised one.
    A check a worker already recorded, or one withdrawn, is left alone. Returns whether it was received."""
    if not check.is_open:
        return False
    referees = referees_of([check.id])
    given = [referee.reference for referee in referees if referee.reference is not None]
    complete = rules.enough_personal_references(referees) if rules.kind_of(check) is RefereeKind.PERSONAL \
        else bool(given)
    if not complete:
        return False
    outcome = CheckOutcome.CONCERN if any(reference.has_concerns for reference in given) else CheckOutcome.CLEAR
    today = clock.today()
    if check.requested_on is None or check.requested_on > today:
        return False  # never requested: the worker records it (the form says when to request first)
    checks.receive_check(check, today, outcome, actor=None, actor_label=actor_label, today=today)
    return True


def _audit(referee: Referee, action: str, actor, account, detail: dict, actor_label: str | None = None) -> None:
    if account is not None:  # the applicant's own trail is the household's (crm.portal.audit)
        from crm.portal.audit import record_applicant_event
        record_applicant_event(account, action, referee_id=referee.id, **detail)
        return
    record_event(db.session, action, actor=actor, actor_label=actor_label, object_type="referee",
                 object_id=referee.id, detail=detail)


def check_referees(check: CheckInstance) -> CheckReferees | None:
    """The check page's referees section; None for a check that takes no referee."""
    kind = rules.kind_of(check)
    return None if kind is None else CheckReferees(check, kind, referees_of([check.id]))


def record_reference_views(section: CheckReferees | None, viewer) -> int:
    """Every reference whose answers a page shows is audited, one row per reference (like a check's outcome);
    returns how many. Only those who may see check outcomes are shown them."""
    if section is None or not checks.may_see_outcomes(viewer):
        return 0
    shown = [referee for referee in section.referees if referee.reference is not None]
    for referee in shown:
        record_event(db.session, "viewed_reference", actor=viewer, object_type="referee", object_id=referee.id,
                     detail={"check_id": referee.check_id})
    return len(shown)
