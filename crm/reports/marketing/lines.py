"""The line-level rows the marketing figures are computed from, each one query read into a DataFrame.

Contacts, attribution credits, spend, ROIs, campaigns and the monthly figures of a period. Nothing here names a
person: only ids.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select

from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind
from crm.households.models import Application
from crm.marketing.models import (AttributionCredit, Campaign, CampaignChannel, CampaignSpend, Channel,
                                  MarketingMetric)
from crm.reports.data.frames import read_frame
from crm.reports.data.london import london_days, received_between


def channels() -> pd.DataFrame:
    """Every channel: id, parent_id (None for a top-level channel), name, parent_name, active."""
    parent = select(Channel.id, Channel.name).subquery()
    query = (select(Channel.id, Channel.parent_id, Channel.name, parent.c.name.label("parent_name"), Channel.active)
             .outerjoin(parent, parent.c.id == Channel.parent_id).order_by(Channel.id))
    return _frame(query, ["id", "parent_id", "name", "parent_name", "active"])


def contacts(first: date, last: date) -> pd.DataFrame:
    """One row per contact received in the period: household_id, channel_id, campaign_id and its London `day`."""
    query = (select(EnquiryContact.household_id, EnquiryContact.channel_id, EnquiryContact.campaign_id,
                    EnquiryContact.received_at).where(received_between(first, last)))
    frame = _frame(query, ["household_id", "channel_id", "campaign_id", "received_at"])
    frame["day"] = london_days(frame.pop("received_at"))
    return frame


def contact_count(first: date, last: date) -> tuple[int, int]:
    """(contacts, distinct households) received from `first` to `last` (London dates, both included)."""
    query = select(func.count(), func.count(EnquiryContact.household_id.distinct())).where(
        received_between(first, last))
    contacts_, households = db.session.execute(query).one()
    return int(contacts_), int(households)


def credits(first: date, last: date) -> pd.DataFrame:
    """Every attribution credit of an outcome dated in the period, all models and both outcomes: model, outcome,
    household_id, channel_id, campaign_id, credit."""
    query = (select(AttributionCredit.model, AttributionCredit.outcome, AttributionCredit.household_id,
                    AttributionCredit.channel_id, AttributionCredit.campaign_id, AttributionCredit.credit)
             .where(AttributionCredit.outcome_on >= first, AttributionCredit.outcome_on <= last))
    frame = _frame(query, ["model", "outcome", "household_id", "channel_id", "campaign_id", "credit"])
    frame["credit"] = frame["credit"].astype(float)
    return frame


def credits_computed_at() -> datetime | None:
    """When the nightly job last computed the credits (None if it never has)."""
    return db.session.scalar(select(func.max(AttributionCredit.computed_at)))


def spend(first: date, last: date) -> pd.DataFrame:
    """Each campaign's spend in the period in pounds: every month's amount, times the share of the month's days that
    fall in the period (a period of 16 to 31 January takes 16/31 of January's spend)."""
    query = (select(CampaignSpend.campaign_id, CampaignSpend.month, CampaignSpend.amount_pence)
             .where(CampaignSpend.month >= first.replace(day=1), CampaignSpend.month <= last))
    frame = _frame(query, ["campaign_id", "month", "amount_pence"])
    months = pd.to_datetime(frame["month"])
    ends = months + pd.offsets.MonthEnd(0)
    overlap = (ends.clip(upper=pd.Timestamp(last)) - months.clip(lower=pd.Timestamp(first))).dt.days + 1
    share = overlap / months.dt.days_in_month
    amounts = frame["amount_pence"].astype(float) * share / 100
    return pd.DataFrame({"campaign_id": frame["campaign_id"], "amount": amounts})


def campaign_channels() -> pd.DataFrame:
    """Which channels each campaign runs on: campaign_id, channel_id."""
    return _frame(select(CampaignChannel.campaign_id, CampaignChannel.channel_id), ["campaign_id", "channel_id"])


def campaigns() -> pd.DataFrame:
    """Every campaign: id, name, start_on, end_on, service_line_code, target_audience."""
    query = select(Campaign.id, Campaign.name, Campaign.start_on, Campaign.end_on, Campaign.service_line_code,
                   Campaign.target_audience).order_by(Campaign.start_on, Campaign.name)
    frame = _frame(query, ["id", "name", "start_on", "end_on", "service_line_code", "target_audience"])
    for column in ("start_on", "end_on"):
        frame[column] = pd.Series([_as_date(value) for value in frame[column]], index=frame.index, dtype=object)
    return frame  # (a list, not Series.map, which would turn a missing end into NaN beside dates)


def roi_contacts(first: date, last: date) -> pd.DataFrame:
    """For each ROI dated in the period (live `registration_of_interest` events, one per application), the contacts
    of its household received on or before the ROI's date: application_id, household_id, roi_on, channel_id,
    campaign_id, day (the contact's London date)."""
    rois = (select(StageEvent.application_id, func.min(StageEvent.occurred_on).label("roi_on"))
            .where(StageEvent.kind == EventKind.REGISTRATION_OF_INTEREST, StageEvent.undone_at.is_(None),
                   StageEvent.occurred_on >= first, StageEvent.occurred_on <= last)
            .group_by(StageEvent.application_id).subquery())
    query = (select(rois.c.application_id, Application.household_id, rois.c.roi_on, EnquiryContact.channel_id,
                    EnquiryContact.campaign_id, EnquiryContact.received_at)
             .join(Application, Application.id == rois.c.application_id)
             .join(EnquiryContact, EnquiryContact.household_id == Application.household_id)
             .where(EnquiryContact.received_at < clock.start_of_london_day(last + timedelta(days=1))))
    frame = _frame(query, ["application_id", "household_id", "roi_on", "channel_id", "campaign_id", "received_at"])
    frame["roi_on"] = pd.to_datetime(frame["roi_on"])
    frame["day"] = london_days(frame.pop("received_at"))
    return frame[frame["day"] <= frame["roi_on"]]


def metrics(first: date, last: date) -> pd.DataFrame:
    """The monthly figures entered by hand for the months the period touches: month, metric, platform, value."""
    query = (select(MarketingMetric.month, MarketingMetric.metric, MarketingMetric.platform, MarketingMetric.value)
             .where(MarketingMetric.month >= first.replace(day=1), MarketingMetric.month <= last)
             .order_by(MarketingMetric.month, MarketingMetric.metric, MarketingMetric.platform))
    frame = _frame(query, ["month", "metric", "platform", "value"])
    frame["month"] = pd.Series([_as_date(value) for value in frame["month"]], index=frame.index, dtype=object)
    return frame


def _frame(query, columns: list[str]) -> pd.DataFrame:
    frame = read_frame(query)
    return frame.set_axis(columns, axis=1) if len(frame.columns) else pd.DataFrame(columns=columns)


def _as_date(value) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
