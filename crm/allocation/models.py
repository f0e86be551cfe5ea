"""One change of a household's allocation (SPEC section 1): who it passed from, to whom, why, who decided, when."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum


class AllocationReason(StrEnum):
    TAKEN = "taken"
    STAGE_1 = "stage_1"
    STAGE_2 = "stage_2"
    REALLOCATED = "reallocated"
    WORKER_LEAVING = "worker_leaving"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    AllocationReason.TAKEN: "Enquiry taken",
    AllocationReason.STAGE_1: "Handed over: Stage 1 started",
    AllocationReason.STAGE_2: "Handed over: Stage 2 started",
    AllocationReason.REALLOCATED: "Reallocated by a manager",
    AllocationReason.WORKER_LEAVING: "Reallocated: all of a worker's cases",
}


class Allocation(Base):
    """A row per change; the household row holds the current worker and team, this the history."""

    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_household_changed", "household_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    previous_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    previous_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    reason: Mapped[AllocationReason] = mapped_column(str_enum(AllocationReason, "allocation_reason"))
    checks_moved: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    worker = relationship("User", foreign_keys=[worker_id])
    team = relationship("Team", foreign_keys=[team_id])
    previous_worker = relationship("User", foreign_keys=[previous_worker_id])
    previous_team = relationship("Team", foreign_keys=[previous_team_id])
    changed_by = relationship("User", foreign_keys=[changed_by_id])
