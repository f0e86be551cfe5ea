"""Campaigns and their spend per month (SPEC section 6), and what every marketing service shares.

Every change is audited and flushed; the caller commits, or rolls back when a DomainError says why the change
was refused. Nothing here touches personal data: these are the marketing officer's own records. The channel
taxonomy is in crm.marketing.channels, the monthly figures in crm.marketing.figures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm.audit.services import record_event
from crm.enquiries.models import EnquiryContact
from crm.errors import DomainError
from crm.extensions import db
from crm.formatting import month_name
from crm.households.models import ServiceLine
from crm.marketing.models import Campaign, CampaignSpend, Channel

TARGET_AUDIENCES = ("Sibling groups", "Black adopters", "LGBTQ+", "Older children", "Children with disabilities",
                    "Early permanence carers", "Teenagers", "Parent and child placements")
MAX_SPEND_PENCE = 10_000_000 * 100


def clean_name(name: str | None) -> str:
    """Spaces trimmed and runs of spaces made one, so names that look the same are the same."""
    return " ".join((name or "").split())


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def flush_or_refuse(message: str, field: str) -> None:
    """Flush; a uniqueness race with another user (the checks before it passed) becomes a clear refusal."""
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError(message, field) from error


# Campaigns

@dataclass
class CampaignDetails:
    name: str
    start_on: date
    code: str | None = None
    end_on: date | None = None
    channel_ids: tuple[int, ...] = ()
    target_audience: str | None = None
    service_line_code: str | None = None
    notes: str | None = None


def campaign_status(campaign: Campaign, today: date) -> str:
    """planned (not started), running, or ended (its end date has passed)."""
    if campaign.start_on > today:
        return "planned"
    return "ended" if campaign.end_on is not None and campaign.end_on < today else "running"


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    status: str
    spend_pence: int


def campaign_rows(today: date) -> list[CampaignRow]:
    """Every campaign, the latest start first, with its status and total spend."""
    totals = dict(db.session.execute(select(CampaignSpend.campaign_id, func.sum(CampaignSpend.amount_pence))
                                     .group_by(CampaignSpend.campaign_id)).all())
    campaigns = db.session.scalars(select(Campaign).options(selectinload(Campaign.channels)
                                                            .selectinload(Channel.parent))
                                   .order_by(Campaign.start_on.desc(), Campaign.name))
    return [CampaignRow(c, campaign_status(c, today), int(totals.get(c.id) or 0)) for c in campaigns]


def create_campaign(details: CampaignDetails, *, actor) -> Campaign:
    campaign = Campaign()
    _apply(campaign, details)
    db.session.add(campaign)
    flush_or_refuse("Another campaign has just been saved with this name or code", "name")
    record_event(db.session, "campaign_created", actor=actor, object_type="campaign", object_id=campaign.id,
                 detail={"after": _snapshot(campaign)})
    _resolve_contacts(campaign)
    return campaign


def update_campaign(campaign: Campaign, details: CampaignDetails, *, actor) -> None:
    before = _snapshot(campaign)
    _apply(campaign, details)
    flush_or_refuse("Another campaign has just been saved with this name or code", "name")
    after = _snapshot(campaign)
    record_event(db.session, "campaign_changed", actor=actor, object_type="campaign", object_id=campaign.id,
                 detail={"before": before, "after": after})
    if (before["name"], before["code"]) != (after["name"], after["code"]):
        _resolve_contacts(campaign)


def _apply(campaign: Campaign, details: CampaignDetails) -> None:
    """Check the details against every rule, then copy them onto the campaign."""
    name, code = clean_name(details.name), (details.code or "").strip() or None
    _check_campaign_keys(name, code, campaign.id)
    if details.end_on is not None and details.end_on < details.start_on:
        raise DomainError("The end date must be the same as or after the start date", "end_on")
    _check_spend_within(campaign, details.start_on, details.end_on)
    if details.service_line_code and db.session.get(ServiceLine, details.service_line_code) is None:
        raise DomainError("Choose a service line from the list", "service_line")
    campaign.channels = _campaign_channels(campaign, details.channel_ids)
    campaign.name, campaign.code = name, code
    campaign.start_on, campaign.end_on = details.start_on, details.end_on
    campaign.target_audience = clean_name(details.target_audience) or None
    campaign.service_line_code = details.service_line_code or None
    campaign.notes = (details.notes or "").strip() or None


def _check_campaign_keys(name: str, code: str | None, own_id: int | None) -> None:
    """Contacts name a campaign by its name or its code, without regard to case: each must pick out one campaign."""
    if not name:
        raise DomainError("Enter the name of the campaign", "name")
    for value, field, label in ((name, "name", "name"), (code, "code", "code")):
        if value is None:
            continue
        clash = db.session.scalar(select(Campaign).where(
            or_(func.lower(Campaign.name) == value.lower(), func.lower(Campaign.code) == value.lower()),
            Campaign.id != (own_id or 0)))
        if clash is not None:
            taken = "name" if clash.name.lower() == value.lower() else "code"
            raise DomainError(f"The campaign {clash.name} already has this as its {taken}: choose another "
                              f"{label}", field)


def _campaign_channels(campaign: Campaign, channel_ids: tuple[int, ...]) -> list[Channel]:
    """The chosen channels; an inactive channel may stay on a campaign that had it, but not be newly chosen."""
    chosen = list(db.session.scalars(select(Channel).where(Channel.id.in_(set(channel_ids))).order_by(Channel.id)))
    kept = {channel.id for channel in campaign.channels}
    if len(chosen) != len(set(channel_ids)) or any(not c.active and c.id not in kept for c in chosen):
        raise DomainError("Choose channels from the list", "channels")
    return chosen


def _snapshot(campaign: Campaign) -> dict:
    return {"name": campaign.name, "code": campaign.code, "start_on": campaign.start_on.isoformat(),
            "end_on": campaign.end_on.isoformat() if campaign.end_on else None,
            "channels": [channel.path for channel in campaign.channels], "target_audience": campaign.target_audience,
            "service_line": campaign.service_line_code, "notes": campaign.notes}


def _resolve_contacts(campaign: Campaign) -> None:
    """Contacts that named the campaign before, or name it now, are matched again (by
    crm.marketing.attribution.touchpoints, which owns the matching)."""
    from crm.marketing.attribution.touchpoints import resolve_contacts

    keys = [key.lower() for key in (campaign.name, campaign.code) if key]
    ids = list(db.session.scalars(select(EnquiryContact.id).where(or_(
        EnquiryContact.campaign_id == campaign.id, func.lower(EnquiryContact.campaign).in_(keys),
        func.lower(EnquiryContact.utm_campaign).in_(keys)))))
    if ids:
        resolve_contacts(db.session, contact_ids=ids)


def service_line_names() -> dict[str, str]:
    return dict(db.session.execute(select(ServiceLine.code, ServiceLine.name).order_by(ServiceLine.code)).all())


def audience_suggestions() -> list[str]:
    """The usual audiences and every audience a campaign has named, for the form's suggestions."""
    named = db.session.scalars(select(Campaign.target_audience).where(Campaign.target_audience.is_not(None))
                               .distinct())
    return sorted({*TARGET_AUDIENCES, *named}, key=str.lower)


