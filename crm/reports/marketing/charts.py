"""How the marketing dashboard shows the attribution report: its sections, charts, headings and cells.

Each section is a chart drawn on the server (crm.reports.render.charts) with the table it is drawn from beside it.
Charts draw only what the tables show: a suppressed ("<5") figure is left out of the chart, never drawn.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from markupsafe import Markup

from crm import formatting
from crm.marketing.figures import SOCIAL_PLATFORMS
from crm.marketing.suppression import SUPPRESSED
from crm.reports.base import Report
from crm.reports.marketing.attribution import MODEL_LABELS, MODELS
from crm.reports.marketing.report import OUTCOMES
from crm.reports.render import charts
from crm.reports.render.exports import plain

MAX_CAMPAIGN_CHARTS = 3  # the campaigns that spent most; the table has them all
MONEY = {"spend", "cost_per_enquiry", "cost_per_roi", "cost_per_approval"}
RATES = {"conversion_to_roi", "conversion_to_approval"}
# In the files, not on the page: a sub-channel's name says its channel; a campaign's dates, audience and channels
# are in the campaign table above the tables by model.
HIDDEN_COLUMNS = {"level"}
DESCRIPTION = ("start_on", "end_on", "service_line", "target_audience", "channels")
HEADINGS = {"channel": "Channel", "campaign": "Campaign", "start_on": "Starts", "end_on": "Ends",
            "service_line": "Service line", "target_audience": "Audience", "channels": "Channels",
            "contacts": "Contacts", "households": "Households", "rois": "ROIs ({model})",
            "approvals": "Approvals ({model})", "rois_last_touch": "ROIs (last touch)",
            "approvals_last_touch": "Approvals (last touch)", "conversion_to_roi": "ROIs per household",
            "conversion_to_approval": "Approvals per household", "spend": "Spend in the period",
            "cost_per_enquiry": "Cost per enquiry", "cost_per_roi": "Cost per ROI ({model})",
            "cost_per_approval": "Cost per approval ({model})", "median_days_to_roi": "Median days, enquiry to ROI",
            "window_from": "Campaign window starts", "window_to": "ends", "before_from": "Window before starts",
            "before_to": "ends", "contacts_during": "Contacts in the window", "contacts_before": "Contacts before",
            "difference": "Difference", "ratio": "Ratio", "month": "Month", **MODEL_LABELS}
CAPTIONS = {"channels": "Figures by channel", "campaigns": "Figures by campaign",
            "channel_credits_by_model": "{outcomes} credited to each channel under each model",
            "campaign_credits_by_model": "{outcomes} credited to each campaign under each model",
            "campaign_cost_by_model": "Cost per {outcome} under each model",
            "campaign_lift": "Enquiry contacts (all channels) during each campaign and in the same number of days "
                             "before it",
            "monthly_metrics": "Monthly figures entered by hand"}


@dataclass(frozen=True)
class Section:
    heading: str
    draw: Callable[[Report], list[tuple[str, str]]]  # (caption, svg) for each chart
    tables: tuple[str, ...]


def contacts_by_channel(report: Report) -> list[tuple[str, str]]:
    rows = report.tables["channels"]
    return _chart("Enquiry contacts by channel", [(row.channel, row.contacts) for row in
                                                  rows[rows["level"] == 1].itertuples()])


def cost_by_model(report: Report) -> list[tuple[str, str]]:
    """One chart per campaign (those that spent most in the period): its cost per outcome under each model."""
    outcome = OUTCOMES[report.params.outcome]
    costs = report.tables["campaign_cost_by_model"].sort_values("spend", ascending=False, kind="stable")
    shown = []
    for row in costs[costs["spend"] > 0].head(MAX_CAMPAIGN_CHARTS).to_dict("records"):
        shown += _chart(f"{row['campaign']}: cost per {outcome} under each model",
                        [(MODEL_LABELS[model], row[model]) for model in MODELS], money=True)
    return shown


def campaign_lift(report: Report) -> list[tuple[str, str]]:
    bars = [(f"{row.campaign}: {when}", value) for row in report.tables["campaign_lift"].itertuples()
            for when, value in (("before", row.contacts_before), ("during", row.contacts_during))]
    return _chart("Enquiry contacts before and during each campaign", bars)


def website_visits(report: Report) -> list[tuple[str, str]]:
    table = report.tables["monthly_metrics"]
    if "website_visits" not in table.columns:
        return []
    bars = [charts.Bar(formatting.month_label(row.month), row.website_visits)
            for row in table.itertuples() if _drawable(row.website_visits)]
    return [("Website visits by month", charts.columns(bars, "Website visits by month"))] if bars else []


def _chart(title: str, values: list[tuple[str, object]], *, money: bool = False) -> list[tuple[str, str]]:
    """Horizontal bars of the values shown as numbers (as pounds and pence with `money`); the caption says when some
    ("<5" or blank) are left out."""
    bars = [charts.Bar(label, plain(value), text=formatting.money(plain(value)) if money else "")
            for label, value in values if _drawable(value)]
    caption_ = title if len(bars) == len(values) else f"{title} (figures shown as <5 or blank are left out)"
    return [(caption_, charts.funnel(bars, title))] if bars else []


def _drawable(value) -> bool:
    """A figure that is shown as a number (not "<5", not blank)."""
    value = plain(value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


SECTIONS = (Section("Channels", contacts_by_channel, ("channels",)),
            Section("Campaigns", cost_by_model, ("campaigns", "campaign_cost_by_model", "campaign_credits_by_model")),
            Section("The attribution models side by side", lambda report: [], ("channel_credits_by_model",)),
            Section("Campaign lift", campaign_lift, ("campaign_lift",)),
            Section("Website and social media", website_visits, ("monthly_metrics",)))


def columns(table: str, frame, report: Report) -> list[str]:
    """The table's columns shown on the page (under the last-touch model, its columns once, not twice)."""
    hidden = HIDDEN_COLUMNS | (set(DESCRIPTION) if table.endswith("_by_model") else set())
    if report.params.model == "last_touch":
        hidden |= {"rois_last_touch", "approvals_last_touch"}
    return [column for column in frame.columns if column not in hidden]


