"""A checked upload kept for an hour, so that "Import these rows" after a clean dry run needs no second upload."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from crm import clock
from crm.db import Base


class PendingImport(Base):
    """The file's bytes, readable only by the user who uploaded it (the id is random and looked up with the user's
    id); deleted once imported, and refused (then deleted) after an hour."""

    __tablename__ = "pending_imports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
