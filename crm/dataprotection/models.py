"""Retention rules an administrator configures, and the tombstones erasures leave (SPEC section 8)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base


class RetentionRule(Base):
    """How long after it became due a household's record is anonymised, per rule (crm.dataprotection.retention
    says which rule a household falls under); no period means the records are kept."""

    __tablename__ = "retention_rules"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period_years: Mapped[int | None]
    position: Mapped[int]
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    updated_by = relationship("User")


class Erasure(Base):
    """The tombstone of an erased household: which record, when, by whom and why; never a personal value. The
    household's row stays (anonymised in place), so every report counts it as before."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(40))
    erased_at: Mapped[datetime] = mapped_column(default=clock.now)
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)

    erased_by = relationship("User")
