"""Exactly once with real processes: two `crm jobs run-once` at the same moment, and one killed in the middle
of sending and run again. Every due escalation is emailed, none twice except, after a kill, the messages of the one
batch the dead process had sent but not yet recorded (MAIL_BATCH_SIZE bounds them)."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm import migrate
from crm.escalations.models import EmailStatus, Escalation
from crm.extensions import Database, db
from tests import factories
from tests.conftest import fresh_database_url, make_test_app
from tests.jobs.conftest import free_port, make_check, make_service

pytestmark = pytest.mark.processes

CHECKS = 20
CRM = str(Path(sys.executable).parent / "crm")


@dataclass
class SlowMailbox:
    """Accepts messages; optionally holds the Nth one until released (and then refuses it: its sender is dead)."""

    hold_at: int | None = None
    accepted: list[tuple[str, str]] = field(default_factory=list)
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy
        if self.hold_at is not None and len(self.accepted) + 1 == self.hold_at and not self.release.is_set():
            self.reached.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "421 Service closing"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.accepted += [(rcpt, str(message["Subject"])) for rcpt in envelope.rcpt_tos]
        return "250 OK"


@pytest.fixture
def world(database_kind, tmp_path_factory):
    """A committed database with CHECKS overdue checks (3 rungs each), and a way to run the job as a process."""
    url = fresh_database_url(database_kind, tmp_path_factory, "exactly_once")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        factories.bind(db.session)
        service = make_service()
        for _ in range(CHECKS):
            make_check(db.session, service.owner, due_on=date(2026, 11, 2))
        db.session.commit()
    instance = tmp_path_factory.mktemp("job_instance")

    def start(port: int, **env) -> subprocess.Popen:
        environment = {**os.environ, "DATABASE_URL": url, "HEARTH_INSTANCE_PATH": str(instance),
                       "SECRET_KEY": "test", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), **env}
        return subprocess.Popen([CRM, "jobs", "run-once", "check_escalations", "--today", "2026-12-01"],
                                env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def escalations() -> list[Escalation]:
        with app.app_context():
            return db.session.scalars(select(Escalation)).all()

    yield start, escalations
    Database.state(app).engine.dispose()


def serve(mailbox) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def test_two_processes_at_once_send_each_escalation_once(world):
    start, escalations = world
    mailbox = SlowMailbox()
    controller = serve(mailbox)
    try:
        processes = [start(controller.port), start(controller.port)]
        outputs = [p.communicate(timeout=180)[0] for p in processes]
    finally:
        controller.stop()
    assert [p.returncode for p in processes] == [0, 0], outputs
    rows = escalations()
    assert len(rows) == CHECKS * 3
    assert {r.email_status for r in rows} == {EmailStatus.SENT}
    counts = Counter(mailbox.accepted)
    assert len(counts) == CHECKS * 3 and set(counts.values()) == {1}


def test_a_process_killed_while_sending_and_run_again_misses_none_and_repeats_none(world):
    """With batches of one, every message is recorded before the next goes: nothing lost, nothing doubled."""
    start, escalations = world
    mailbox = SlowMailbox(hold_at=10)
    controller = serve(mailbox)
    try:
        first = start(controller.port, MAIL_BATCH_SIZE="1")
        assert mailbox.reached.wait(timeout=120), "the job never reached the tenth message"
        first.kill()
        first.wait(timeout=30)
        mailbox.release.set()
        statuses = Counter(r.email_status for r in escalations())
        assert statuses == {EmailStatus.SENT: 9, EmailStatus.SENDING: 1, EmailStatus.PENDING: CHECKS * 3 - 10}
        # Run again; the one claimed by the dead process counts as abandoned at once (timeout 0 for the test).
        again = start(controller.port, MAIL_CLAIM_TIMEOUT_SECONDS="0", MAIL_BATCH_SIZE="1")
        output = again.communicate(timeout=180)[0]
    finally:
        controller.stop()
    assert again.returncode == 0, output
    assert {r.email_status for r in escalations()} == {EmailStatus.SENT}
    counts = Counter(mailbox.accepted)
    assert len(counts) == CHECKS * 3 and set(counts.values()) == {1}


def test_a_process_killed_mid_batch_resends_only_that_batchs_accepted_messages(world):
    """Batches of 4, one transaction each: messages 1-8 are recorded sent; the process dies holding 9-12, having sent
    9. The next run sends 9-12 again: none lost, none recorded sent that was not, and 9 (only) twice."""
    start, escalations = world
    mailbox = SlowMailbox(hold_at=10)
    controller = serve(mailbox)
    try:
        first = start(controller.port, MAIL_BATCH_SIZE="4")
        assert mailbox.reached.wait(timeout=120), "the job never reached the tenth message"
        first.kill()
        first.wait(timeout=30)
        mailbox.release.set()
        statuses = Counter(r.email_status for r in escalations())
        assert statuses == {EmailStatus.SENT: 8, EmailStatus.SENDING: 4, EmailStatus.PENDING: CHECKS * 3 - 12}
        again = start(controller.port, MAIL_CLAIM_TIMEOUT_SECONDS="0", MAIL_BATCH_SIZE="4")
        output = again.communicate(timeout=180)[0]
    finally:
        controller.stop()
    assert again.returncode == 0, output
    assert {r.email_status for r in escalations()} == {EmailStatus.SENT}
    counts = Counter(mailbox.accepted)
    assert len(counts) == CHECKS * 3
    assert sorted(counts.values()) == [1] * (CHECKS * 3 - 1) + [2]
