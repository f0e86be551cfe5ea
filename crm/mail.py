"""Outgoing email over SMTP (settings from the environment); with no SMTP host, messages go to the log."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app


class MailNotConfigured(Exception):
    """No SMTP_HOST: the embedded default writes messages to the log instead."""


def send(to: str, subject: str, body: str, *, message_id: str | None = None) -> None:
    """Send one message; raises MailNotConfigured without an SMTP host, smtplib errors on refusal. A message_id
    names the message for good: sent again (a retry), it is recognisably the same one."""
    config = current_app.config
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, subject
    if message_id:
        message["Message-ID"] = f"<{message_id}@{config['MAIL_FROM'].rpartition('@')[2] or 'hearth'}>"
    message.set_content(body)
    if not config["SMTP_HOST"]:
        current_app.logger.info("Email (no SMTP_HOST set) to %s: %s\n%s", to, subject, body)
        raise MailNotConfigured
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"]:
            # A verified certificate, or the password and the messages go to whoever answers.
            smtp.starttls(context=ssl.create_default_context(cafile=config["SMTP_CA_FILE"] or None))
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
