"""A withdrawal reason: one entry of the administrators' list, in use or retired, in its place in the list."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base


class WithdrawalReason(Base):
    __tablename__ = "withdrawal_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # "Other": a withdrawal with this reason must say in a note what the reason was.
    needs_text: Mapped[bool] = mapped_column(default=False)
    # A retired reason is no longer offered; withdrawals already recorded with it keep it.
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int]