def caption(table: str, report: Report) -> str:
    outcome = OUTCOMES[report.params.outcome]
    return CAPTIONS[table].format(outcome=outcome, outcomes=("ROIs" if outcome == "ROI" else "Approvals"))


def heading(column: str, report: Report) -> str:
    model = MODEL_LABELS[report.params.model].lower()
    metric, _, platform = str(column).partition(": ")  # a monthly figure per platform: "social_followers: x"
    if column not in HEADINGS and platform:
        return f"{heading(metric, report)}: {SOCIAL_PLATFORMS.get(platform, platform)}"
    return HEADINGS.get(column, str(column).replace("_", " ").capitalize()).format(model=model)


# A hidden figure on the page: words, so that in a column of percentages or pounds it never reads as "<5%" or "<£5".
SUPPRESSED_ON_PAGE = Markup('fewer than 5<span class="govuk-visually-hidden"> households, so the figure is not '
                            'shown</span>')


def cell(value, table: str, column: str) -> str:
    """A cell as read on the page: "<5" in words, blank for no figure, money in pounds, rates as percentages."""
    value = plain(value)
    if value is None:
        return ""
    if value == SUPPRESSED:
        return SUPPRESSED_ON_PAGE
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return formatting.short_date(value)
    if column in MONEY or (table == "campaign_cost_by_model" and column in MODELS):
        return formatting.money(value)
    if column in RATES:
        return formatting.percent(value, 1)
    if column == "ratio":
        return formatting.number(value, 2)
    return formatting.number(value, None if isinstance(value, int) else 1)
