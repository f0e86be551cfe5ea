"""The applicant portal at /my/: signing in (password, one-time code, invitation), the application page with its
task list, and signing out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, has_request_context, redirect, render_template, request, url_for

from crm.auth.policy import public
from crm.errors import DomainError, errors_on
from crm.extensions import db, limiter
from crm.portal import accounts, notify
from crm.portal.auth import (applicant_required, client_key, current_account, end_applicant_session,
                             refuse_unless_applicant, start_applicant_session)
from crm.portal import messages as messages_service
from crm.portal.audit import record_applicant_event
from crm.portal.forms import CodeForm, CodeRequestForm, InvitationForm, MessageForm, SignInForm
from crm.portal.overview import application_overview
from crm.portal.tasks import task_list_items, tasks_for

bp = Blueprint("portal", __name__, url_prefix="/my")

CODE_SENT = ("If that address has an account, we have sent a 6-digit code to it. The code works once, for 15 "
             "minutes.")


def sign_in_limit() -> str:
    """Applicants' sign-in forms count with the staff sign-in's limit (RATELIMIT_LOGIN), per client address."""
    return current_app.config["RATELIMIT_LOGIN"]


def form_limit() -> str:
    """Every other applicant form (RATELIMIT_PORTAL_FORMS), per client address."""
    return current_app.config.get("RATELIMIT_PORTAL_FORMS", "30 per minute")


# Every POST to the portal's own pages counts against the forms' limit (the sign-in pages also against the
# sign-in limit). Other areas' /my/ pages use `portal_form_limit` on their views.
portal_form_limit = limiter.limit(form_limit, methods=["POST"], key_func=client_key)
limiter.limit(form_limit, methods=["POST"], key_func=client_key)(bp)


@bp.app_context_processor
def portal_context() -> dict:
    """Every template (other areas' /my/ pages extend portal/layout.html too) knows the signed-in applicant; one
    rendered outside a request (a command's export) has none."""
    return {"portal_account": current_account() if has_request_context() else None}


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
@public
def sign_in():
    if current_account() is not None and refuse_unless_applicant() is None:  # still signed in, not timed out
        return redirect(url_for("portal.index"))
    form = SignInForm()
    if form.validate_on_submit():
        with errors_on(form, keep=True):  # the failure count and its audit row stand
            account = accounts.authenticate(form.email.data, form.password.data)
            db.session.commit()
            start_applicant_session(account)
            return redirect(url_for("portal.index"))
    if request.args.get("timeout"):
        flash("You were signed out because you were away for a while. Sign in again to continue.")
    return render_template("portal/sign_in.html", form=form, title="Sign in"), 400 if form.errors else 200


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
@public
def request_code():
    form = CodeRequestForm()
    if form.validate_on_submit():
        sent = accounts.send_code(form.email.data)
        db.session.commit()
        if sent is not None:
            notify.send_code(*sent)
        flash(CODE_SENT)
        return redirect(url_for("portal.enter_code", email=form.email.data.strip().lower()))
    return render_template("portal/request_code.html", form=form, title="Sign in with a code"), \
        400 if form.errors else 200


@bp.route("/sign-in/enter-code", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
@public
def enter_code():
    form = CodeForm(email=request.args.get("email", "")[:254]) if request.method == "GET" else CodeForm()
    if form.validate_on_submit():
        with errors_on(form, keep=True):  # a wrong try counts
            account = accounts.sign_in_with_code(form.email.data, form.code.data)
            db.session.commit()
            start_applicant_session(account)
            return redirect(url_for("portal.index"))
    return render_template("portal/enter_code.html", form=form, title="Enter your code"), 400 if form.errors else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(sign_in_limit, methods=["POST"])
@public
def invitation(token: str):
    """The link in the invitation email: the applicant chooses a password, then signs in with it."""
    try:
        account = accounts.invitation_holder(token)
    except DomainError as error:
        return render_template("portal/invitation.html", problem=error.message, form=None,
                               title="This link cannot be used"), 404
    form = InvitationForm()
    if form.validate_on_submit():
        with errors_on(form):
            accounts.accept_invitation(token, form.new_password.data)
            db.session.commit()
            end_applicant_session()
            flash("Your password is set. Sign in with your email address and your new password.", "success")
            return redirect(url_for("portal.sign_in"))
    return render_template("portal/invitation.html", form=form, account=account, problem=None,
                           title="Set your password"), 400 if form.errors else 200


@bp.route("/sign-out", methods=["POST"])
@applicant_required
def sign_out():
    accounts.sign_out(current_account())
    db.session.commit()
    end_applicant_session()
    flash("You have signed out.")
    return redirect(url_for("portal.sign_in"))


@bp.route("/")
@applicant_required
def index():
    account = current_account()
    return render_template("portal/index.html", title="Your application", overview=application_overview(account),
                           task_items=task_list_items(tasks_for(account)))


@bp.route("/messages", methods=["GET", "POST"])
@applicant_required
def messages():
    account = current_account()
    form = MessageForm()
    if form.validate_on_submit():
        with errors_on(form):
            messages_service.send_from_applicant(account, form.body.data)
            db.session.commit()
            notify.tell_worker(account.household)
            flash("Your message has been sent.", "success")
            return redirect(url_for("portal.messages"))
    listed = messages_service.thread(account.household_id)
    read = messages_service.mark_read(account.household_id, by_applicant=True)
    if read:
        record_applicant_event(account, "portal_messages_read", count=read)
        db.session.commit()
    return render_template("portal/messages.html", form=form, messages=listed, title="Messages"), \
        400 if form.errors else 200


from crm.portal import task_views  # noqa: E402,F401 (the task pages, on this blueprint)
