"""The marketing officer's own records: the channel taxonomy, campaigns with their spend per month, and the monthly
figures. Aggregates and configuration only: no page here shows a name, contact detail, address or check result."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import DomainError, errors_on
from crm.extensions import db
from crm.formatting import month_name
from crm.forms import GovDateField
from crm.marketing import channels as taxonomy
from crm.marketing import figures, services
from crm.marketing.forms import (CampaignForm, ChannelForm, MonthFiguresForm, RenameChannelForm, SpendForm,
                                 channel_groups, figure_fields, pounds)
from crm.marketing.models import Campaign, Channel

bp = Blueprint("marketing", __name__, url_prefix="/marketing")
MARKETING_ROLES = (Role.MARKETING_OFFICER, Role.MANAGER)
TAXONOMY_ROLES = (*MARKETING_ROLES, Role.ADMINISTRATOR)


@bp.context_processor
def marketing_context() -> dict:
    return {"pounds": pounds, "month_name": month_name}


def _month(text: str) -> date:
    """'2026-03' from a URL, as the month's first day; anything else is no page."""
    try:
        year, month = (int(part) for part in text.split("-"))
        if GovDateField.MIN_YEAR <= year <= GovDateField.MAX_YEAR:
            return date(year, month, 1)
    except ValueError:
        pass
    abort(404)


# The channel taxonomy

@bp.route("/channels", methods=["GET", "POST"])
@allow(*TAXONOMY_ROLES)
def channels():
    form = ChannelForm()
    tree = taxonomy.channel_tree()
    form.parent.choices = [("", "At the top level")] + [(str(top.id), f"Within {top.name}")
                                                        for top, _ in tree if top.active]
    if form.validate_on_submit():
        with errors_on(form):
            channel = taxonomy.add_channel(form.name.data, _channel(form.parent.data), actor=current_user)
            db.session.commit()
            flash(f"Channel added: {channel.path}.", "success")
            return redirect(url_for("marketing.channels"))
    return render_template("marketing/channels.html", form=form, tree=taxonomy.channel_tree(),
                           in_use=taxonomy.channels_in_use()), 400 if form.errors else 200


def _channel(value: str | None) -> Channel | None:
    if not value:
        return None
    channel = db.session.get(Channel, int(value)) if value.isdigit() else None
    if channel is None:
        raise DomainError("Choose where the channel goes from the list", "parent")
    return channel


@bp.route("/channels/<int:channel_id>/edit", methods=["GET", "POST"])
@allow(*TAXONOMY_ROLES)
def rename_channel(channel_id: int):
    channel = db.session.get(Channel, channel_id) or abort(404)
    form = RenameChannelForm() if request.method == "POST" else RenameChannelForm(formdata=None, obj=channel)
    if form.validate_on_submit():
        before = channel.path
        with errors_on(form):
            taxonomy.rename_channel(channel, form.name.data, actor=current_user)
            db.session.commit()
            flash(f"{before} is now {channel.path}. Enquiries and campaigns follow the new name.", "success")
            return redirect(url_for("marketing.channels"))
    return render_template("marketing/rename_channel.html", form=form, channel=channel), 400 if form.errors else 200


@bp.route("/channels/<int:channel_id>/<action>", methods=["POST"])
@allow(*TAXONOMY_ROLES)
def change_channel(channel_id: int, action: str):
    """Deactivate, reactivate or delete a channel (buttons on the channels page)."""
    if action not in ("deactivate", "reactivate", "delete"):
        abort(404)
    channel = db.session.get(Channel, channel_id) or abort(404)
    path = channel.path
    with errors_on():
        if action == "delete":
            taxonomy.delete_channel(channel, actor=current_user)
        else:
            changed = taxonomy.set_channel_active(channel, action == "reactivate", actor=current_user)
        db.session.commit()
        flash(_channel_message(action, path, changed if action != "delete" else []), "success")
    return redirect(url_for("marketing.channels"))


def _channel_message(action: str, path: str, changed: list[Channel]) -> str:
    if action == "delete":
        return f"Channel deleted: {path}."
    if action == "reactivate":
        return f"{path} is in use again. Reactivate any of its sub-channels you still use."
    within = f", with {len(changed) - 1} sub-channel{'' if len(changed) == 2 else 's'}," if len(changed) > 1 else ""
    return f"{path}{within} is no longer offered for new enquiries. Past enquiries and campaigns keep it."


# Campaigns

@bp.route("/campaigns")
@allow(*MARKETING_ROLES)
def campaigns():
    return render_template("marketing/campaigns.html", rows=services.campaign_rows(clock.today()),
                           line_names=services.service_line_names())


