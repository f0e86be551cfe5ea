"""Demo marketing records: campaigns on the seeded channels (their codes are the utm_campaign values the demo's web
enquiries carry, so attribution has something to show), their spend month by month, and a year of website visits
and social followers."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from crm.extensions import db
from crm.funnel.service_lines import ServiceLineCode
from crm.marketing.figures import SOCIAL_FOLLOWERS, SOCIAL_PLATFORMS, WEBSITE_VISITS
from crm.marketing.models import Campaign, CampaignSpend, Channel, MarketingMetric
from crm.marketing.services import campaign_months


@dataclass(frozen=True)
class DemoCampaign:
    name: str
    code: str | None
    channels: tuple[str, ...]  # paths, as the taxonomy names them
    starts: int  # months from this month (negative: before)
    months: int | None  # how many months it runs; None: no end date yet
    monthly_pounds: tuple[int, int]  # spend range per month
    audience: str | None = None
    service_line: str | None = None


# The codes match crm.demo.services.WEB_SOURCES, the names its CAMPAIGN_NAMES and the free text phone enquiries give.
CAMPAIGNS = [
    DemoCampaign("Autumn fostering drive", "autumn-fostering", ("digital > Facebook", "digital > Instagram"), -14, 3,
                 (1500, 3000), "Teenagers", ServiceLineCode.FOSTERING_MAINSTREAM),
    DemoCampaign("Adoption search ads", "adopt-search", ("digital > Google Ads",), -18, None, (400, 900),
                 service_line=ServiceLineCode.ADOPTION),
    DemoCampaign("Council newsletter", "council-newsletter", ("print",), -12, None, (0, 150)),
    DemoCampaign("National Adoption Week", "national-adoption-week", ("national campaign > You Can Adopt",), -13, 1,
                 (2000, 4000), "Sibling groups", ServiceLineCode.ADOPTION),
    DemoCampaign("Bus shelters spring", "bus-shelters-spring", ("outdoor > bus shelter",), -8, 2, (3500, 5000),
                 "Black adopters", ServiceLineCode.ADOPTION),
    DemoCampaign("Word of mouth week", None, ("word of mouth", "faith and community group"), -6, 1, (100, 300)),
    DemoCampaign("Pride stall summer", None, ("event > Pride stall",), -4, 1, (250, 600), "LGBTQ+"),
    DemoCampaign("Radio for foster carers", "radio-fostering", ("radio",), 1, 2, (1800, 2500),
                 "Parent and child placements", ServiceLineCode.FOSTERING_MAINSTREAM),
]
# Followers on the platforms a year ago, and how many a month each gains (roughly).
FOLLOWERS = {"facebook": (2400, 35), "instagram": (1100, 60), "x": (800, 4), "tiktok": (150, 45),
             "linkedin": (300, 12), "other": (40, 2)}


def load_marketing(*, seed: int, today: date) -> None:
    """Campaigns with their spend, and twelve months of figures; then the demo's contacts are matched to the
    campaigns they name (crm.marketing.attribution.touchpoints owns the matching). The caller commits."""
    rng = random.Random(seed)
    channels = _channels_by_path()
    for plan in CAMPAIGNS:
        campaign = _campaign(plan, channels, rng, today)
        db.session.add(campaign)
        db.session.flush()
        _spend(campaign, plan, rng, today)
    _figures(rng, today)
    db.session.flush()
    from crm.marketing.attribution.touchpoints import resolve_contacts

    resolve_contacts(db.session)


def _channels_by_path() -> dict[str, Channel]:
    return {channel.path: channel for channel in db.session.scalars(select(Channel))}


def _campaign(plan: DemoCampaign, channels: dict[str, Channel], rng, today: date) -> Campaign:
    start = today.replace(day=1) + relativedelta(months=plan.starts) + timedelta(days=rng.randint(0, 9))
    end = None if plan.months is None else start.replace(day=1) + relativedelta(months=plan.months) - timedelta(1)
    return Campaign(name=plan.name, code=plan.code, start_on=start, end_on=end, target_audience=plan.audience,
                    service_line_code=plan.service_line,
                    channels=[channels[path] for path in plan.channels if path in channels])


def _spend(campaign: Campaign, plan: DemoCampaign, rng, today: date) -> None:
    """Spend for each month the campaign touches, up to this month (planned campaigns have spent nothing yet)."""
    low, high = plan.monthly_pounds
    for month in campaign_months(campaign, today):
        if month <= today:
            pence = rng.randint(low, high) * 100 + rng.choice([0, 0, 50, 99])
            db.session.add(CampaignSpend(campaign_id=campaign.id, month=month, amount_pence=pence))


def _figures(rng, today: date) -> None:
    """The twelve months before this one: visits with a lift in the autumn, followers growing."""
    first = today.replace(day=1) - relativedelta(months=12)
    for index in range(12):
        month = first + relativedelta(months=index)
        autumn = 1.3 if month.month in (9, 10, 11) else 1.0
        db.session.add(MarketingMetric(month=month, metric=WEBSITE_VISITS, platform="",
                                       value=int(rng.randint(6500, 9000) * autumn)))
        for platform in SOCIAL_PLATFORMS:
            start, gain = FOLLOWERS[platform]
            db.session.add(MarketingMetric(month=month, metric=SOCIAL_FOLLOWERS, platform=platform,
                                           value=start + gain * index + rng.randint(0, gain // 2 + 3)))
