"""What every template sees: the service name and the navigation the signed-in user may use."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

from crm import formatting
from crm.auth.policy import may_use

# The formatting rules as Jinja filters, for every template: {{ day|long_date }}, {{ spend|money }}.
FILTERS = {"long_date": formatting.long_date, "date_time": formatting.date_time, "short_date": formatting.short_date,
           "short_date_time": formatting.short_date_time, "number": formatting.number, "money": formatting.money,
           "percent": formatting.percent, "postcode": formatting.postcode, "month_name": formatting.month_name,
           "month_label": formatting.month_label}

# (label, endpoints): shown when the access policy lets the user use one of the endpoints, linking to the first such;
# highlighted on any page of the endpoints' blueprints. An area with several pages has one entry and its own
# sub-navigation (the marketing pages: templates/marketing/_sections.html).
NAVIGATION: list[tuple[str, tuple[str, ...]]] = [
    ("Home", ("home.index",)),
    ("Work queue", ("queues.applications",)),
    ("My caseload", ("allocation.my_caseload",)),
    ("Team caseload", ("allocation.team_caseload",)),
    ("Checks", ("checks.queue",)),
    ("Households", ("households.search",)),
    ("New enquiry", ("enquiries.new",)),
    ("Awaiting response", ("enquiries.awaiting_response",)),
    ("Escalations", ("escalations.index",)),
    ("Reports", ("reports.index", "targets.index")),
    ("Marketing", ("marketing_dashboard.index", "marketing.campaigns", "marketing.channels")),
    ("Information events", ("events.index",)),
    ("Administration", ("admin.index", "admin.users", "admin.teams", "admin.partner_authorities", "admin.api_tokens")),
    ("Check catalogue", ("checks.catalogue_list",)),
    ("Withdrawal reasons", ("withdrawal_reasons.index",)),
    ("Import and export", ("transfer.imports",)),
    ("Audit log", ("audit.search",)),
]
# Pages of these blueprints highlight the entry of the area they belong to.
AREA_BLUEPRINTS = {"Reports": {"reports", "targets"}, "Marketing": {"marketing", "marketing_dashboard", "attribution"},
                   "Administration": {"admin"}}


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    app = current_app._get_current_object()
    entries = []
    for label, endpoints in NAVIGATION:
        usable = next((endpoint for endpoint in endpoints if may_use(current_user, app, endpoint)), None)
        if usable:
            active = request.endpoint in endpoints or request.blueprint in AREA_BLUEPRINTS.get(label, ())
            entries.append({"text": label, "href": url_for(usable), "active": active})
    return entries


def template_context() -> dict:
    return {"service_name": current_app.config["SERVICE_NAME"], "navigation": navigation,
            "public_service_name": current_app.config["PUBLIC_SERVICE_NAME"]}
