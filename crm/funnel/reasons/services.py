"""The withdrawal reasons list: reading it, matching free text to it, and the administrators' changes (audited)."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.audit.services import CLI_ACTOR, record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.funnel.reasons.models import WithdrawalReason

MAX_NAME = 100


def all_reasons() -> list[WithdrawalReason]:
    """Every reason, retired ones too, in list order."""
    return list(db.session.scalars(select(WithdrawalReason).order_by(WithdrawalReason.position, WithdrawalReason.id)))


def active_reasons() -> list[WithdrawalReason]:
    return [reason for reason in all_reasons() if reason.active]


def names() -> dict[int, str]:
    """Each reason's name by id, retired ones too (for showing and exporting recorded withdrawals)."""
    return {reason.id: reason.name for reason in all_reasons()}


def offered(reason_id) -> WithdrawalReason | None:
    """The reason a form chose, if it is one in use (else None: the state machine asks for one)."""
    reason = db.session.get(WithdrawalReason, int(reason_id)) if str(reason_id or "").isdigit() else None
    return reason if reason is not None and reason.active else None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def match(text: str | None, reasons: list[WithdrawalReason]) -> tuple[WithdrawalReason, str | None]:
    """Free text as a reason and a note: a reason's name (any case, retired ones too), optionally followed by ': ' and
    a note, is that reason; anything else is the text-taking reason ("Other") with the text as its note."""
    text = (text or "").strip()
    key = _key(text)
    for reason in sorted(reasons, key=lambda r: len(r.name), reverse=True):
        name = _key(reason.name)
        if key == name:
            return reason, None
        if key.startswith(name + ":"):
            return reason, text.split(":", 1 + reason.name.count(":"))[-1].strip() or None
    return other(reasons), text or None


def other(reasons: list[WithdrawalReason]) -> WithdrawalReason:
    """Where unknown reasons go: the first text-taking reason in use (or, failing that, any)."""
    taking = [reason for reason in reasons if reason.needs_text]
    found = next((reason for reason in taking if reason.active), None) or next(iter(taking), None)
    if found is None:
        raise DomainError("No withdrawal reason takes a note: an administrator adds one (like Other) first")
    return found


def from_text(text: str | None) -> tuple[WithdrawalReason, str | None]:
    return match(text, all_reasons())


# The administrators' changes.

def add_reason(name: str, *, needs_text: bool = False, actor) -> WithdrawalReason:
    """A new reason, in use, at the end of the list."""
    name = _valid_name(name)
    last = db.session.scalar(select(func.max(WithdrawalReason.position))) or 0
    reason = WithdrawalReason(name=name, needs_text=needs_text, active=True, position=last + 1)
    db.session.add(reason)
    db.session.flush()
    _audit("withdrawal_reason_added", reason, actor, {"name": name, "needs_text": needs_text})
    return reason


def rename_reason(reason: WithdrawalReason, name: str, *, actor) -> None:
    """Withdrawals recorded with the reason are counted under its new name."""
    name = _valid_name(name, reason)
    before, reason.name = reason.name, name
    db.session.flush()
    _audit("withdrawal_reason_renamed", reason, actor, {"before": before, "after": name})


def retire_reason(reason: WithdrawalReason, *, actor) -> None:
    """No longer offered; withdrawals already recorded with it keep it."""
    if reason.needs_text and reason.active and not any(r.needs_text for r in active_reasons() if r.id != reason.id):
        raise DomainError(f"Keep {reason.name} in use: withdrawals whose reason is not on the list are recorded "
                          "under it", "reason")
    _set_active(reason, False, "withdrawal_reason_retired", actor)


def reactivate_reason(reason: WithdrawalReason, *, actor) -> None:
    _set_active(reason, True, "withdrawal_reason_reactivated", actor)


def find(name: str) -> WithdrawalReason:
    """A reason by name, any case (for the command line)."""
    found = next((reason for reason in all_reasons() if _key(reason.name) == _key(name)), None)
    if found is None:
        raise DomainError(f"No withdrawal reason is called {name.strip()!r}", "name")
    return found


def _set_active(reason: WithdrawalReason, active: bool, action: str, actor) -> None:
    if reason.active is active:
        return
    reason.active = active
    db.session.flush()
    _audit(action, reason, actor, {"name": reason.name})


def _valid_name(name: str | None, reason: WithdrawalReason | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the name of the reason", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The name must be {MAX_NAME} characters or fewer", "name")
    clash = next((r for r in all_reasons() if _key(r.name) == _key(name) and r is not reason), None)
    if clash is not None:
        raise DomainError(f"There is already a reason called {clash.name}" + ("" if clash.active else " (retired: "
                          "reactivate it instead)"), "name")
    return name


def _audit(action: str, reason: WithdrawalReason, actor, detail: dict) -> None:
    record_event(db.session, action, actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="withdrawal_reason", object_id=reason.id, detail=detail)
