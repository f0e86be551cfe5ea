"""Referee pages: a worker names referees and sends, re-sends or revokes their links from the check page; the
referee answers through their link (public, no sign-in, rate limited)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.policy import allow, public
from crm.checks import queries
from crm.checks.services import CHECK_ROLES
from crm.errors import errors_on
from crm.extensions import db, limiter
from crm.references import links, rules, services
from crm.references.forms import ActionForm, RefereeForm, ReferenceForm
from crm.references.models import Referee

bp = Blueprint("references", __name__)
GONE = 410


# The worker's side

@bp.route("/checks/<int:check_id>/referees/new", methods=["GET", "POST"])
@allow(*CHECK_ROLES)
def new(check_id: int):
    check = queries.visible_check(current_user, check_id) or abort(404)
    if rules.kind_of(check) is None:
        abort(404)
    form = RefereeForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.name_referee(check, form.details(), actor=current_user)
            db.session.commit()
            flash(f"Referee named for {rules.check_label(check)}.", "success")
            return redirect(url_for("checks.show", check_id=check.id, _anchor="referees"))
    return render_template("references/referee_form.html", form=form, check=check, referee=None,
                           back=url_for("checks.show", check_id=check.id)), 400 if form.errors else 200


@bp.route("/referees/<int:referee_id>/edit", methods=["GET", "POST"])
@allow(*CHECK_ROLES)
def edit(referee_id: int):
    referee = _referee(referee_id)
    form = RefereeForm() if request.method == "POST" else RefereeForm.of(referee)
    if form.validate_on_submit():
        with errors_on(form):
            services.change_referee(referee, form.details(), actor=current_user)
            db.session.commit()
            flash(f"Saved: {referee.name}." + (" Re-send the link if the email address changed."
                                               if referee.link_sent else ""), "success")
            return redirect(url_for("checks.show", check_id=referee.check_id, _anchor="referees"))
    return render_template("references/referee_form.html", form=form, check=referee.check, referee=referee,
                           back=url_for("checks.show", check_id=referee.check_id)), 400 if form.errors else 200


@bp.route("/referees/<int:referee_id>/send", methods=["POST"])
@allow(*CHECK_ROLES)
def send(referee_id: int):
    return _act(referee_id, lambda referee: links.send_link(referee, actor=current_user),
                "Link sent to {}: it expires in 30 days.")


@bp.route("/referees/<int:referee_id>/resend", methods=["POST"])
@allow(*CHECK_ROLES)
def resend(referee_id: int):
    return _act(referee_id, lambda referee: links.resend_link(referee, actor=current_user),
                "New link sent to {}: the earlier one no longer works.")


@bp.route("/referees/<int:referee_id>/revoke", methods=["POST"])
@allow(*CHECK_ROLES)
def revoke(referee_id: int):
    return _act(referee_id, lambda referee: links.revoke_link(referee, actor=current_user),
                "Link revoked: {} can no longer use it.")


@bp.route("/referees/<int:referee_id>/remove", methods=["POST"])
@allow(*CHECK_ROLES)
def remove(referee_id: int):
    return _act(referee_id, lambda referee: services.remove_referee(referee, actor=current_user),
                "Removed: {}.")


def _act(referee_id: int, act, message: str):
    """A button on the check page: act, commit and go back; a refusal comes back as a message, nothing stored."""
    referee = _referee(referee_id)
    check_id, name = referee.check_id, referee.name
    if ActionForm().validate_on_submit():
        with errors_on():
            act(referee)
            db.session.commit()
            flash(message.format(name), "success")
    else:
        flash("The form could not be sent: try again.", "error")
    return redirect(url_for("checks.show", check_id=check_id, _anchor="referees"))


def _referee(referee_id: int) -> Referee:
    """The referee, if the user may see its household (the same 404 whether it does not exist or is not theirs)."""
    referee = db.session.get(Referee, referee_id) or abort(404)
    queries.visible_check(current_user, referee.check_id) or abort(404)
    return referee


# The referee's side

def _reference_limit() -> str:
    return current_app.config["RATELIMIT_REFERENCE"]


@bp.route("/reference/<token>", methods=["GET", "POST"])
@limiter.limit(_reference_limit)
@public
def give(token: str):
    link = links.link_for_token(token)
    if link is None:
        return _closed("This link is not recognised. Check you copied the whole address from the email.", 404)
    problem = links.unusable(link)
    if problem:
        return _closed(problem, GONE)
    form = ReferenceForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.submit_reference(link, form.answers())
            db.session.commit()
            return render_template("references/thank_you.html")
    return render_template("references/give.html", form=form, token=token,
                           about=services.applicant_names(link.referee.check),
                           referee=link.referee), 400 if form.errors else 200


def _closed(message: str, status: int):
    db.session.rollback()
    return render_template("references/closed.html", message=message), status
