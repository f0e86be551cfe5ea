"""The two-level channel taxonomy and the campaigns (SPEC section 6): how households heard about the service."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.db import Base, BigIntKey


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


class CampaignSpend(Base):
    """What a campaign spent in one calendar month (`month` is its first day), in pence: spend is entered per month
    so a campaign across months is costed month by month."""

    __tablename__ = "campaign_spend"
    __table_args__ = (UniqueConstraint("campaign_id", "month"),
                      CheckConstraint("amount_pence >= 0", name="spend_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]
    amount_pence: Mapped[int] = mapped_column(BigInteger)


class MarketingMetric(Base):
    """A figure entered by hand for a month (SPEC section 6): website visits, social followers per platform."""

    __tablename__ = "marketing_metrics"
    __table_args__ = (UniqueConstraint("month", "metric", "platform"),
                      CheckConstraint("value >= 0", name="metric_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    metric: Mapped[str] = mapped_column(String(60))  # website_visits, social_followers, ...
    platform: Mapped[str] = mapped_column(String(60), default="")  # "" for a metric with no platform
    value: Mapped[int] = mapped_column(BigInteger)


class ChannelRule(Base):
    """Maps a web contact's UTM source / medium / campaign (or referrer) to a channel: the rules are tried in
    `priority` order, the first whose every given field matches (without regard to case) wins."""

    __tablename__ = "channel_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int] = mapped_column(default=100)
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    referrer_contains: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    active: Mapped[bool] = mapped_column(default=True)

    channel: Mapped[Channel] = relationship()


class AttributionCredit(Base):
    """One touch's share of one outcome under one model, as the nightly job last computed it. Credits of
    one (model, outcome, application) sum to 1."""

    __tablename__ = "attribution_credits"
    __table_args__ = (UniqueConstraint("model", "outcome", "application_id", "position"),
                      Index("ix_attribution_credits_model_outcome_on", "model", "outcome", "outcome_on"))

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    model: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(20))  # roi | approval
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    outcome_on: Mapped[date]
    position: Mapped[int]  # the touch's place in the journey, from 0
    touched_on: Mapped[date]
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    credit: Mapped[float]
    computed_at: Mapped[datetime]
