"""The household page and household search."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from crm import clock
from crm.allocation import panel as allocation_panel
from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.checks import queries as check_queries
from crm.documents import views as documents_panel
from crm.events import panel as events_panel
from crm.extensions import db
from crm.funnel import machine, routes
from crm.portal import household_panel as portal_panel
from crm.forms import without_nul
from crm.funnel.forms import RecordEventForm, UndoForm, offer_reasons
from crm.funnel.reasons import services as reasons
from crm.funnel.stages import EVENT_LABELS, Status
from crm.funnel.timescales import timescale
from crm.households import services
from crm.households.monitoring import PERSON_QUESTIONS, may_see_monitoring
from crm.households.timeline import household_timeline
from crm.pagination import requested_page

bp = Blueprint("households", __name__)
HOUSEHOLD_ROLES = (*CASEWORK_ROLES, Role.MANAGER)


@bp.route("/households")
@allow(*HOUSEHOLD_ROLES)
def search():
    text = without_nul(request.args.get("q", ""))[:200]
    page = services.search(current_user, text, page=requested_page(request.args.get("page")))
    if text.strip():
        record_event(db.session, "searched_households", actor=current_user, detail={"results": page.total})
    html = render_template("households/search.html", q=text, page=page)
    db.session.commit()  # after rendering: committing first would expire the rows and reload each one
    return html


@bp.route("/households/<int:household_id>")
@allow(*HOUSEHOLD_ROLES)
def show(household_id: int):
    household = load(household_id)
    record_event(db.session, "viewed_household", actor=current_user, object_type="household", object_id=household.id)
    return render_household(household)  # commits the audit rows once, with the page's own


def load(household_id: int):
    try:
        return services.visible_household(current_user, household_id)
    except services.NotVisible:
        abort(404)  # the same answer whether it does not exist or is not theirs to see


def render_household(household, forms: dict | None = None, status: int = 200):
    """The household page; `forms` carries a submitted form (with its errors): ("event" or "undo", application id)
    for an application, or "booking" / "consultation" for its information events."""
    today = clock.today()
    panels = []
    listed = reasons.all_reasons()
    offered = [reason for reason in listed if reason.active]
    for application in household.applications:
        event_form = (forms or {}).get(("event", application.id)) or RecordEventForm(formdata=None)
        offer_reasons(event_form, offered)
        available = machine.available(application, today=today)
        event_form.kind.choices = [(k.value, EVENT_LABELS[k]) for k in available]
        event_form.worker.choices, event_form.team.choices, listed_team = allocation_panel.hand_over_choices(
            household, available)
        if listed_team:
            event_form.worker.description = (f"{event_form.worker.description} Listed: {listed_team}'s workers; a "
                                             "manager can reallocate the household to another team.")
        undo_form = (forms or {}).get(("undo", application.id)) or UndoForm(formdata=None)
        for key, form in (("event", event_form), ("undo", undo_form)):
            _unique_ids(form, f"{key}-{application.id}")
        live = machine.live(application.events)
        unrecorded = {live[index].id: routes.unrecorded_names(stages)
                      for index, stages in machine.unrecorded(application).items()}
        state = machine.replay(application.events)
        panels.append({"application": application, "timescale": timescale(application, today),
                       "event_form": event_form, "undo_form": undo_form, "unrecorded": unrecorded,
                       "held_after_approval": state.held_on if state.status is Status.APPROVED else None})
    household_checks = check_queries.household_checks(household, current_user)
    monitoring = may_see_monitoring(current_user)
    if monitoring:
        record_event(db.session, "viewed_equality_monitoring", actor=current_user, object_type="household",
                     object_id=household.id)
    html = render_template("households/show.html", household=household, panels=panels, today=today,
                           household_checks=household_checks, monitoring=monitoring, questions=PERSON_QUESTIONS,
                           timeline=household_timeline(household, current_user),
                           reason_names={reason.id: reason.name for reason in listed},
                           labels=EVENT_LABELS, is_manager=Role.MANAGER in current_user.roles,
                           events=events_panel.section(household, forms or {}),
                           allocation=allocation_panel.section(household, forms or {}),
                           possible_matches=possible_matches_section(household),
                           portal=portal_panel.section(household, current_user),
                           documents=documents_panel.section(household))
    # The outcomes and monitoring answers shown are audited (special-category data). One commit, after rendering:
    # committing first would expire the household and reload every row the page reads.
    db.session.commit()
    return html, status


def possible_matches_section(household) -> list[dict]:
    """The unsettled possible matches of this household's enquiries, for those who settle them (officers and
    managers); a known household the user may not see is not named."""
    from crm.enquiries.matches import open_matches
    from crm.enquiries.views import ENQUIRY_ROLES
    from crm.events.queries import visible_household_ids

    if not current_user.roles & set(ENQUIRY_ROLES):
        return []
    matches = open_matches([household.id]).get(household.id, [])
    visible = visible_household_ids(current_user, [match.household_id for match in matches])
    return [{"match": match, "visible": match.household_id in visible} for match in matches]


def _unique_ids(form, prefix: str) -> None:
    """Several forms share the page: give their fields page-unique ids, keeping the names the views read."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
