"""The applicant portal's records: applicants' accounts, one-time sign-in codes, consents to checks, messages."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.auth.models import new_session_token
from crm.auth.passwords import NO_PASSWORD
from crm.db import Base, str_enum


class ConsentKind(StrEnum):
    DBS = "dbs"
    MEDICAL = "medical"
    LOCAL_AUTHORITY = "local_authority"
    OVERSEAS = "overseas"


class PortalAccount(Base):
    """An adult of a household invited to the portal: one per person. The applicant is not a staff user: the
    account signs in to /my/ only, with its own session key (crm.portal.auth)."""

    __tablename__ = "portal_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    # Lower case; None once anonymised. One open account per address is a rule of crm.portal.accounts.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    password_hash: Mapped[str] = mapped_column(String(200), default=NO_PASSWORD)
    # Rotated on sign-in with a password set, on closing: a session holding an older one is signed out.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    failed_sign_in_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    invitation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None]
    invitation_expires_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household = relationship("Household")
    person = relationship("Person")

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def audit_label(self) -> str:
        """How the audit log names the applicant: no name or address, which the log would keep past erasure."""
        return f"applicant (portal account {self.id})"


class PortalCode(Base):
    """A one-time sign-in code sent by email: only its keyed hash is kept; 15 minutes, 5 attempts, used once."""

    __tablename__ = "portal_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class PortalConsent(Base):
    """An adult's consent to one kind of check, given through the portal; withdrawing keeps the row, dated."""

    __tablename__ = "portal_consents"
    __table_args__ = (Index("ix_portal_consents_person_kind", "person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[ConsentKind] = mapped_column(str_enum(ConsentKind, "consent_kind"))
    given_at: Mapped[datetime] = mapped_column(default=clock.now)
    given_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]


class PortalMessage(Base):
    """A message between the household and its worker. Email tells the other side only that there is one."""

    __tablename__ = "portal_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    from_applicant: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]

    account = relationship("PortalAccount")
    user = relationship("User")
