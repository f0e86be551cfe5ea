"""The home page: each role's starting point (work queue, pipeline, or configuration)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from crm import clock
from crm.audit.services import record_event
from crm.auth.policy import may_use, signed_in
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.escalations.services import escalation_counts
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.households import services as households
from crm.marketing import suppression
from crm.queues import awaiting, queries
from crm.queues.filters import ALL, MINE, SCOPE_LABELS, TEAM, ApplicationFilters
from crm.reports import cache

bp = Blueprint("home", __name__)
# For the links' screen-reader text, which must say which column a count is in without repeating its header.
SHORT_LABELS = {MINE: "allocated to you", TEAM: "your team's", ALL: "all you can see"}
TOTAL = "total"  # the pipeline's total column, as a key beside the service-line codes


@bp.route("/")
@signed_in
def index():
    user = current_user._get_current_object()
    context = {"roles": user.roles, "Role": Role}
    if user.has_any_role(CASEWORK_ROLES):
        context["queue"], context["queue_total"] = households.allocated_applications(user.id)
        record_event(db.session, "viewed_work_queue", actor=user, detail={"households": context["queue_total"]})
    if _may_use("escalations.index"):
        context["escalations"] = escalation_counts(user.id)
    if _may_use("queues.applications"):
        context["queues"] = _queue_links(user)
    if _may_use("enquiries.awaiting_response"):
        context["awaiting_total"], context["awaiting_overdue"] = awaiting.awaiting_counts(user, now=clock.now())
    if user.has_any_role({Role.MANAGER, Role.MARKETING_OFFICER}):
        context.update(_pipeline(suppressed=not user.has_any_role({Role.MANAGER})))
    page = render_template("home/index.html", days_since=households.days_since, **context)
    db.session.commit()  # after rendering: committing first would expire the queue's rows and reload each one
    return page


def _may_use(endpoint: str) -> bool:
    return may_use(current_user, current_app._get_current_object(), endpoint)


def _pipeline(*, suppressed: bool) -> dict:
    """The pipeline table. Marketing sees aggregates only: `hidden` holds the cells shown as "<5", the small ones
    and, by the marketing suppression rule, enough others that none can be worked out from its row's total."""
    rows, lines = _pipeline_rows(), households.service_lines()
    cells = {row.stage: {line.code: row.counts.get(line.code, 0) for line in lines} for row in rows}
    hidden = suppression.hidden_in_rows(cells, TOTAL) if suppressed else set()
    return {"pipeline": rows, "service_lines": lines, "suppressed": suppressed, "hidden": hidden,
            "hidden_label": suppression.SUPPRESSED, "total_column": TOTAL}


def _pipeline_rows() -> list:
    """The same for every manager and marketing officer (the whole pipeline; marketing's cells are hidden after):
    counted once per data version, then a primary-key read of the report cache until the next write. Counted afresh
    when this transaction has written: its writes are under no version yet."""
    return cache.per_data_version("home_pipeline", {}, households.pipeline)


def _queue_links(user) -> dict:
    """Open applications per stage in each of the user's scopes, each count a link to that list in the queue."""
    # Counted per team and role, kept per data version, and the user's own households afresh (crm/queues/counting.py).
    counts = queries.scope_counts(user)
    default = queries.default_scope(user)

    def link(scope: str, stage: Stage | None = None) -> str:
        filters = ApplicationFilters(scope=scope, default_scope=default)
        return url_for("queues.applications", **(filters.with_stage(stage) if stage else filters).args())

    scopes = [{"label": SCOPE_LABELS[scope], "short": SHORT_LABELS[scope], "href": link(scope),
               "total": sum(counts[scope].values())} for scope in counts]
    stages = [{"stage": stage, "cells": [{"count": counts[scope][stage], "href": link(scope, stage)} for scope in counts]}
              for stage in Stage]
    return {"scopes": scopes, "stages": stages}
