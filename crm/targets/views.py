"""Managers' page for the yearly targets: see a year's, set one, change or remove one."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db
from crm.formatting import number
from crm.households.models import SHORT_NAMES
from crm.targets import services
from crm.targets.forms import ChangeTargetForm, TargetForm, YearForm
from crm.targets.models import ReportTarget

bp = Blueprint("targets", __name__, url_prefix="/targets")


def _this_year() -> int:
    return clock.financial_year_start(clock.today()).year


@bp.route("/", methods=["GET", "POST"])
@allow(Role.MANAGER)
def index():
    chooser, year = _chosen_year()
    form = _target_form(year)
    if form.validate_on_submit():
        with errors_on(form):
            row = services.set_target(form.year_start(), form.measure.data, form.service_line.data or None,
                                      form.target.data, actor=current_user)
            db.session.commit()
            flash(f"Target set: {_describe(row)}.", "success")
            return redirect(url_for(".index", year=form.year.data))
    start = clock.financial_year_starting(year)
    status = 400 if chooser.errors or form.errors else 200
    return render_template("targets/index.html", chooser=chooser, form=form, rows=services.targets_for_year(start),
                           year_label=services.year_label(start), start=start,
                           scope_label=services.scope_label), status


def _target_form(year: int) -> TargetForm:
    """The 'set a target' form (its fields prefixed: the year chooser on the page has a `year` field too)."""
    form = TargetForm(prefix="new") if request.method == "POST" else TargetForm(formdata=None, prefix="new", year=year)
    form.service_line.choices = [("", "All service lines"), *SHORT_NAMES.items()]
    return form


def _chosen_year() -> tuple[YearForm, int]:
    """The year asked for in the query string (?year=2026), or this financial year's when none or a bad one is."""
    if "year" not in request.args:
        return YearForm(formdata=None, year=_this_year()), _this_year()
    chooser = YearForm(request.args)
    return chooser, chooser.year.data if chooser.validate() else _this_year()


@bp.route("/<int:target_id>", methods=["GET", "POST"])
@allow(Role.MANAGER)
def edit(target_id: int):
    row = db.session.get(ReportTarget, target_id) or abort(404)
    form = ChangeTargetForm() if request.method == "POST" else ChangeTargetForm(formdata=None, target=row.target)
    if form.validate_on_submit():
        with errors_on(form):
            services.change_target(row, form.target.data, actor=current_user)
            db.session.commit()
            flash(f"Target changed: {_describe(row)}.", "success")
            return redirect(url_for(".index", year=row.year_start.year))
    return render_template("targets/edit.html", form=form, row=row, scope_label=services.scope_label,
                           year_label=services.year_label(row.year_start)), 400 if form.errors else 200


@bp.route("/<int:target_id>/remove", methods=["POST"])
@allow(Role.MANAGER)
def remove(target_id: int):
    row = db.session.get(ReportTarget, target_id) or abort(404)
    year, described = row.year_start.year, _describe(row)
    services.remove_target(row, actor=current_user)
    db.session.commit()
    flash(f"Target removed: {described}.", "success")
    return redirect(url_for(".index", year=year))


def _describe(row: ReportTarget) -> str:
    return (f"{row.measure.label}, {services.scope_label(row.service_line_code).lower()}, "
            f"{services.year_label(row.year_start)}: {number(row.target)}")
