"""Administration: its index and sub-navigation, and the API tokens of integrations. The users, teams and partner
authorities pages are in this blueprint's other modules."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.admin.forms import ApiTokenForm
from crm.api import tokens
from crm.api.models import ApiToken
from crm.auth.policy import allow, may_use
from crm.auth.roles import Role
from crm.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
# The administration pages, with what each is for: the index lists them (the sub-navigation is crm/web.py's).
SECTIONS = [("Users", "admin.users", "Accounts, roles, teams, set-password links, deactivation."),
            ("Teams", "admin.teams", "Teams, their members and their manager, who hears about escalations."),
            ("Partner authorities", "admin.partner_authorities", "The local authorities the service recruits for."),
            ("Withdrawal reasons", "withdrawal_reasons.index", "The reasons offered when an application is withdrawn."),
            ("API tokens", "admin.api_tokens", "Tokens for website integrations that send enquiries."),
            ("Check catalogue", "checks.catalogue_list", "The statutory checks and their timescales."),
            ("Retention rules", "retention.rules", "How long records are kept before they are anonymised.")]


@bp.app_context_processor
def admin_navigation() -> dict:
    return {"admin_sections": admin_sections}


def admin_sections() -> list[dict]:
    """The administration pages that exist and that the user may use, for the index and the sub-navigation."""
    app = current_app._get_current_object()
    links = []
    for label, endpoint, description in SECTIONS:
        if endpoint in app.view_functions and may_use(current_user, app, endpoint):
            href = url_for(endpoint)
            links.append({"text": label, "href": href, "description": description,
                          "current": request.path == href or request.path.startswith(href + "/")})
    return links


@bp.route("/")
@allow(Role.ADMINISTRATOR)
def index():
    return render_template("admin/index.html")


@bp.route("/api-tokens", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def api_tokens():
    """The list, and a new token: its secret is shown on this one response, never stored, never in a cookie."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        token, secret = tokens.create_token(form.name.data, actor=current_user)
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    listed = db.session.scalars(select(ApiToken).options(selectinload(ApiToken.created_by))
                                .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).all()
    status = 400 if form.errors else 200
    return render_template("admin/api_tokens.html", form=form, tokens=listed, secret=secret,
                           revoke_form=FlaskForm()), status


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id) or abort(404)
    tokens.revoke(token, actor=current_user)
    db.session.commit()
    flash(f"Token ‘{token.name}’ revoked: integrations using it are refused from now on.", "success")
    return redirect(url_for(".api_tokens"))


# The routes of the other pages, on this blueprint.
from crm.admin import authority_views, team_views, user_views  # noqa: E402,F401
