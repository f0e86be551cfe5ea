"""Enquiry contacts: every time a household gets in touch, with how it heard and when it was answered."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum


class ContactMethod(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    EVENT = "event"
    WALK_IN = "walk_in"


class EnquiryContact(Base):
    """One contact; a household that enquires three times has three (SPEC section 5: contacts vs households)."""

    __tablename__ = "enquiry_contacts"
    __table_args__ = (
        # The queue of enquiries awaiting a first response reads only unanswered rows, by due time.
        Index("ix_enquiry_contacts_awaiting_response", "first_responded_at", "first_response_due_at"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    method: Mapped[ContactMethod] = mapped_column(str_enum(ContactMethod, "contact_method"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"), index=True)
    # The campaign as the enquirer or the imported tracker named it; marketing maps names to campaigns.
    campaign: Mapped[str | None] = mapped_column(String(200))
    # The campaign that name (or utm_campaign) resolves to, and whether channel_id was set by a UTM rule rather than
    # recorded by a person: both kept up to date by crm.marketing.attribution.touchpoints.resolve_contacts.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)
    channel_from_rule: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    referrer: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    # A retried web or API submission carries the same key and is stored once.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # SHA-256 of what the submission said (API): a retry under the same key must say the same.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    first_response_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    first_responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household = relationship("Household")
    channel = relationship("Channel")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


class PossibleMatch(Base):
    """A public or API enquiry that looks like a household Hearth already holds (same email and surname, same
    phone...). Nobody has confirmed it, so it was stored as a household of its own: knowing someone's email and
    surname must never let a stranger add to their record. An officer or manager says whether it is the same
    household (the enquiry then joins it: crm.enquiries.matches) or not."""

    __tablename__ = "possible_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("enquiry_contacts.id", ondelete="CASCADE"),
                                            index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    reasons: Mapped[str] = mapped_column(String(200))
    found_at: Mapped[datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))  # same | different | superseded

    contact = relationship("EnquiryContact")
    household = relationship("Household")
