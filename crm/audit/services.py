"""Writing to the audit log: every sign-in, personal-data view and change, and export."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent
from crm.extensions import defers_writes

LATER = "hearth_audit_later"  # session.info: audit rows of a SQLite read transaction, added at its commit

CLI_ACTOR = "command line"  # who the audit log names when nobody is signed in


def record_event(
    session: Session,
    action: str,
    *,
    actor=None,
    actor_label: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the caller's transaction, so it commits (or not) with what it describes."""
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip_address=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    if defers_writes(session):
        # A read-only request on SQLite: the row is added just before the commit, so the transaction takes the
        # write lock (crm/extensions.py) for that insert only, not while the rest of the page is read and rendered.
        session.info.setdefault(LATER, []).append(event)
    else:
        session.add(event)
    return event


@sqlalchemy_event.listens_for(Session, "before_commit")
def _add_later(session: Session) -> None:
    if later := session.info.pop(LATER, None):
        session.add_all(later)


@sqlalchemy_event.listens_for(Session, "after_soft_rollback")
def _forget_later(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the session's whole transaction, not a savepoint within it
        session.info.pop(LATER, None)
