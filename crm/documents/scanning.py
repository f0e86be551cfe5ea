"""Virus scanning with ClamAV's clamdscan (HEARTH_CLAMDSCAN): an upload is held (pending, not downloadable) until a
scan says clean. Exactly one worker scans a document: it claims the row with UPDATE ... WHERE scan_status = 'pending'
(and no live claim), like the import worker claims runs (crm/transfer/runs.py). Exit 0 is clean; 1 is infected: the
file is deleted, the row marked, audited, and the household's worker told (an escalation); anything else (2, a
timeout, no such command) leaves it pending for the next run of the scan job."""
from __future__ import annotations

import shlex
import subprocess
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from crm import clock
from crm.audit.services import record_event
from crm.documents import files, storage
from crm.documents.models import Document, ScanStatus
from crm.escalations import services as escalations
from crm.escalations.models import EscalationKind
from crm.escalations.recipients import Directory
from crm.extensions import db
from crm.households.models import Household

SCANNER_LABEL = "virus scanner"
CLEAN, INFECTED = 0, 1


def scan_pending(limit: int = 200) -> dict[str, int]:
    """The scan job: every held document, each claimed then scanned; counts by result."""
    counts = {"clean": 0, "infected": 0, "error": 0}
    ids = list(db.session.scalars(select(Document.id).where(Document.scan_status == ScanStatus.PENDING)
                                  .order_by(Document.id).limit(limit)))
    db.session.commit()
    for document_id in ids:
        result = scan_document(document_id)
        if result is not None:
            counts[result] += 1
    return counts


def scan_document(document_id: int) -> str | None:
    """Claim, scan and record one document: 'clean', 'infected' or 'error'; None when another worker holds it (or
    it is not waiting). Commits its own transactions; no transaction is open while the scanner runs."""
    claimed_at = _claim(document_id)
    if claimed_at is None:
        return None
    stored_name = db.session.scalar(select(Document.stored_name).where(Document.id == document_id))
    db.session.commit()
    code = run_scanner(storage.path_of(stored_name)) if stored_name else None
    if code == CLEAN:
        _finish(document_id, claimed_at, ScanStatus.CLEAN)
        db.session.commit()
        return "clean"
    if code == INFECTED:
        _infected(document_id, claimed_at)
        return "infected"
    _release(document_id, claimed_at, code)
    return "error"


def _claim(document_id: int):
    now = clock.now()
    stale = now - timedelta(seconds=current_app.config["HEARTH_SCAN_CLAIM_SECONDS"])
    claimed = db.session.execute(
        update(Document).where(Document.id == document_id, Document.scan_status == ScanStatus.PENDING,
                               or_(Document.scan_claimed_at.is_(None), Document.scan_claimed_at < stale))
        .values(scan_claimed_at=now, scan_attempts=Document.scan_attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return now if claimed == 1 else None


def run_scanner(path) -> int | None:
    """`clamdscan --no-summary --fdpass FILE`'s exit code (HEARTH_CLAMDSCAN may carry options of its own, such as
    --config-file); None when it could not be run or took too long."""
    command = [*shlex.split(current_app.config["HEARTH_CLAMDSCAN"]), "--no-summary", "--fdpass", str(path)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=current_app.config["HEARTH_SCAN_TIMEOUT_SECONDS"],
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        current_app.logger.warning("Virus scan of %s could not run: %s", path, error)
        return None
    if result.returncode not in (CLEAN, INFECTED):
        current_app.logger.warning("Virus scan of %s failed (%s): %s", path, result.returncode,
                                   result.stdout[-500:] + result.stderr[-500:])
    return result.returncode


def _held(document_id: int, claimed_at):
    """The condition that this worker still holds the claim."""
    return (Document.id == document_id, Document.scan_status == ScanStatus.PENDING,
            Document.scan_claimed_at == claimed_at)


def _finish(document_id: int, claimed_at, status: ScanStatus, **values) -> bool:
    """Record the result if this worker still holds the claim (audited); the caller commits."""
    done = db.session.execute(update(Document).where(*_held(document_id, claimed_at))
                              .values(scan_status=status, scanned_at=clock.now(), scan_claimed_at=None, **values)
                              .execution_options(synchronize_session=False)).rowcount
    if done:
        record_event(db.session, "document_scanned", actor_label=SCANNER_LABEL, object_type="document",
                     object_id=document_id, detail={"result": status.value})
    return bool(done)


def _infected(document_id: int, claimed_at) -> None:
    """The file is deleted (once the result commits) and the household's worker told."""
    stored_name, kind, household_id = db.session.execute(
        select(Document.stored_name, Document.kind, Document.household_id).where(Document.id == document_id)).one()
    if not _finish(document_id, claimed_at, ScanStatus.INFECTED, stored_name=None):
        db.session.rollback()
        return
    files.delete_on_commit(db.session, stored_name)
    household = db.session.get(Household, household_id)
    summary = (f"A file uploaded for household {household.reference} ({kind.label.lower()}) held a virus and was "
               "deleted: ask for it again")
    recipients = Directory().worker_or_managers(household.allocated_worker_id, household.team_id)
    escalations.raise_all([escalations.Due(EscalationKind.VIRUS_FOUND, "document", document_id, "owner", recipient,
                                           household.id, summary, clock.today()) for recipient in recipients],
                          run_id=None)
    db.session.commit()


def _release(document_id: int, claimed_at, code) -> None:
    """An error: the claim goes, the document stays held, and the next run of the scan job tries again."""
    db.session.execute(update(Document).where(*_held(document_id, claimed_at)).values(scan_claimed_at=None)
                       .execution_options(synchronize_session=False))
    record_event(db.session, "document_scan_failed", actor_label=SCANNER_LABEL, object_type="document",
                 object_id=document_id, detail={"exit_code": code})
    db.session.commit()
