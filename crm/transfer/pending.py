"""Checked uploads held for "Import these rows": tied to the user, a random id, an hour at most, gone once imported.

In the database rather than the instance folder, so that every app host sees the same ones (SPEC section 10).
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from crm import clock
from crm.errors import DomainError
from crm.extensions import db
from crm.transfer.models import PendingImport

KEPT_FOR = timedelta(hours=1)
GONE = "This checked file is not held any more (it was imported, or it is not yours): choose the file again"
EXPIRED = "This checked file was kept for an hour and has expired: choose the file again and check it"


def keep(user, kind: str, filename: str, content: bytes) -> str:
    """Hold the file for the user; the id to ask for it with. Files past their hour are cleared out first."""
    db.session.execute(delete(PendingImport).where(PendingImport.created_at < clock.now() - KEPT_FOR))
    token = secrets.token_urlsafe(32)
    db.session.add(PendingImport(id=token, user_id=user.id, kind=kind, filename=filename[:255], content=content))
    return token


def take(user, token: str) -> PendingImport:
    """The user's own held file; another user's id is as unknown as a made-up one. An expired one is deleted."""
    found = db.session.scalar(select(PendingImport).where(PendingImport.id == (token or "")[:64],
                                                          PendingImport.user_id == user.id))
    if found is None:
        raise DomainError(GONE, "upload_id")
    if found.created_at < clock.now() - KEPT_FOR:
        db.session.delete(found)
        db.session.commit()
        raise DomainError(EXPIRED, "upload_id")
    return found


def forget(pending: PendingImport) -> None:
    db.session.delete(pending)
