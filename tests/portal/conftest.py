"""The portal tests' real SMTP server: every message the app sends arrives in `mailbox`."""
from __future__ import annotations

import re

import pytest

from tests.jobs.conftest import mail_to, smtp_server  # noqa: F401 (fixtures: a real aiosmtpd server)


@pytest.fixture
def mailbox(mail_to):  # noqa: F811
    return mail_to


def last_body(mailbox, address: str) -> str:
    bodies = [body for (rcpts, _), body in zip(mailbox.messages, mailbox.bodies) if address in rcpts]
    assert bodies, f"no email to {address}"
    return bodies[-1]


def code_in(body: str) -> str:
    return re.search(r"\b(\d{6})\b", body).group(1)
