"""Referees named for a reference check, the one-time links sent to them, and the references they give."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum


class RefereeKind(StrEnum):
    """Which reference check a referee answers (the check type's code says which: crm.references.rules)."""

    PERSONAL = "personal"
    EMPLOYER = "employer"
    EX_PARTNER = "ex_partner"
    PREVIOUS_FOSTERING = "previous_fostering"

    @property
    def label(self) -> str:
        return {RefereeKind.PERSONAL: "Personal referee", RefereeKind.EMPLOYER: "Employer",
                RefereeKind.EX_PARTNER: "Ex-partner",
                RefereeKind.PREVIOUS_FOSTERING: "Previous fostering service"}[self]


class Referee(Base):
    """Someone named to give a reference for an application, for one of its reference checks."""

    __tablename__ = "referees"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RefereeKind] = mapped_column(str_enum(RefereeKind, "referee_kind"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    relationship_to_applicant: Mapped[str | None] = mapped_column(String(200))
    is_family: Mapped[bool] = mapped_column(default=False)
    years_known: Mapped[int | None]
    named_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Who named them: a staff user, or the applicant through the portal (their account's id).
    named_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    named_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="SET NULL"))

    check = relationship("CheckInstance")
    application = relationship("Application")
    links: Mapped[list[RefereeLink]] = relationship(back_populates="referee", cascade="all, delete-orphan",
                                                    order_by="RefereeLink.id")
    reference: Mapped[Reference | None] = relationship(back_populates="referee", cascade="all, delete-orphan",
                                                       uselist=False)

    @property
    def live_link(self) -> RefereeLink | None:
        """The link that may still be answered (or was), if any: the newest not revoked."""
        return next((link for link in reversed(self.links) if link.revoked_at is None), None)

    @property
    def link_sent(self) -> bool:
        return any(link.sent_at is not None for link in self.links)


class RefereeLink(Base):
    """One one-time link to the reference form. Only the token's SHA-256 is kept; the referee's email holds it."""

    __tablename__ = "referee_links"
    __table_args__ = (
        # At most one link a referee may answer: a re-send revokes the old one before it makes the new.
        Index("uq_referee_links_live", "referee_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
        CheckConstraint("sent_count >= 0", name="sent_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    referee_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("referees.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_count: Mapped[int] = mapped_column(default=0)
    reminded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]

    referee: Mapped[Referee] = relationship(back_populates="links")


class Reference(Base):
    """A referee's answers to the structured reference form (the form checks their shape: crm.references.forms)."""

    __tablename__ = "referee_references"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    referee_id: Mapped[int] = mapped_column(BigIntKey, ForeignKey("referees.id", ondelete="CASCADE"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)
    years_known: Mapped[int]
    how_known: Mapped[str] = mapped_column(Text)
    with_children: Mapped[str] = mapped_column(Text)
    home: Mapped[str] = mapped_column(Text)
    relationships: Mapped[str] = mapped_column(Text)
    has_concerns: Mapped[bool]
    concerns: Mapped[str | None] = mapped_column(Text)
    willing_to_be_contacted: Mapped[bool]
    declaration: Mapped[bool]

    referee: Mapped[Referee] = relationship(back_populates="reference")
