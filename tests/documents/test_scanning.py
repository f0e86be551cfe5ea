"""Virus scanning through a clamdscan-compatible command: held until clean, an infected file deleted and its worker
told, a scanner error left pending and retried by the job, each document scanned by exactly one worker."""
from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.documents import scanning, services
from crm.documents.models import Document, ScanStatus
from crm.escalations.models import Escalation, EscalationKind
from jobs.runner import run_job
from tests.documents.conftest import EICAR, PDF, files_in, upload_of
from tests.helpers import count


def scanned(db_session, document_id) -> Document:
    db_session.expire_all()
    return db_session.get(Document, document_id)


def test_a_clean_upload_is_held_until_scanned(app_context, family, upload_folder, scanner, db_session):
    document = services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    assert document.scan_status is ScanStatus.PENDING and not document.downloadable
    assert scanning.scan_document(document.id) == "clean"
    document = scanned(db_session, document.id)
    assert document.scan_status is ScanStatus.CLEAN and document.downloadable and document.scanned_at
    assert count(db_session, AuditEvent, AuditEvent.action == "document_scanned") == 1
    assert scanning.scan_document(document.id) is None  # nothing more to do: scanned once


def test_an_infected_upload_is_deleted_and_its_worker_told(app_context, family, upload_folder, scanner, db_session):
    document = services.add_document(family.household, upload_of(EICAR), "identity", user=family.worker)
    assert scanning.scan_document(document.id) == "infected"
    document = scanned(db_session, document.id)
    assert document.scan_status is ScanStatus.INFECTED and document.stored_name is None
    assert files_in(upload_folder) == []
    told = db_session.scalars(select(Escalation).where(Escalation.kind == EscalationKind.VIRUS_FOUND)).all()
    assert [(e.recipient_id, e.subject_id) for e in told] == [(family.worker.id, document.id)]
    assert "virus" in told[0].summary and family.applicant.last_name not in told[0].summary
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "document_scanned"))
    assert event.detail == {"result": "infected"}


def test_a_scanner_error_stays_pending_and_the_job_retries(app_context, family, upload_folder, scanner, db_session):
    scanner.touch()  # clamd is down: clamdscan exits 2
    document = services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    assert scanning.scan_document(document.id) == "error"
    document = scanned(db_session, document.id)
    assert document.scan_status is ScanStatus.PENDING and document.scan_claimed_at is None
    assert run_job("document_scans").counts == {"clean": 0, "infected": 0, "error": 1}
    scanner.unlink()  # clamd is back
    run = run_job("document_scans")
    assert run.counts == {"clean": 1, "infected": 0, "error": 0}
    assert scanned(db_session, document.id).scan_status is ScanStatus.CLEAN
    assert scanned(db_session, document.id).scan_attempts == 3
    assert run_job("document_scans").counts == {"clean": 0, "infected": 0, "error": 0}


def test_a_missing_or_hanging_scanner_is_an_error_not_a_crash(app, app_context, family, upload_folder, db_session,
                                                             monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "HEARTH_CLAMDSCAN", str(tmp_path / "no-such-clamdscan"))
    document = services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    assert scanning.scan_document(document.id) == "error"
    sleeper = tmp_path / "slow"
    sleeper.write_text("#!/bin/sh\nsleep 5\n")
    sleeper.chmod(0o755)
    monkeypatch.setitem(app.config, "HEARTH_CLAMDSCAN", str(sleeper))
    monkeypatch.setitem(app.config, "HEARTH_SCAN_TIMEOUT_SECONDS", 0.2)
    assert scanning.scan_document(document.id) == "error"
    assert scanned(db_session, document.id).scan_status is ScanStatus.PENDING


def test_a_document_is_claimed_by_one_worker_only(app, app_context, family, upload_folder, scanner, db_session,
                                                  travel):
    document = services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    first = scanning._claim(document.id)
    assert first is not None and scanning._claim(document.id) is None  # a second worker finds it taken
    # A worker that died holding the claim: after HEARTH_SCAN_CLAIM_SECONDS another takes it over.
    travel(first + timedelta(seconds=app.config["HEARTH_SCAN_CLAIM_SECONDS"] + 1))
    assert scanning._claim(document.id) is not None


def test_the_upload_page_scans_at_once(client, auth, family, upload_folder, scanner, db_session):
    import io

    from tests.conftest import csrf_token

    auth.login(family.worker)
    url = f"/households/{family.household.id}/documents/new"
    for content, message in ((PDF, "is clean"), (EICAR, "held a virus and was deleted")):
        token = csrf_token(client.get(url).get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, "kind": "identity", "person": "", "check": "",
                                          "expires_on": ["", "", ""], "upload": (io.BytesIO(content), "id.pdf")},
                               content_type="multipart/form-data", follow_redirects=True)
        assert message in response.get_data(as_text=True)
    statuses = sorted(status.value for status in db_session.scalars(select(Document.scan_status)))
    assert statuses == ["clean", "infected"] and len(files_in(upload_folder)) == 1


CLAMD_CONFIG = Path(os.environ.get("HEARTH_TEST_CLAMD_CONFIG", "/tmp/docs-clamav/clamdscan.conf"))


def clamd_answers() -> bool:
    """A clamdscan config naming a LocalSocket that a running clamd listens on."""
    import socket

    if not (shutil.which("clamdscan") and CLAMD_CONFIG.exists()):
        return False
    lines = [line.split(None, 1) for line in CLAMD_CONFIG.read_text().splitlines() if line.strip()]
    path = next((value.strip() for key, value in lines if key == "LocalSocket"), None)
    try:
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(path)
        return True
    except (OSError, TypeError):
        return False


@pytest.mark.skipif(not clamd_answers(), reason="no running clamd (Debian's clamav-daemon) to reach")
def test_with_debians_clamdscan_and_a_running_clamd(app, app_context, family, upload_folder, db_session,
                                                    monkeypatch):
    """Debian's real clamdscan against a running clamd. Offline, freshclam cannot fetch the official signatures, so
    that clamd was started with one local signature for the EICAR test string (see the branch's report)."""
    monkeypatch.setitem(app.config, "HEARTH_CLAMDSCAN", f"clamdscan --config-file={CLAMD_CONFIG}")
    upload_folder.mkdir(parents=True, exist_ok=True)
    upload_folder.chmod(0o755)  # clamd reads the file through the passed descriptor (--fdpass) all the same
    clean = services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    infected = services.add_document(family.household, upload_of(EICAR), "identity", user=family.worker)
    assert scanning.scan_document(clean.id) == "clean"
    assert scanning.scan_document(infected.id) == "infected"
