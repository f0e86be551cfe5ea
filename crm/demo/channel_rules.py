"""Demo UTM rules, matching the tags the demo's web enquiries carry (crm.demo.services.WEB_SOURCES); then the
contacts are matched to them and the attribution credits computed, so the marketing pages have figures from the
first start rather than after the first night."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.extensions import db
from crm.marketing.attribution.services import recompute
from crm.marketing.attribution.touchpoints import resolve_contacts
from crm.marketing.models import Channel, ChannelRule

# (priority, utm_source, utm_medium, utm_campaign, referrer contains, channel path): paid links first, then
# what the referring site alone tells, then the agency's own website as the catch-all.
DEFAULT_RULES = [
    (10, "google", "cpc", None, None, "digital > Google Ads"),
    (20, "facebook", None, None, None, "digital > Facebook"),
    (30, "instagram", None, None, None, "digital > Instagram"),
    (40, "youcanadopt", None, None, None, "national campaign > You Can Adopt"),
    (50, None, None, "council-newsletter", None, "print"),
    (60, None, None, None, "youcanadopt.org.uk", "national campaign > You Can Adopt"),
    (70, None, None, None, "facebook.com", "digital > Facebook"),
    (80, None, None, None, "instagram.com", "digital > Instagram"),
    (90, None, None, None, "agency.hearth.example", "digital > Agency website"),
]


def load_channel_rules(*, today: date) -> int:
    """Add the default rules (those whose channel the taxonomy has), apply them and compute the credits as of
    `today`; returns the rules added. The caller commits."""
    channels = {channel.path: channel for channel in db.session.scalars(select(Channel))}
    rules = [ChannelRule(priority=priority, utm_source=source, utm_medium=medium, utm_campaign=campaign,
                         referrer_contains=referrer, channel=channels[path], active=True)
             for priority, source, medium, campaign, referrer, path in DEFAULT_RULES if path in channels]
    db.session.add_all(rules)
    db.session.flush()
    resolve_contacts(db.session)
    recompute(db.session, today=today)
    return len(rules)
