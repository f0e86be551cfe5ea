"""Administration: the users of the service, their roles and teams, and the API tokens of integrations."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.admin.forms import ApiTokenForm
from crm.api import tokens
from crm.api.models import ApiToken
from crm.auth.models import User
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@allow(Role.ADMINISTRATOR)
def users():
    query = select(User).options(selectinload(User.team)).order_by(User.full_name)
    return render_template("admin/users.html", users=db.session.scalars(query).all(), now=clock.now())


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
