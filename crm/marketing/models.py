"""The two-level channel taxonomy (SPEC section 6): how households heard about the service."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base


class Channel(Base):
    """A channel (`digital`) or a channel within one (`digital > Google Ads`)."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Channel | None] = relationship(remote_side=[id])

    @property
    def path(self) -> str:
        return f"{self.parent.name} > {self.name}" if self.parent else self.name
