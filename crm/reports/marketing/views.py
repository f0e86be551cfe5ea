"""The marketing dashboard (SPEC section 6): the attribution report's charts, tables and downloads.

For a period, model and outcome; for the marketing officer and managers. Aggregates only, so nothing here links
to a household.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from flask_login import current_user

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db
from crm.reports.marketing import charts as marketing_charts, report as marketing
from crm.reports.forms import tidy_dates
from crm.reports.marketing.forms import MarketingFilterForm
from crm.reports.render import exports

bp = Blueprint("marketing_dashboard", __name__)


def _report():
    """The filter read from the query string and the report it asks for, or (form, None) with the filter's errors."""
    form = MarketingFilterForm(request.args)
    if request.args and not form.validate():
        return form, None
    return form, marketing.compute(form.params(clock.today()))


@bp.route("/marketing/dashboard")
@allow(Role.MARKETING_OFFICER, Role.MANAGER)
def index():
    if (tidy := tidy_dates(request.args)) is not None:
        return redirect(f"{request.path}?{tidy}")
    form, report = _report()
    return render_template("marketing/dashboard.html", form=form, report=report, shown=marketing_charts,
                           query=request.query_string.decode()), 400 if form.errors else 200


@bp.route("/marketing/dashboard/export.<fmt>")
@allow(Role.MARKETING_OFFICER, Role.MANAGER)
def download(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    form, report = _report()
    if report is None:
        abort(400)
    data = exports.export(report, fmt, actor=current_user, bom=fmt == "csv")
    db.session.commit()
    return exports.attachment(report, fmt, data)
