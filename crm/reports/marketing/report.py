"""Marketing and attribution (SPEC section 6): the `attribution` report behind the dashboard and `crm report`.

Per channel (top level and sub-channel) and per campaign, over a period: contacts, households, outcomes credited
by the chosen attribution model and by last touch, conversion, spend and costs, median days to ROI; the six models
side by side; campaign lift; the monthly figures entered by hand.

Aggregates only: no row is a household, and every figure based on fewer than 5 households is "<5"
(crm.marketing.suppression). Spend is pro-rated to the period by days (crm.reports.marketing.lines.spend);
a campaign's spend counts for its channels in equal shares.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from crm import clock
from crm.households.models import SHORT_NAMES
from crm.marketing.suppression import THRESHOLD, Groups
from crm.reports.base import Report, ReportParams
from crm.reports.marketing import lines
from crm.reports.marketing.attribution import MODELS, costs_shown, credits_shown
from crm.reports.marketing.lift import lift
from crm.reports.marketing.measures import Lines, shown
from crm.reports.render import exports

NAME = "attribution"
OUTCOMES = {"roi": "ROI", "approval": "approval"}
DEFAULT_MODEL, DEFAULT_OUTCOME = "last_touch", "approval"
NO_CHANNEL, NO_CHANNEL_LABEL = 0, "No channel recorded"


@dataclass(frozen=True)
class MarketingParams(ReportParams):
    """The period, and the attribution model and outcome the figures credit (last touch and approval by default)."""

    model: str = DEFAULT_MODEL
    outcome: str = DEFAULT_OUTCOME

    ARGS = (*ReportParams.ARGS, "model", "outcome")

    @classmethod
    def from_args(cls, args, today: date) -> MarketingParams:
        """The period as every report reads it (ReportParams.from_args), with no snapshot date (the figures are the
        period's), and the model and outcome in `args` (the defaults where not given)."""
        return params_for(ReportParams.from_args(args, today), args.get("model"), args.get("outcome"))

    def as_json(self) -> dict[str, str | None]:
        return {**super().as_json(), "model": self.model, "outcome": self.outcome}

    def __post_init__(self):
        super().__post_init__()
        if self.model not in MODELS:
            raise ValueError(f"There is no {self.model!r} attribution model: choose one of {', '.join(MODELS)}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"There is no {self.outcome!r} outcome: choose one of {', '.join(OUTCOMES)}")
        if self.by is not None:
            raise ValueError("The attribution report is not split: its rows are the channels and campaigns")


def params_for(params: ReportParams, model: str | None = None, outcome: str | None = None) -> MarketingParams:
    """The period of `params` with a model and an outcome (the defaults where not given)."""
    return MarketingParams(params.date_from, params.date_to, by=params.by, model=model or DEFAULT_MODEL,
                           outcome=outcome or DEFAULT_OUTCOME)


@dataclass(frozen=True)
class Taxonomy:
    """The channel rows in the order shown: each top-level channel followed by its sub-channels, then the contacts
    and credits with no channel."""

    keys: list[int]
    labels: dict[int, str]
    levels: dict[int, int]
    parents: dict[int, int]  # a sub-channel's id -> its channel's
    groups: Groups


def taxonomy(channels: pd.DataFrame) -> Taxonomy:
    """The rows from the channels (crm.reports.marketing.lines.channels), in alphabetical order at each level."""
    tops = _by_name(channels[channels["parent_id"].isna()])
    keys, labels, levels, parents, children = [], {NO_CHANNEL: NO_CHANNEL_LABEL}, {NO_CHANNEL: 1}, {}, {}
    for top in tops.itertuples():
        subs = _by_name(channels[channels["parent_id"] == top.id])
        keys += [top.id, *subs["id"]]
        labels[top.id], levels[top.id], children[top.id] = _label(top.name, top.active), 1, list(subs["id"])
        for sub in subs.itertuples():
            labels[sub.id], levels[sub.id], parents[sub.id] = f"{top.name} > {_label(sub.name, sub.active)}", 2, top.id
    siblings = [[*tops["id"], NO_CHANNEL], *[inside for inside in children.values() if inside]]
    return Taxonomy([*keys, NO_CHANNEL], labels, levels, parents, Groups(siblings, children))


def _by_name(channels: pd.DataFrame) -> pd.DataFrame:
    return channels.sort_values("name", key=lambda names: names.str.lower(), kind="stable")


def _label(name: str, active: bool) -> str:
    return name if active else f"{name} (no longer used)"


def compute(params: ReportParams, today: date | None = None) -> Report:
    """The report for the period, model and outcome of `params` (defaults for a plain ReportParams)."""
    params = params if isinstance(params, MarketingParams) else params_for(params)
    today = today or clock.today()
    first, last = params.date_from, params.date_to
    contacts, credits, rois = lines.contacts(first, last), lines.credits(first, last), lines.roi_contacts(first, last)
    spend, channels = lines.spend(first, last), taxonomy(lines.channels())
    campaigns = _campaigns_in(params, lines.campaigns(), spend, contacts, credits)
    tables = {**channel_tables(params, channels, Lines(contacts, credits, _channel_spend(spend), rois)),
              **campaign_tables(params, campaigns, Lines(contacts, credits, spend, rois), today),
              "monthly_metrics": metric_table(lines.metrics(first, last))}
    return Report(NAME, params, figures(params, tables), tables)


def figures(params: MarketingParams, tables: dict[str, pd.DataFrame]) -> dict:
    """The JSON shape: the model and outcome, the suppression threshold, when the credits were computed, then each
    table as a list of rows (keys as the table's columns; "<5" where suppressed)."""
    computed_at = lines.credits_computed_at()
    return {"model": params.model, "outcome": params.outcome, "suppression_threshold": THRESHOLD,
            "credits_computed_at": computed_at.isoformat() if computed_at else None,
            **{name: records(table) for name, table in tables.items()}}


def records(table: pd.DataFrame) -> list[dict]:
    return [{column: exports.plain(value) for column, value in row.items()} for row in table.to_dict("records")]


def channel_tables(params: MarketingParams, channels: Taxonomy, data: Lines) -> dict[str, pd.DataFrame]:
    """`channels` (the figures per channel) and `channel_credits_by_model` (the chosen outcome under each model)."""
    keyed = Lines(*(_by_channel(frame, channels.parents) for frame in (data.contacts, data.credits, data.spend,
                                                                       data.rois)))
    figures_ = shown(channels.keys, keyed, params.model, channels.groups)
    by_model = credits_shown(channels.keys, keyed.credits, params.outcome, channels.groups)
    return {"channels": _labelled(figures_, channels), "channel_credits_by_model": _labelled(by_model, channels)}


def _labelled(frame: pd.DataFrame, channels: Taxonomy) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "level", [channels.levels[key] for key in frame.index])
    frame.insert(0, "channel", [channels.labels[key] for key in frame.index])
    return frame.reset_index(drop=True)


def _by_channel(frame: pd.DataFrame, parents: dict[int, int]) -> pd.DataFrame:
    """Each line under its own channel's row and again under its top-level channel's when its channel is a
    sub-channel (a channel's figures include its sub-channels'); lines with no channel under NO_CHANNEL."""
    own = frame.assign(row=frame["channel_id"].fillna(NO_CHANNEL).astype(int))
    parent = own["row"].map(parents)
    return pd.concat([own, own[parent.notna()].assign(row=parent.dropna().astype(int))], ignore_index=True)


def _channel_spend(spend: pd.DataFrame) -> pd.DataFrame:
    """A campaign's spend shared equally among its channels (a campaign on two channels: half each); a campaign with
    no channel counts for none."""
    links = lines.campaign_channels()
    links = links.assign(share=1 / links.groupby("campaign_id")["channel_id"].transform("size"))
    spread = spend.merge(links, on="campaign_id")
    return pd.DataFrame({"channel_id": spread["channel_id"], "amount": spread["amount"] * spread["share"]})


def campaign_tables(params: MarketingParams, campaigns: pd.DataFrame, data: Lines,
                    today: date) -> dict[str, pd.DataFrame]:
    """`campaigns` (the figures per campaign), `campaign_credits_by_model`, `campaign_cost_by_model` (cost per
    chosen outcome under each model) and `campaign_lift`."""
    keyed = Lines(*(_by_campaign(frame) for frame in (data.contacts, data.credits, data.spend, data.rois)))
    keys = list(campaigns["id"])
    spend = keyed.spend.groupby("row")["amount"].sum()
    described = _described(campaigns)
    return {"campaigns": _named(shown(keys, keyed, params.model, Groups()), described),
            "campaign_credits_by_model": _named(credits_shown(keys, keyed.credits, params.outcome), described),
            "campaign_cost_by_model": _named(costs_shown(keys, keyed.credits, spend, params.outcome), described),
            "campaign_lift": _named(lift(campaigns, today), described[["campaign"]])}


def _by_campaign(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["campaign_id"].notna()].assign(row=lambda lines_: lines_["campaign_id"].astype(int))


def _campaigns_in(params: MarketingParams, campaigns: pd.DataFrame, *data: pd.DataFrame) -> pd.DataFrame:
    """The campaigns that ran in the period (start on or before its end; no end, or an end on or after its start),
    and any other with spend, contacts or credits in it."""
    ran = (campaigns["start_on"] <= params.date_to) & campaigns["end_on"].map(
        lambda end: end is None or end >= params.date_from)
    touched = campaigns["id"].isin(set().union(*(frame["campaign_id"].dropna().astype(int) for frame in data)))
    return campaigns[ran | touched].reset_index(drop=True)


def _described(campaigns: pd.DataFrame) -> pd.DataFrame:
    links = lines.campaign_channels().merge(lines.channels(), left_on="channel_id", right_on="id")
    paths = links["parent_name"].fillna("").map(lambda parent: f"{parent} > " if parent else "") + links["name"]
    named = paths.groupby(links["campaign_id"]).agg("; ".join)
    return pd.DataFrame({"campaign": campaigns["name"].values, "start_on": campaigns["start_on"].values,
                         "end_on": campaigns["end_on"].values,
                         "service_line": campaigns["service_line_code"].map(lambda c: SHORT_NAMES.get(c, c)).values,
                         "target_audience": campaigns["target_audience"].values,
                         "channels": campaigns["id"].map(named).values}, index=pd.Index(campaigns["id"], name="row"))


def _named(frame: pd.DataFrame, described: pd.DataFrame) -> pd.DataFrame:
    return described.join(frame).reset_index(drop=True)


def metric_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """The monthly figures entered by hand, one row per month (`YYYY-MM`), one column per metric (and platform:
    `social_followers: facebook`); blank where nothing was entered."""
    if metrics.empty:
        return pd.DataFrame(columns=["month"])
    column = metrics["metric"] + metrics["platform"].map(lambda platform: f": {platform}" if platform else "")
    wide = metrics.assign(column=column, month=metrics["month"].map(lambda day: day.strftime("%Y-%m")))
    table = wide.pivot_table(index="month", columns="column", values="value", aggfunc="sum")
    table = table.astype("Int64")
    table.columns.name = None
    return table.reset_index()
