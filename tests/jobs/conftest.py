"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records every message it accepts, and the people and
checks the escalation tests share."""
from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm.auth.roles import Role
from crm.checks.models import CheckInstance, CheckType
from crm.funnel.stages import Stage
from tests.factories import ApplicationFactory, HouseholdFactory, PersonFactory, TeamFactory, UserFactory


@dataclass
class Mailbox:
    """What the server accepted: (recipients, subject) per message."""

    messages: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((tuple(envelope.rcpt_tos), str(message["Subject"])))
        self.bodies.append(message.get_content())
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[str]:
        return [subject for rcpts, subject in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mail_to(app, smtp_server, monkeypatch):
    """Point the app's SMTP settings at the test server; the mailbox collects what arrives."""
    controller, mailbox = smtp_server
    monkeypatch.setitem(app.config, "SMTP_HOST", controller.hostname)
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    return mailbox


@dataclass
class Service:
    owner: object
    team_manager: object
    service_manager: object
    other_team_manager: object


def make_service() -> Service:
    team, other = TeamFactory(), TeamFactory()
    return Service(owner=UserFactory(roles=[Role.STAGE_ONE_WORKER], team=team),
                   team_manager=UserFactory(roles=[Role.MANAGER], team=team),
                   service_manager=UserFactory(roles=[Role.MANAGER], team=None),
                   other_team_manager=UserFactory(roles=[Role.MANAGER], team=other))


def make_check(session, owner, due_on: date, *, code: str = "dbs", requested_on: date | None = None) -> CheckInstance:
    household = HouseholdFactory(allocated_worker_id=owner.id, team_id=owner.team_id)
    person = PersonFactory(household=household)
    application = ApplicationFactory(household=household, stage=Stage.STAGE_1, stage_entered_on=date(2026, 11, 2))
    check_type = session.scalar(select(CheckType).where(CheckType.code == code))
    check = CheckInstance(application_id=application.id, person_id=person.id, check_type_id=check_type.id,
                          requested_on=requested_on or date(2026, 11, 2), due_on=due_on, owner_id=owner.id)
    session.add(check)
    session.flush()
    return check
