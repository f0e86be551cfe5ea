"""The applications work queue: my households, my team's, or all I may see, filtered, sorted and paginated."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm import clock
from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.pagination import requested_page
from crm.queues import queries
from crm.queues.filters import ApplicationFilters, application_tags, parse_applications
from crm.queues.forms import application_form
from crm.queues.links import Listing
from crm.queues.sorting import requested_sort

bp = Blueprint("queues", __name__)
QUEUE_ROLES = (*CASEWORK_ROLES, Role.MANAGER)


@bp.route("/queue")
@allow(*QUEUE_ROLES)
def applications():
    user = current_user._get_current_object()
    lines, authorities = queries.service_line_names(), queries.authority_names()
    filters = parse_applications(request.args, scopes=queries.scopes(user), default_scope=queries.default_scope(user),
                                 service_lines=set(lines), authorities=set(authorities))
    sort = requested_sort(request.args.get("sort"), request.args.get("order"), queries.COLUMNS, queries.DEFAULT_SORT)
    queue = queries.application_queue(user, filters, sort, requested_page(request.args.get("page")),
                                      today=clock.today())
    _audit(user, filters, queue)
    page = _render(user, filters, sort, queue, lines, authorities)
    db.session.commit()  # after rendering: committing first would expire the rows and reload each one
    return page


def _render(user, filters: ApplicationFilters, sort, queue: queries.ApplicationQueue, lines: dict,
            authorities: dict) -> str:
    listing = Listing("queues.applications", filters.args(), sort, queries.DEFAULT_SORT)
    return render_template(
        "queues/applications.html", queue=queue, listing=listing, headers=listing.headers(queries.COLUMNS),
        stages=_stage_links(filters, queue.by_stage, listing),
        filter_form=application_form(filters, scopes=queries.scopes(user), service_lines=lines, authorities=authorities),
        tags=application_tags(filters, lambda rest: listing.url(args=rest.args()), service_lines=lines,
                              authorities=authorities),
        clear_url=listing.url(args=filters.cleared().args()))


def _audit(user, filters: ApplicationFilters, queue: queries.ApplicationQueue) -> None:
    """Who looked at which list of households; the search words are left out (they are often a name)."""
    shown = {key: value for key, value in filters.args().items() if key != "q"}
    record_event(db.session, "viewed_work_queue", actor=user,
                 detail={"queue": "applications", "filters": shown, "searched": bool(filters.text),
                         "page": queue.page.number, "results": queue.page.total})


def _stage_links(filters: ApplicationFilters, counts: dict[Stage, int], listing: Listing) -> list[dict]:
    """'All stages' then each stage with its count under the other filters, each a link to that list."""
    every = replace(filters, stages=())
    links = [{"label": "All stages", "count": sum(counts.values()), "href": listing.url(args=every.args()),
              "current": not filters.stages}]
    links += [{"label": stage.label, "count": count, "href": listing.url(args=filters.with_stage(stage).args()),
               "current": filters.stages == (stage,)} for stage, count in counts.items()]
    return links
