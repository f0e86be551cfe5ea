"""Messages between a household and its worker: the thread, sending either way, marking read. Email to the other
side says only that there is a new message (crm.portal.notify), never the body. The caller commits."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from crm import clock
from crm.audit.services import record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.portal.audit import record_applicant_event
from crm.portal.models import PortalAccount, PortalMessage

MAX_LENGTH = 5000


def thread(household_id: int) -> list[PortalMessage]:
    """The household's messages, oldest first, with their senders (two queries, whatever their number)."""
    return list(db.session.scalars(
        select(PortalMessage).where(PortalMessage.household_id == household_id)
        .options(selectinload(PortalMessage.account).selectinload(PortalAccount.person),
                 selectinload(PortalMessage.user))
        .order_by(PortalMessage.sent_at, PortalMessage.id)))


def _body(text: str | None) -> str:
    body = (text or "").replace("\x00", "").strip()
    if not body:
        raise DomainError("Enter your message", "body")
    if len(body) > MAX_LENGTH:
        raise DomainError(f"Your message must be {MAX_LENGTH:,} characters or fewer", "body")
    return body


def send_from_applicant(account: PortalAccount, text: str) -> PortalMessage:
    message = PortalMessage(household_id=account.household_id, from_applicant=True, account_id=account.id,
                            body=_body(text), sent_at=clock.now())
    db.session.add(message)
    db.session.flush()
    record_applicant_event(account, "portal_message_sent", message_id=message.id)
    return message


def send_from_worker(household, text: str, *, actor) -> PortalMessage:
    if not open_accounts(household.id):
        raise DomainError("Nobody in this household can read messages: invite them to the applicant portal first",
                          "body")
    message = PortalMessage(household_id=household.id, from_applicant=False, user_id=actor.id, body=_body(text),
                            sent_at=clock.now())
    db.session.add(message)
    db.session.flush()
    record_event(db.session, "portal_message_sent", actor=actor, object_type="household", object_id=household.id,
                 detail={"message_id": message.id})
    return message


def mark_read(household_id: int, *, by_applicant: bool) -> int:
    """The other side's unread messages are read now; returns how many."""
    result = db.session.execute(
        update(PortalMessage).where(PortalMessage.household_id == household_id,
                                    PortalMessage.from_applicant.is_(not by_applicant),
                                    PortalMessage.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return result.rowcount


def unread_count(household_id: int, *, by_applicant: bool) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(PortalMessage.id)).where(
        PortalMessage.household_id == household_id, PortalMessage.from_applicant.is_(not by_applicant),
        PortalMessage.read_at.is_(None)))


def open_accounts(household_id: int) -> list[PortalAccount]:
    """The household's accounts that can sign in (open, password set or invitation pending)."""
    return list(db.session.scalars(select(PortalAccount).where(
        PortalAccount.household_id == household_id, PortalAccount.closed_at.is_(None))
        .order_by(PortalAccount.id)))
