"""The administrators' page of withdrawal reasons: add, rename, retire and reactivate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db
from crm.funnel.reasons import services
from crm.funnel.reasons.forms import AddReasonForm, ReasonActionForm, RenameReasonForm
from crm.funnel.reasons.models import WithdrawalReason

bp = Blueprint("withdrawal_reasons", __name__, url_prefix="/admin/withdrawal-reasons")


@bp.route("", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def index():
    form = AddReasonForm() if request.method == "POST" else AddReasonForm(formdata=None)
    if form.validate_on_submit():
        with errors_on(form):
            reason = services.add_reason(form.name.data, needs_text=form.needs_text.data, actor=current_user)
            db.session.commit()
            flash(f"Added: {reason.name}. It is offered when a withdrawal is recorded.", "success")
            return redirect(url_for(".index"))
    return render_template("funnel/withdrawal_reasons.html", form=form, reasons=services.all_reasons(),
                           action_form=ReasonActionForm()), 400 if form.errors else 200


@bp.route("/<int:reason_id>", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def rename(reason_id: int):
    reason = _reason(reason_id)
    form = RenameReasonForm() if request.method == "POST" else RenameReasonForm(formdata=None, obj=reason)
    if form.validate_on_submit():
        with errors_on(form):
            services.rename_reason(reason, form.name.data, actor=current_user)
            db.session.commit()
            flash(f"Renamed: {reason.name}.", "success")
            return redirect(url_for(".index"))
    return render_template("funnel/rename_withdrawal_reason.html", form=form, reason=reason), \
        400 if form.errors else 200


@bp.route("/<int:reason_id>/retire", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def retire(reason_id: int):
    return _change(reason_id, services.retire_reason, "Retired: {}. It is no longer offered; withdrawals already "
                   "recorded with it keep it.")


@bp.route("/<int:reason_id>/reactivate", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def reactivate(reason_id: int):
    return _change(reason_id, services.reactivate_reason, "Back in use: {}.")


def _reason(reason_id: int) -> WithdrawalReason:
    return db.session.get(WithdrawalReason, reason_id) or abort(404)


def _change(reason_id: int, change, message: str):
    reason = _reason(reason_id)
    if ReasonActionForm().validate_on_submit():
        with errors_on():
            change(reason, actor=current_user)
            db.session.commit()
            flash(message.format(reason.name), "success")
    return redirect(url_for(".index"))
