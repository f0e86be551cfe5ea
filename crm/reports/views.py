"""Report pages for managers: each report's charts with its tables beside them, a period and split filter, and
CSV / XLSX / JSON downloads of the same figures."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db
from crm.reports import exports, registry
from crm.reports.figures_charts import charts_for
from crm.reports.forms import ReportFilterForm

bp = Blueprint("reports", __name__, url_prefix="/reports")
TITLES = {"activity": "Activity in the period", "timeliness": "Timeliness", "snapshot": "Snapshot at a date",
          "conversion": "Conversion", "equality": "Equality monitoring of approvals", "targets": "Targets",
          "asglb": "Adopter recruitment return (ASGLB)", "fostering-return": "Annual fostering return"}


@bp.route("/")
@allow(Role.MANAGER)
def index():
    return render_template("reports/index.html", available=registry.available(), names=registry.NAMES, titles=TITLES)


def _report(name: str):
    """The filter read from the query string and the report it asks for, or the page with the filter's errors."""
    form = ReportFilterForm(request.args)
    try:
        registry.family(name)
    except (registry.UnknownReport, registry.ReportNotAvailable):
        abort(404)
    if request.args and not form.validate():
        return form, None
    try:
        return form, registry.compute(name, form.params(clock.today()))
    except ValueError as error:  # a split the report cannot make, for example
        form.by.errors = [str(error)]
        return form, None


@bp.route("/<name>")
@allow(Role.MANAGER)
def show(name: str):
    form, report = _report(name)
    status = 400 if form.errors else 200
    return render_template("reports/show.html", name=name, title=TITLES.get(name, name), form=form, report=report,
                           charts=charts_for(report) if report else [], query=request.query_string.decode()), status


@bp.route("/<name>/export.<fmt>")
@allow(Role.MANAGER)
def download(name: str, fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    form, report = _report(name)
    if report is None:
        abort(400)
    data = exports.export(report, fmt, actor=current_user, bom=fmt == "csv")
    db.session.commit()
    return Response(data, mimetype=exports.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{exports.filename(report, fmt)}"'})


@bp.app_template_filter("report_cell")
def report_cell(value) -> str:
    """A table cell: blank for no value (None or NaN), one decimal place for a fraction, thousands separated."""
    if value is None or value != value:  # NaN is the one value not equal to itself
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
