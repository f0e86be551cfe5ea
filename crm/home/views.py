"""The home page: each role's starting point (work queue, pipeline, or configuration)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from crm.audit.services import record_event
from crm.auth.policy import signed_in
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.extensions import db
from crm.households import services as households

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    user = current_user._get_current_object()
    context = {"roles": user.roles, "Role": Role}
    if user.has_any_role(CASEWORK_ROLES):
        context["queue"], context["queue_total"] = households.allocated_applications(user.id)
        record_event(db.session, "viewed_work_queue", actor=user, detail={"households": context["queue_total"]})
        db.session.commit()
    if user.has_any_role({Role.MANAGER, Role.MARKETING_OFFICER}):
        context["pipeline"] = households.pipeline()
        context["service_lines"] = households.service_lines()
        # Marketing sees aggregates only, and no figure small enough to point at a family.
        context["suppress_small"] = not user.has_any_role({Role.MANAGER})
    return render_template("home/index.html", days_since=households.days_since, **context)
