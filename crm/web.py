"""What every template sees: the service name and the navigation the signed-in user may use."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

from crm.auth.policy import may_use

# (label, endpoint): shown to a user only when the access policy lets them use the endpoint.
NAVIGATION = [
    ("Home", "home.index"),
    ("Work queue", "queues.applications"),
    ("Checks", "checks.queue"),
    ("Households", "households.search"),
    ("New enquiry", "enquiries.new"),
    ("Awaiting response", "enquiries.awaiting_response"),
    ("Escalations", "escalations.index"),
    ("Reports", "reports.index"),
    ("Information events", "events.index"),
    ("Users", "admin.users"),
    ("API tokens", "admin.api_tokens"),
    ("Check catalogue", "checks.catalogue_list"),
    ("Import and export", "transfer.imports"),
    ("Audit log", "audit.search"),
]


def navigation() -> list[dict]:
    app = current_app._get_current_object()
    return [
        {"text": label, "href": url_for(endpoint), "active": request.endpoint == endpoint}
        for label, endpoint in NAVIGATION
        if current_user.is_authenticated and may_use(current_user, app, endpoint)
    ]


def template_context() -> dict:
    return {"service_name": current_app.config["SERVICE_NAME"], "navigation": navigation,
            "public_service_name": current_app.config["PUBLIC_SERVICE_NAME"]}
