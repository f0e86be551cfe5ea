"""Recording and undoing events on an application, from the household page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.allocation import services as allocation
from crm.allocation.forms import user_id
from crm.auth.models import User
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db
from crm.funnel import services
from crm.funnel.forms import RecordEventForm, UndoForm, offer_reasons
from crm.funnel.reasons import services as reasons
from crm.funnel.stages import EVENT_LABELS, EventKind
from crm.households.models import Application
from crm.households.views import HOUSEHOLD_ROLES, load, render_household

bp = Blueprint("funnel", __name__)


def _application(application_id: int):
    household_id = db.session.scalar(select(Application.household_id).where(Application.id == application_id))
    if household_id is None:
        abort(404)
    household = load(household_id)
    return household, next(a for a in household.applications if a.id == application_id)


def _submit(household, application, form, key: str, act):
    """Validate, act through the state machine, commit and go back to the household; or show the errors."""
    if form.validate():
        with errors_on(form):
            message = act()
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("households.show", household_id=household.id, _anchor=f"application-{application.id}"))
    return render_household(household, {(key, application.id): form}, status=400)


@bp.route("/applications/<int:application_id>/events", methods=["POST"])
@allow(*HOUSEHOLD_ROLES)
def record_event(application_id: int):
    household, application = _application(application_id)
    form = RecordEventForm()
    form.kind.choices = [(k.value, EVENT_LABELS[k]) for k in EventKind]
    offer_reasons(form, reasons.active_reasons())

    def act() -> str:
        kind = EventKind(form.kind.data)
        details = dict(party=form.party.data or None, reason=form.reason.data, extension_days=form.extension_days.data)
        if kind is EventKind.WITHDRAWN:
            details["withdrawal_reason"] = reasons.offered(form.withdrawal_reason.data)
        if kind not in allocation.HAND_OVERS:
            services.record(application, kind, form.occurred_on.data, actor=current_user, **details)
            return f"Recorded: {EVENT_LABELS[kind]}."
        worker = db.session.get(User, user_id(form.worker.data)) if user_id(form.worker.data) else None
        allocation.hand_over(application, kind, form.occurred_on.data, worker, user_id(form.team.data),
                             actor=current_user, **details)
        return f"Recorded: {EVENT_LABELS[kind]}. Handed over to {worker.full_name}."

    return _submit(household, application, form, "event", act)


@bp.route("/applications/<int:application_id>/undo", methods=["POST"])
@allow(Role.MANAGER)
def undo(application_id: int):
    household, application = _application(application_id)
    form = UndoForm()

    def act() -> str:
        event = services.undo(application, form.reason.data, actor=current_user)
        back = allocation.undo_hand_over(application, event, actor=current_user)
        handed_back = f" The household is back with {back.worker.full_name}." if back else ""
        return f"Undone: {EVENT_LABELS[event.kind]}. It stays in the history, marked as undone.{handed_back}"

    return _submit(household, application, form, "undo", act)
