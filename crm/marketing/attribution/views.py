"""The UTM rules pages: the rules in priority order, adding and changing one, and testing an address."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db
from crm.marketing.attribution import rules
from crm.marketing.attribution.forms import AddressTestForm, RuleForm
from crm.marketing.models import ChannelRule

bp = Blueprint("attribution", __name__, url_prefix="/marketing/rules")
RULE_ROLES = (Role.MARKETING_OFFICER, Role.MANAGER)


@bp.route("")
@allow(*RULE_ROLES)
def index():
    form = AddressTestForm(request.args)
    tested = match = None
    if "address" in request.args and form.validate():
        tested = rules.tags_from_address(form.address.data, form.referrer.data)
        match = rules.matching_rule(db.session, tested)
    return render_template("marketing/rules.html", rules=rules.rules_in_order(db.session), describe=rules.describe,
                           form=form, tested=tested, match=match), \
        400 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@allow(*RULE_ROLES)
def new():
    form = RuleForm()
    form.channel.choices = _choices()
    if form.validate_on_submit():
        return _save(form, None, lambda: rules.add_rule(form.details(), actor=current_user), "Rule added")
    return render_template("marketing/rules_form.html", form=form, rule=None), 400 if form.errors else 200


@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@allow(*RULE_ROLES)
def edit(rule_id: int):
    rule = db.session.get(ChannelRule, rule_id) or abort(404)
    form = RuleForm() if request.method == "POST" else RuleForm(formdata=None, obj=rule, channel=str(rule.channel_id))
    form.channel.choices = _choices(rule.channel_id)
    if form.validate_on_submit():
        return _save(form, rule, lambda: rules.update_rule(rule, form.details(), actor=current_user), "Rule saved")
    return render_template("marketing/rules_form.html", form=form, rule=rule), 400 if form.errors else 200


def _choices(keep: int | None = None) -> list[tuple[str, str]]:
    return [("", "Choose a channel")] + [(str(id_), path) for id_, path in rules.channel_choices(keep)]


def _save(form: RuleForm, rule: ChannelRule | None, change, done: str):
    """Make the change and apply the rules to earlier web enquiries too; or say why not."""
    with errors_on(form):
        change()
        changed = rules.apply_rules(db.session)
        db.session.commit()
        flash(f"{done}. {changed} earlier enquir{'y' if changed == 1 else 'ies'} changed channel.", "success")
        return redirect(url_for("attribution.index"))
    return render_template("marketing/rules_form.html", form=form, rule=rule), 400