@bp.route("/campaigns/new", methods=["GET", "POST"])
@allow(*MARKETING_ROLES)
def new_campaign():
    return _campaign_form(None, CampaignForm())


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@allow(*MARKETING_ROLES)
def edit_campaign(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    return _campaign_form(campaign, CampaignForm() if request.method == "POST" else CampaignForm.of(campaign))


def _campaign_form(campaign: Campaign | None, form: CampaignForm):
    form.service_line.choices = [("", "Not for one service line"), *services.service_line_names().items()]
    if form.validate_on_submit():
        with errors_on(form):
            if campaign is None:
                campaign = services.create_campaign(form.details(), actor=current_user)
            else:
                services.update_campaign(campaign, form.details(), actor=current_user)
            db.session.commit()
            flash(f"Campaign saved: {campaign.name}.", "success")
            return redirect(url_for("marketing.campaign", campaign_id=campaign.id))
    kept = {channel.id for channel in campaign.channels} if campaign else set()
    return render_template("marketing/campaign_form.html", form=form, campaign=campaign,
                           groups=channel_groups(form, taxonomy.channel_tree(), kept),
                           audiences=services.audience_suggestions()), 400 if form.errors else 200


@bp.route("/campaigns/<int:campaign_id>")
@allow(*MARKETING_ROLES)
def campaign(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    month = _month(request.args["month"]) if request.args.get("month") else None
    spend = services.spend_by_month(campaign)
    form = SpendForm(formdata=None, month=month, amount=pounds(spend[month])[1:] if month in spend else None)
    return _campaign_page(campaign, form)


@bp.route("/campaigns/<int:campaign_id>/spend", methods=["POST"])
@allow(*MARKETING_ROLES)
def set_spend(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = SpendForm()
    if form.validate():
        with errors_on(form):
            before = services.set_spend(campaign, form.month.data, form.amount.pence, actor=current_user,
                                        today=clock.today())
            db.session.commit()
            was = f" (was {pounds(before)})" if before is not None else ""
            flash(f"Spend for {month_name(form.month.data)}: {pounds(form.amount.pence)}{was}.", "success")
            return redirect(url_for("marketing.campaign", campaign_id=campaign.id, _anchor="spend"))
    return _campaign_page(db.session.get(Campaign, campaign_id), form, 400)


@bp.route("/campaigns/<int:campaign_id>/spend/<month>/remove", methods=["POST"])
@allow(*MARKETING_ROLES)
def remove_spend(campaign_id: int, month: str):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    with errors_on():
        services.remove_spend(campaign, _month(month), actor=current_user)
        db.session.commit()
        flash(f"Spend for {month_name(_month(month))} removed.", "success")
    return redirect(url_for("marketing.campaign", campaign_id=campaign_id, _anchor="spend"))


def _campaign_page(campaign: Campaign, form: SpendForm, status: int = 200):
    today, spend = clock.today(), services.spend_by_month(campaign)
    months = sorted(set(services.campaign_months(campaign, today)) | set(spend))
    return render_template("marketing/campaign.html", campaign=campaign, form=form, spend=spend, months=months,
                           total=sum(spend.values()), status=services.campaign_status(campaign, today),
                           line_names=services.service_line_names()), status


# Monthly figures

@bp.route("/metrics")
@allow(*MARKETING_ROLES)
def metrics():
    return render_template("marketing/metrics.html", figures=figures.monthly_figures(), fields=figure_fields(),
                           platforms=figures.SOCIAL_PLATFORMS)


@bp.route("/metrics/new", methods=["GET", "POST"])
@allow(*MARKETING_ROLES)
def new_metrics():
    form = MonthFiguresForm()
    if form.validate_on_submit():
        if figures.month_has_figures(form.month.data):
            form.month.errors = [f"{month_name(form.month.data)} already has figures: choose Change beside it in "
                                 "the table of monthly figures"]
        else:
            return _save_figures(form, form.month.data)
    return render_template("marketing/metrics_form.html", form=form, month=None), 400 if form.errors else 200


@bp.route("/metrics/<month>", methods=["GET", "POST"])
@allow(*MARKETING_ROLES)
def month_metrics(month: str):
    month = _month(month)
    form = MonthFiguresForm() if request.method == "POST" else MonthFiguresForm.of(month, figures.monthly_figures()
                                                                                   .get(month, {}))
    del form.month
    if form.validate_on_submit():
        return _save_figures(form, month)
    return render_template("marketing/metrics_form.html", form=form, month=month), 400 if form.errors else 200


def _save_figures(form: MonthFiguresForm, month: date):
    with errors_on(form):
        figures.set_month_figures(month, form.figures(), actor=current_user)
        db.session.commit()
        flash(f"Figures saved for {month_name(month)}.", "success")
        return redirect(url_for("marketing.metrics"))
    return render_template("marketing/metrics_form.html", form=form, month=month), 400
