"""What every template sees: the service name and the navigation the signed-in user may use."""
from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_login import current_user

from crm import formatting
from crm.auth.policy import may_use

# The formatting rules as Jinja filters, for every template: {{ day|long_date }}, {{ spend|money }}.
FILTERS = {"long_date": formatting.long_date, "date_time": formatting.date_time, "short_date": formatting.short_date,
           "short_date_time": formatting.short_date_time, "number": formatting.number, "money": formatting.money,
           "percent": formatting.percent, "postcode": formatting.postcode, "month_name": formatting.month_name,
           "month_label": formatting.month_label}

# The service navigation, as (area, page, endpoint) lines: the header shows each area the user may use one page of
# (at most seven areas), linking to its first such page; an area's page shows the area's pages as a sub-navigation
# (templates/_sub_navigation.html) when the user may use more than one. A page belongs to the area and page whose
# address is the longest leading part of its own ("/checks/12" is Work queue > Checks, "/admin/checks/3" the check
# catalogue). To add a page, add its line to its area.
NAVIGATION: list[tuple[str, str, str]] = [
    ("Home", "Home", "home.index"),
    ("Work queue", "Applications", "queues.applications"),
    ("Work queue", "My caseload", "allocation.my_caseload"),
    ("Work queue", "Team caseload", "allocation.team_caseload"),
    ("Work queue", "Checks", "checks.queue"),
    ("Work queue", "Awaiting response", "enquiries.awaiting_response"),
    ("Work queue", "Escalations", "escalations.index"),
    ("Households", "Find a household", "households.search"),
    ("Households", "New enquiry", "enquiries.new"),
    ("Events", "Information events", "events.index"),
    ("Reports", "Reports", "reports.index"),
    ("Reports", "Targets", "targets.index"),
    ("Marketing", "Dashboard", "marketing_dashboard.index"),
    ("Marketing", "Campaigns", "marketing.campaigns"),
    ("Marketing", "Monthly figures", "marketing.metrics"),
    ("Marketing", "Channels", "marketing.channels"),
    ("Marketing", "UTM rules", "attribution.index"),
    ("Administration", "Overview", "admin.index"),
    ("Administration", "Users", "admin.users"),
    ("Administration", "Teams", "admin.teams"),
    ("Administration", "Partner authorities", "admin.partner_authorities"),
    ("Administration", "Withdrawal reasons", "withdrawal_reasons.index"),
    ("Administration", "Check catalogue", "checks.catalogue_list"),
    ("Administration", "API tokens", "admin.api_tokens"),
    ("Administration", "Import and export", "transfer.imports"),
    ("Administration", "Retention rules", "retention.rules"),
    ("Administration", "Retention preview", "retention.preview"),
    ("Administration", "Audit log", "audit.search"),
]


def _areas() -> list[dict]:
    """The areas the user may use, in NAVIGATION's order, each {"text", "href", "active", "pages"}; the pages
    {"text", "href", "current"}. The current page is the one whose address leads the request's path furthest."""
    app = current_app._get_current_object()
    areas: dict[str, dict] = {}
    for area, label, endpoint in NAVIGATION:
        if endpoint in app.view_functions and may_use(current_user, app, endpoint):
            entry = areas.setdefault(area, {"text": area, "pages": [], "active": False})
            entry["pages"].append({"text": label, "href": url_for(endpoint), "current": False})
    pages = [page for entry in areas.values() for page in entry["pages"]]
    current = max((page for page in pages if _leads(page["href"], request.path)),
                  key=lambda page: len(page["href"].rstrip("/")), default=None)
    for entry in areas.values():
        entry["href"] = entry["pages"][0]["href"]
        if current in entry["pages"]:
            entry["active"] = current["current"] = True
    return list(areas.values())


def _leads(href: str, path: str) -> bool:
    """Whether the page at `href` leads to `path`: the same address, or one under it (the home page only itself)."""
    base = href.rstrip("/")
    return path.rstrip("/") == base or (bool(base) and path.startswith(base + "/"))


def areas() -> list[dict]:
    """The signed-in user's areas for this request (computed once per request)."""
    if not current_user.is_authenticated:
        return []
    if "hearth_areas" not in g:
        g.hearth_areas = _areas()
    return g.hearth_areas


def navigation() -> list[dict]:
    """The header's entries (govukServiceNavigation's items)."""
    return [{"text": area["text"], "href": area["href"], "active": area["active"]} for area in areas()]


def sub_navigation() -> dict | None:
    """The current area and its pages, when the user may use more than one of them."""
    area = next((area for area in areas() if area["active"]), None)
    return area if area and len(area["pages"]) > 1 else None


def template_context() -> dict:
    return {"service_name": current_app.config["SERVICE_NAME"], "navigation": navigation,
            "sub_navigation": sub_navigation, "public_service_name": current_app.config["PUBLIC_SERVICE_NAME"]}