# Spend per month

def campaign_months(campaign: Campaign, today: date) -> list[date]:
    """The months the campaign touches: from its start to its end, or to this month when it has no end date."""
    last = first_of_month(campaign.end_on or max(today, campaign.start_on))
    month, months = first_of_month(campaign.start_on), []
    while month <= last:
        months.append(month)
        month += relativedelta(months=1)
    return months


def spend_by_month(campaign: Campaign) -> dict[date, int]:
    rows = db.session.execute(select(CampaignSpend.month, CampaignSpend.amount_pence)
                              .where(CampaignSpend.campaign_id == campaign.id).order_by(CampaignSpend.month))
    return {month: amount for month, amount in rows}


def set_spend(campaign: Campaign, month: date, amount_pence: int, *, actor, today: date) -> int | None:
    """Record (or replace) what the campaign spent in a month it touches; returns the amount it replaced."""
    month = first_of_month(month)
    if month not in campaign_months(campaign, today):
        raise DomainError(_outside_message(campaign, month, today), "month")
    if not 0 <= amount_pence < MAX_SPEND_PENCE:
        raise DomainError("The amount must be £0 or more and less than £10,000,000", "amount")
    spend = db.session.scalar(select(CampaignSpend).where(CampaignSpend.campaign_id == campaign.id,
                                                          CampaignSpend.month == month))
    before = spend.amount_pence if spend else None
    if spend is None:
        spend = CampaignSpend(campaign_id=campaign.id, month=month)
        db.session.add(spend)
    spend.amount_pence = amount_pence
    flush_or_refuse(f"Spend for {month_name(month)} has just been saved by someone else: check it and try again",
                    "month")
    record_event(db.session, "campaign_spend_set", actor=actor, object_type="campaign", object_id=campaign.id,
                 detail={"month": month.isoformat(), "before_pence": before, "after_pence": amount_pence})
    return before


def remove_spend(campaign: Campaign, month: date, *, actor) -> None:
    spend = db.session.scalar(select(CampaignSpend).where(CampaignSpend.campaign_id == campaign.id,
                                                          CampaignSpend.month == first_of_month(month)))
    if spend is None:
        raise DomainError(f"No spend is recorded for {month_name(month)}", "month")
    record_event(db.session, "campaign_spend_removed", actor=actor, object_type="campaign", object_id=campaign.id,
                 detail={"month": spend.month.isoformat(), "before_pence": spend.amount_pence})
    db.session.delete(spend)
    db.session.flush()


def _outside_message(campaign: Campaign, month: date, today: date) -> str:
    months = campaign_months(campaign, today)
    if campaign.end_on is None and month > months[-1]:
        return (f"The campaign has no end date, so spend can be entered up to {month_name(months[-1])}: "
                "add an end date to enter spend planned further ahead")
    return (f"{month_name(month)} is outside the campaign, which runs from {month_name(months[0])} "
            f"to {month_name(months[-1])}")


def _check_spend_within(campaign: Campaign, start_on: date, end_on: date | None) -> None:
    """New dates may not leave recorded spend outside the campaign."""
    if campaign.id is None:
        return
    first, last = first_of_month(start_on), first_of_month(end_on) if end_on else None
    outside = [m for m in spend_by_month(campaign) if m < first or (last and m > last)]
    if outside:
        raise DomainError(f"Spend is recorded for {month_name(outside[0])}, outside these dates: change the "
                          "dates, or remove that spend first", "start_on" if outside[0] < first else "end_on")


