"""Stage events: the dated history of every application, with who recorded each event and when."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum
from crm.funnel.stages import EventKind, WithdrawingParty


class StageEvent(Base):
    __tablename__ = "stage_events"
    __table_args__ = (Index("ix_stage_events_kind_occurred_on", "kind", "occurred_on"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    # The date the thing happened (may be back-dated); recorded_at is when it was entered.
    occurred_on: Mapped[date]
    party: Mapped[WithdrawingParty | None] = mapped_column(str_enum(WithdrawingParty, "withdrawing_party"))
    # A withdrawal's reason from the managed list (crm.funnel.reasons); `reason` is then its note, if any.
    withdrawal_reason_id: Mapped[int | None] = mapped_column(ForeignKey("withdrawal_reasons.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # For timescale_extended: how many days the stage's timescale is extended by.
    extension_days: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    # A manager's undo leaves the event in place, marked, so the trace stays.
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undo_reason: Mapped[str | None] = mapped_column(Text)

    application = relationship("Application", back_populates="events")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
