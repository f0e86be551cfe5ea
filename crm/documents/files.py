"""Files follow the database transaction: a file written for a row that is rolled back is removed, and a file whose
row lets it go is deleted only once that change commits. So nothing is ever stored half way."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from crm.documents import storage

CREATED, DOOMED = "hearth_files_created", "hearth_files_doomed"


def created(session: Session, path: Path) -> None:
    """A file made for this transaction: removed if it rolls back."""
    session.info.setdefault(CREATED, []).append(path)


def delete_on_commit(session: Session, stored_name: str | None) -> None:
    """A document's file to delete once this transaction commits (kept if it rolls back)."""
    if stored_name:
        session.info.setdefault(DOOMED, []).append(storage.path_of(stored_name))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(CREATED, None)
    for path in session.info.pop(DOOMED, []):
        storage.discard(path)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None or previous_transaction.nested:
        return  # a savepoint: the outer transaction may still commit its files
    session.info.pop(DOOMED, None)
    for path in session.info.pop(CREATED, []):
        storage.discard(path)
