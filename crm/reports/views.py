"""Report pages for managers: each report's charts with its tables beside them, a period and split filter, and
CSV / XLSX / JSON downloads of the same figures."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db
from crm.households.models import SHORT_NAMES, Household
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
                           charts=charts_for(report) if report else [], query=request.query_string.decode(),
                           links=drill_links(name, report)), status


def drill_links(name: str, report) -> dict[tuple[str, str, str], str]:
    """(table, row label, column) -> the page listing the households behind that count. Snapshot for now: each
    category total and each bucket."""
    if name != "snapshot" or report is None or report.params.by:
        return {}
    from crm.reports.snapshot import BUCKETS, CATEGORY_LABELS

    at = report.params.at.isoformat()
    links = {("snapshot", label, "applications"): url_for(".snapshot_households", at=at, category=category)
             for category, label in CATEGORY_LABELS.items()}
    for category, buckets in BUCKETS.items():
        for bucket in buckets.labels:
            links[(category, bucket, "applications")] = url_for(".snapshot_households", at=at, category=category,
                                                                 bucket=bucket)
    return links


@bp.route("/snapshot/households")
@allow(Role.MANAGER)
def snapshot_households():
    """The applications behind one snapshot count, with their households: the drill-down of SPEC section 5."""
    from crm.reports import snapshot
    from crm.reports.base import ReportParams

    try:
        at = date.fromisoformat(request.args.get("at", ""))
    except ValueError:
        abort(404)
    category, bucket = request.args.get("category", ""), request.args.get("bucket")
    if category not in snapshot.CATEGORY_LABELS or (bucket and (category not in snapshot.BUCKETS or bucket not in snapshot.BUCKETS[category].labels)):
        abort(404)
    lines = snapshot.lines(ReportParams(date_from=at, date_to=at, at=at))
    chosen = lines[lines["category"] == category]
    if bucket:
        chosen = chosen[chosen["bucket"].astype(str) == bucket]
    households = {h.id: h for h in db.session.scalars(
        select(Household).where(Household.id.in_([int(i) for i in chosen["household_id"].unique()]))
        .options(selectinload(Household.people)))}
    rows = [{"household": households[int(line.household_id)],
             "service_line": SHORT_NAMES.get(line.service_line, line.service_line),
             "since": line.since, "months": line.months, "held_in": line.held_in}
            for line in chosen.sort_values(["since", "application_id"]).itertuples()]
    record_event(db.session, "viewed_report_households", actor=current_user, object_type="report",
                 object_id="snapshot", detail={"at": at.isoformat(), "category": category, "bucket": bucket,
                                               "households": len(households)})
    db.session.commit()
    return render_template("reports/households.html", rows=rows, at=at, bucket=bucket,
                           category_label=snapshot.CATEGORY_LABELS[category])


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
