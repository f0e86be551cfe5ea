"""Retention pages: the rules (administrators), what the job would anonymise tonight (managers, the data protection
officer), and a household's legal hold and erasure (managers)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.dataprotection import retention
from crm.dataprotection.erasure import erase_household, erasure_refusal
from crm.dataprotection.forms import ClearHoldForm, ErasureForm, LegalHoldForm, RetentionRulesForm
from crm.dataprotection.holds import clear_legal_hold, set_legal_hold
from crm.errors import errors_on
from crm.extensions import db
from crm.households import services
from crm.pagination import requested_page

bp = Blueprint("retention", __name__)
EDITABLE = (retention.ENQUIRY_NO_ROI, retention.WITHDRAWN_OR_NOT_APPROVED)


@bp.route("/admin/retention", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def rules():
    periods = retention.rule_periods()
    form = RetentionRulesForm() if request.method == "POST" else RetentionRulesForm(formdata=None, data=periods)
    if form.validate_on_submit():
        with errors_on(form):
            changed = retention.set_periods({code: form[code].data for code in EDITABLE}, actor=current_user)
            db.session.commit()
            flash("Retention periods saved." if changed else "Nothing changed.", "success")
            return redirect(url_for(".rules"))
    return render_template("dataprotection/retention_rules.html", form=form, rules=retention.all_rules()), \
        400 if form.errors else 200


@bp.route("/data-protection/retention-preview")
@allow(Role.MANAGER)
def preview():
    today = clock.today()
    page = retention.preview(today, requested_page(request.args.get("page")))
    rules = retention.all_rules()
    return render_template("dataprotection/retention_preview.html", page=page, rules=rules, today=today,
                           names={rule.code: rule.name for rule in rules})


@bp.route("/households/<int:household_id>/legal-hold", methods=["GET", "POST"])
@allow(Role.MANAGER)
def legal_hold(household_id: int):
    household = _visible(household_id)
    form = LegalHoldForm() if request.method == "POST" else LegalHoldForm(formdata=None)
    if form.validate_on_submit():
        with errors_on(form):
            set_legal_hold(household, form.reason.data, actor=current_user)
            db.session.commit()
            flash(f"Household {household.reference} is on legal hold: it will not be anonymised or erased.",
                  "success")
            return redirect(url_for("households.show", household_id=household.id))
    return render_template("dataprotection/legal_hold.html", household=household, form=form,
                           clear_form=ClearHoldForm()), 400 if form.errors else 200


@bp.route("/households/<int:household_id>/legal-hold/clear", methods=["POST"])
@allow(Role.MANAGER)
def clear_hold(household_id: int):
    household = _visible(household_id)
    if ClearHoldForm().validate_on_submit():
        with errors_on():
            clear_legal_hold(household, actor=current_user)
            db.session.commit()
            flash(f"Legal hold cleared on household {household.reference}.", "success")
    return redirect(url_for("households.show", household_id=household.id))


@bp.route("/households/<int:household_id>/erase", methods=["GET", "POST"])
@allow(Role.MANAGER)
def erase(household_id: int):
    household = _visible(household_id)
    form = ErasureForm() if request.method == "POST" else ErasureForm(formdata=None)
    if form.validate_on_submit():
        with errors_on(form):
            erase_household(household, form.reason.data, actor=current_user)
            db.session.commit()
            flash(f"Household {household.reference}'s personal data is erased; its tombstone records the request.",
                  "success")
            return redirect(url_for("households.show", household_id=household.id))
    return render_template("dataprotection/erase.html", household=household, form=form,
                           refusal=erasure_refusal(household)), 400 if form.errors else 200


def _visible(household_id: int):
    try:
        return services.visible_household(current_user, household_id)
    except services.NotVisible:
        abort(404)
