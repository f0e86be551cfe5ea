"""The portal's emails: invitations, sign-in codes, and "you have a new message" (never a message's body).
A failure to send is logged and answered by the caller's page; nothing here raises."""
from __future__ import annotations

import smtplib

from flask import current_app, has_request_context, request, url_for

from crm import mail


def absolute_url(endpoint: str, **values) -> str:
    """BASE_URL (the address users reach), else this request's host."""
    base = current_app.config.get("BASE_URL") or (request.host_url.rstrip("/") if has_request_context() else "")
    return base + url_for(endpoint, **values)


def send_email(to: str, subject: str, body: str) -> bool:
    """Send one email; False when there is no SMTP host or the server refused (logged). Never raises."""
    try:
        mail.send(to, subject, body)
    except mail.MailNotConfigured:
        return False
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("A portal email could not be sent")
        return False
    return True


def send_invitation(to: str, token: str) -> bool:
    name = current_app.config["SERVICE_NAME"]
    url = absolute_url("portal.invitation", token=token)
    body = (f"Hello,\n\nYour social worker has invited you to follow your application online and to do your part "
            f"of it there.\n\nChoose your password here:\n\n{url}\n\nThe link works once, for 14 days. If you did "
            "not expect this email, ignore it.\n")
    return send_email(to, f"{name}: your application online", body)


def send_code(to: str, code: str) -> bool:
    name = current_app.config["SERVICE_NAME"]
    body = (f"Your code to sign in to your application is:\n\n{code}\n\nIt works once, for 15 minutes. If you did "
            "not ask for it, ignore this email: nobody can sign in without the code.\n")
    return send_email(to, f"{name}: your sign-in code", body)


def send_new_message(to: str, url: str) -> bool:
    """Only that there is a message, and where to read it: never the message itself."""
    name = current_app.config["SERVICE_NAME"]
    return send_email(to, f"{name}: you have a new message",
                 f"You have a new message in {name}.\n\nSign in to read it:\n\n{url}\n")


def tell_worker(household) -> bool:
    """The household's allocated worker hears that the applicant wrote (a household with none: nobody by email;
    the message waits on the household page)."""
    worker = household.allocated_worker
    if worker is None or not worker.active:
        return False
    return send_new_message(worker.email, absolute_url("households.show", household_id=household.id))


def tell_applicants(household_id: int) -> int:
    """Every open, activated account of the household hears that the worker wrote; returns how many were sent."""
    from crm.portal.messages import open_accounts

    return sum(send_new_message(account.email, absolute_url("portal.messages"))
               for account in open_accounts(household_id) if account.email and account.activated_at)
