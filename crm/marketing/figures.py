"""The monthly figures entered by hand for the marketing dashboard (SPEC section 6): website visits, and social
followers per platform. One value per (month, metric, platform); `platform` is "" for website visits and a lower-case
key of SOCIAL_PLATFORMS for followers. Audited; the caller commits.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select

from crm.audit.services import record_event
from crm.errors import DomainError
from crm.extensions import db
from crm.formatting import month_name
from crm.marketing.models import MarketingMetric
from crm.marketing.services import clean_name, first_of_month, flush_or_refuse

WEBSITE_VISITS, SOCIAL_FOLLOWERS = "website_visits", "social_followers"
# The platforms whose followers are counted: the key as stored (lower case), and the name shown.
SOCIAL_PLATFORMS = {"facebook": "Facebook", "instagram": "Instagram", "x": "X", "tiktok": "TikTok",
                    "linkedin": "LinkedIn", "other": "Other"}
MAX_FIGURE = 10**12


def figure_keys() -> list[tuple[str, str]]:
    """(metric, platform) of every figure entered by hand, in the order the table shows them."""
    return [(WEBSITE_VISITS, "")] + [(SOCIAL_FOLLOWERS, platform) for platform in SOCIAL_PLATFORMS]


def normalise_platform(platform: str | None) -> str:
    return clean_name(platform).lower()


def monthly_figures() -> dict[date, dict[tuple[str, str], int]]:
    """Every month with a figure, the latest first: {month: {(metric, platform): value}}."""
    figures: dict[date, dict[tuple[str, str], int]] = {}
    for row in db.session.scalars(select(MarketingMetric).order_by(MarketingMetric.month.desc())):
        figures.setdefault(row.month, {})[(row.metric, row.platform)] = row.value
    return figures


def month_has_figures(month: date) -> bool:
    return bool(db.session.scalar(select(exists().where(MarketingMetric.month == first_of_month(month)))))


def set_month_figures(month: date, values: dict[tuple[str, str], int | None], *, actor) -> None:
    """Make the month's figures these: a value replaces the one saved, None removes it."""
    month, values = first_of_month(month), _checked(values)
    stored = {(m.metric, m.platform): m for m in db.session.scalars(
        select(MarketingMetric).where(MarketingMetric.month == month))}
    changes = {}
    for key, value in values.items():
        before = stored[key].value if key in stored else None
        if value != before:
            _store_figure(month, key, value, stored.get(key))
            changes[f"{key[0]}:{key[1]}" if key[1] else key[0]] = [before, value]
    flush_or_refuse(f"Figures for {month_name(month)} have just been saved by someone else: check them",
                    "website_visits")
    if changes:
        record_event(db.session, "marketing_figures_set", actor=actor, object_type="marketing_month",
                     object_id=month.isoformat(), detail={"changes": changes})


def _checked(values: dict[tuple[str, str], int | None]) -> dict[tuple[str, str], int | None]:
    """The values with their platforms in lower case; refused unless each is a known figure of 0 or more."""
    values = {(metric, normalise_platform(platform)): value for (metric, platform), value in values.items()}
    if set(values) - set(figure_keys()):
        raise DomainError("Enter figures only for website visits and the platforms listed", "website_visits")
    if any(value is not None and not (isinstance(value, int) and 0 <= value < MAX_FIGURE)
           for value in values.values()):
        raise DomainError("Figures must be whole numbers of 0 or more", "website_visits")
    return values


def _store_figure(month: date, key: tuple[str, str], value: int | None, row: MarketingMetric | None) -> None:
    if value is None:
        db.session.delete(row)
    elif row is None:
        db.session.add(MarketingMetric(month=month, metric=key[0], platform=key[1], value=value))
    else:
        row.value = value
