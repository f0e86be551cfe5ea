"""Writing to the audit log: every sign-in, personal-data view and change, and export."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from crm.audit.models import AuditEvent

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
    session.add(event)
    return event
