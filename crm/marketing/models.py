"""The two-level channel taxonomy and the campaigns (SPEC section 6): how households heard about the service."""
from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
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


class Campaign(Base):
    """A marketing campaign (SPEC section 6): its channels, dates, audience and service line; spend per month is
    entered against it. Contacts name a campaign by `name` (phone, import) or by `code` (the web form's
    `utm_campaign`); both are matched without regard to case."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str | None] = mapped_column(String(200), unique=True)  # the utm_campaign value, when it has one
    start_on: Mapped[date]
    end_on: Mapped[date | None]
    target_audience: Mapped[str | None] = mapped_column(String(200))
    service_line_code: Mapped[str | None] = mapped_column(ForeignKey("service_lines.code"))
    notes: Mapped[str | None] = mapped_column(Text)

    channels: Mapped[list[Channel]] = relationship(secondary="campaign_channels", order_by="Channel.id")

    __table_args__ = (CheckConstraint("end_on IS NULL OR end_on >= start_on", name="campaign_dates_in_order"),)


class CampaignChannel(Base):
    """Which channels a campaign runs on."""

    __tablename__ = "campaign_channels"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), primary_key=True)
