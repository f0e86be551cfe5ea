"""A referee's one-time link to the reference form: made, emailed, re-sent, revoked, found by its token.

The token is 256 random bits in the emailed address only; the database keeps its SHA-256, found through a unique
index and compared in constant time. A link is answered once, within LINK_DAYS, unless revoked. A re-send makes
a new token (the old link dies) with a new LINK_DAYS; the reminder replaces the token in place (the email that
carries it is the one the referee will open), keeping the expiry.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import smtplib
from datetime import timedelta

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import select

from crm import clock, mail
from crm.audit.services import record_event
from crm.checks import services as checks
from crm.errors import DomainError
from crm.extensions import db
from crm.formatting import long_date
from crm.funnel.stages import OPEN_STATUSES
from crm.references import rules
from crm.references.models import Referee, RefereeLink

LINK_DAYS = 30
REMIND_AFTER_DAYS = 14


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_for_token(token: str) -> RefereeLink | None:
    """The link with this token, whatever its state (the caller asks `unusable`); None for any other string."""
    if not token or len(token) > 100:
        return None
    wanted = digest(token)
    link = db.session.scalar(select(RefereeLink).where(RefereeLink.token_hash == wanted))
    return link if link is not None and hmac.compare_digest(link.token_hash, wanted) else None


def unusable(link: RefereeLink) -> str | None:
    """Why the link can no longer be answered, in words for the referee; None while it can."""
    if link.used_at is not None:
        return "This reference has already been given. Thank you."
    if link.revoked_at is not None:
        return "This link is no longer in use. If you were expecting to give a reference, contact the agency."
    if link.expires_at <= clock.now():
        return "This link has expired. If you still want to give a reference, ask the agency for a new link."
    if not link.referee.check.is_open or link.referee.application.status not in OPEN_STATUSES:
        return "This reference is no longer needed. Thank you."
    return None


def status(referee: Referee) -> str:
    """The link's state for the worker: not sent, sent on D (expires D), submitted D, revoked D, expired D."""
    if referee.reference is not None:
        return f"Submitted {long_date(clock.london_date(referee.reference.submitted_at))}"
    link = referee.live_link
    if link is None:
        revoked = [link.revoked_at for link in referee.links if link.revoked_at]
        return f"Revoked {long_date(clock.london_date(max(revoked)))}" if revoked else "Not sent"
    if link.sent_at is None:
        return "Not sent"
    expires = long_date(clock.london_date(link.expires_at))
    if link.expires_at <= clock.now():
        return f"Expired {expires}"
    return f"Sent {long_date(clock.london_date(link.sent_at))}, expires {expires}"


# Sending

def send_link(referee: Referee, *, actor, actor_label: str | None = None) -> RefereeLink:
    """The first link: requests the check today if nobody has (the reference is requested when its link goes)."""
    _sendable(referee)
    if referee.links:
        raise DomainError("A link has already been sent to this referee: re-send it instead")
    if referee.check.requested_on is None:
        owner = referee.check.owner or actor
        checks.request_check(referee.check, clock.today(), owner, actor=actor)
    return _issue(referee, actor, actor_label, "referee_link_sent")


def resend_link(referee: Referee, *, actor) -> RefereeLink:
    """A new link for LINK_DAYS more; the one sent before stops working."""
    _sendable(referee)
    if not referee.links:
        raise DomainError("No link has been sent to this referee yet: send one first")
    _revoke_live(referee)
    return _issue(referee, actor, None, "referee_link_resent")


def revoke_link(referee: Referee, *, actor) -> None:
    if referee.reference is not None:
        raise DomainError("This referee has given their reference: there is no link to revoke")
    link = _revoke_live(referee)
    if link is None:
        raise DomainError("This referee has no link to revoke")
    _audit(referee, "referee_link_revoked", actor, None, {"link_id": link.id})


def remind(link: RefereeLink, *, actor_label: str) -> None:
    """Once, REMIND_AFTER_DAYS after the link was sent and not answered: the same link's expiry, a new token."""
    token = secrets.token_urlsafe(32)
    link.token_hash, link.reminded_at = digest(token), clock.now()
    db.session.flush()
    _email(link.referee, token, link, reminder=True)
    _audit(link.referee, "referee_link_reminded", None, actor_label, {"link_id": link.id})


def _issue(referee: Referee, actor, actor_label: str | None, action: str) -> RefereeLink:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    link = RefereeLink(referee=referee, token_hash=digest(token), created_at=now,
                       expires_at=now + timedelta(days=LINK_DAYS), sent_at=now,
                       sent_count=sum(old.sent_count for old in referee.links) + 1)
    db.session.add(link)
    db.session.flush()
    _email(referee, token, link, reminder=False)
    _audit(referee, action, actor, actor_label, {"link_id": link.id, "expires_at": link.expires_at.isoformat()})
    return link


def _sendable(referee: Referee) -> None:
    if referee.reference is not None:
        raise DomainError("This referee has given their reference already")
    if not referee.check.is_open:
        raise DomainError(f"{rules.check_label(referee.check)} has been received or withdrawn: no link is needed")


def _revoke_live(referee: Referee) -> RefereeLink | None:
    link = referee.live_link
    if link is not None:
        link.revoked_at = clock.now()
        db.session.flush()  # before a new live link is added: one live link a referee (uq_referee_links_live)
    return link


# The email

def link_url(token: str) -> str:
    """The reference form's full address: BASE_URL, else this request's host."""
    if has_request_context():
        path = url_for("references.give", token=token)
    else:
        with current_app.test_request_context():
            path = url_for("references.give", token=token)
    base = current_app.config["BASE_URL"] or (request.host_url.rstrip("/") if has_request_context() else "")
    return base + path


def _email(referee: Referee, token: str, link: RefereeLink, *, reminder: bool) -> None:
    """Sent while the caller's transaction is open: refused by the server, nothing is stored (DomainError). With no
    SMTP host the message goes to the log (the embedded start), and the link counts as sent."""
    from crm.references.services import applicant_names

    agency = current_app.config["PUBLIC_SERVICE_NAME"]
    subject = f"{'Reminder: ' if reminder else ''}Reference request from {agency}"
    body = (f"Dear {referee.name},\n\n"
            f"{applicant_names(referee.check)} named you as a referee in their application to {agency}.\n"
            f"{'We have not yet received your reference. ' if reminder else ''}"
            f"Please give your reference using this link:\n\n{link_url(token)}\n\n"
            f"The link works once and expires on {long_date(clock.london_date(link.expires_at))}."
            f"{' It replaces the link in our earlier email.' if reminder else ''}\n"
            "If you were not expecting this email, you can ignore it.\n")
    try:
        mail.send(referee.email, subject, body)
    except mail.MailNotConfigured:
        pass
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.warning("Referee link email refused: %s", error)
        raise DomainError("The email could not be sent, so no link was made. Try again later") from None


def _audit(referee: Referee, action: str, actor, actor_label: str | None, detail: dict) -> None:
    record_event(db.session, action, actor=actor, actor_label=actor_label, object_type="referee",
                 object_id=referee.id, detail={"check_id": referee.check_id, **detail})
