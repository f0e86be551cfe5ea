"""Sign in, sign out and change password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from crm.auth import accounts, services
from crm.auth.forms import ChangePasswordForm, SetPasswordForm, SignInForm
from crm.auth.policy import public, signed_in
from crm.errors import DomainError, errors_on
from crm.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        with errors_on(form, keep=True):  # the failure count and the audit row stand
            user = services.authenticate(form.email.data, form.password.data)
            db.session.commit()
            services.start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def logout():
    services.end_session(current_user._get_current_object(), reason="logout")
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with errors_on(form):
            services.change_password(user, form.current_password.data, form.new_password.data)
            db.session.commit()
            services.start_session(user)  # this session carries on; every other one has ended
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    """A one-time link from an administrator: its holder chooses a password, then signs in with it."""
    try:
        user = accounts.link_holder(token)
    except DomainError as error:
        return render_template("auth/set_password.html", problem=error.message, form=None), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        with errors_on(form):
            accounts.set_password_with_link(token, form.new_password.data)
            db.session.commit()
            logout_user()  # whoever was signed in on this browser, the link's holder now signs in afresh
            session.clear()
            flash("Your password is set. Sign in with your email address and your new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user, problem=None), 400 if form.errors else 200
