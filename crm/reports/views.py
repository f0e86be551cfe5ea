"""Report pages for managers: charts beside tables, the filter, downloads, drill-down, months as they stood."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.extensions import db
from crm.pagination import requested_page
from crm.reports import as_stood, cache, drill, registry
from crm.reports.forms import ReportFilterForm, tidy_dates
from crm.reports.render import exports
from crm.reports.render.formatting import report_cell

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.add_app_template_filter(report_cell)
TITLES = {"activity": "Activity in the period", "timeliness": "Timeliness", "snapshot": "Snapshot at a date",
          "conversion": "Conversion", "equality": "Equality monitoring of approvals", "targets": "Targets",
          "asglb": "Adopter recruitment return (ASGLB)", "fostering-return": "Annual fostering return",
          "check-waits": "Stage 1 checks: waiting on the applicant or on others"}


@bp.route("/")
@allow(Role.MANAGER)
def index():
    return render_template("reports/index.html", names=registry.NAMES, titles=TITLES)


def _report(name: str):
    """The filter read from the query string and the report it asks for, with the month-end snapshot it was kept
    in when shown as it stood; or no report, and the filter's errors."""
    form = ReportFilterForm(request.args)
    try:
        form.offer_splits(registry.family(name).SPLITS)
    except registry.UnknownReport:
        abort(404)
    if request.args and not form.validate():
        return form, None, None
    try:
        return form, *_computed(name, form)
    except (as_stood.NotKept, ValueError) as error:  # nothing kept for it; a split the report cannot make
        (form.as_stood if isinstance(error, as_stood.NotKept) else form.by).errors = [str(error)]
        return form, None, None


def _computed(name: str, form: ReportFilterForm):
    params = form.params(clock.today())
    if form.as_stood.data:
        return as_stood.as_stood(name, params)
    report = cache.cached(name, params, lambda: registry.compute(name, params))
    db.session.commit()  # the cached report (if it was computed now) is kept for the next reader
    return report, None


@bp.route("/<name>")
@allow(Role.MANAGER)
def show(name: str):
    if (tidy := tidy_dates(request.args)) is not None:
        return redirect(f"{request.path}?{tidy}")
    form, report, kept = _report(name)
    live = report is not None and kept is None
    return render_template(
        "reports/show.html", name=name, title=TITLES.get(name, name), form=form, report=report, kept=kept,
        charts=registry.family(name).charts(report) if report else [], query=request.query_string.decode(),
        links=_links(name, report) if live else {}, offer=as_stood.taken(name, report.params) if live else None,
        kept_names=as_stood.KEPT, args=request.args.to_dict(flat=False)), 400 if form.errors else 200


def _links(name: str, report) -> dict[tuple[str, int, str], str]:
    """(table, row position, column) -> the page listing the households behind that count."""
    args = report.params.to_args()
    return {key: url_for(".households", name=name, **args, **selector)
            for key, selector in drill.cells(report).items()}


@bp.route("/<name>/households")
@allow(Role.MANAGER)
def households(name: str):
    """The households behind one count of a report: the drill-down of SPEC section 5."""
    if (tidy := tidy_dates(request.args)) is not None:
        return redirect(f"{request.path}?{tidy}")
    form, wanted = ReportFilterForm(request.args), drill.selector(request.args)
    listing = _listing(name, form, wanted)
    page = {"name": name, "report_title": TITLES.get(name, name), "form": form, "selector": wanted}
    if listing is None:
        return render_template("reports/households.html", **page), 400
    drill.record_view(listing, actor=current_user)
    db.session.commit()
    return render_template("reports/households.html", **page, listing=listing,
                           back=url_for(".show", name=name, **listing.params.to_args()))


def _listing(name: str, form: ReportFilterForm, wanted: dict[str, str]):
    """The page of the list the query string asks for, or None (the form holding why) for a filter in error; 404
    for a name that is no report's or a selector its lines cannot answer."""
    try:
        drill.family(name)
    except drill.NoDrill:
        abort(404)
    if not form.validate():
        return None
    try:
        return drill.listing(name, form.params(clock.today()), wanted, requested_page(request.args.get("page")))
    except drill.NoDrill:
        abort(404)
    except ValueError as error:  # a split the report cannot make
        form.by.errors = [str(error)]
        return None


@bp.route("/<name>/export.<fmt>")
@allow(Role.MANAGER)
def download(name: str, fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    form, report, _ = _report(name)
    if report is None:
        abort(400)
    data = exports.export(report, fmt, actor=current_user, bom=fmt == "csv")
    db.session.commit()
    return exports.attachment(report, fmt, data)
