"""Information events pages, booking from the household page, attendance, and 1:1 consultations."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm import clock
from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.events import panel, queries, services
from crm.events.forms import AttendanceForm, BookingForm, ConsultationForm, EventForm
from crm.events.models import EventBooking, InformationEvent
from crm.errors import DomainError, errors_on
from crm.extensions import db
from crm.households import authorities
from crm.households.models import ServiceLine
from crm.households.views import load, render_household

bp = Blueprint("events", __name__)
EVENT_ROLES = (Role.RECRUITMENT_OFFICER, Role.MANAGER)


@bp.route("/events")
@allow(*EVENT_ROLES)
def index():
    now = clock.now()
    return render_template("events/index.html", upcoming=queries.upcoming_events(now), past=queries.past_events(now),
                           past_limit=queries.PAST_EVENTS_SHOWN)


@bp.route("/events/new", methods=["GET", "POST"])
@allow(*EVENT_ROLES)
def new():
    form = EventForm()
    form.service_line.choices = [("", "All service lines")] + [
        (s.code, s.name) for s in db.session.scalars(select(ServiceLine).order_by(ServiceLine.code))]
    form.partner_authority.choices = [("", "None")] + [
        (str(p.id), p.name) for p in authorities.offered()]
    if form.validate_on_submit():
        with errors_on(form):
            event = services.create_event(form.details(), actor=current_user)
            db.session.commit()
            flash(f"Event created: {event.title}, {event.when_text}.", "success")
            return redirect(url_for("events.show", event_id=event.id))
    return render_template("events/new.html", form=form), 400 if form.errors else 200


@bp.route("/events/<int:event_id>")
@allow(*EVENT_ROLES)
def show(event_id: int):
    response = _render_event(event_id)
    record_event(db.session, "viewed_information_event", actor=current_user, object_type="information_event",
                 object_id=event_id)
    db.session.commit()
    return response


def _render_event(event_id: int, attendance_form: AttendanceForm | None = None, status: int = 200):
    event = queries.event_page(event_id)
    if event is None:
        abort(404)
    active = [b for b in event.bookings if b.cancelled_at is None]
    form = attendance_form or AttendanceForm(formdata=None)
    now = clock.now()
    return render_template(
        "events/show.html", event=event, active=active, cancelled=[b for b in event.bookings if b.cancelled_at],
        visible=queries.visible_household_ids(current_user, [b.household_id for b in event.bookings]),
        booking_label=services.booking_label,
        form=form, started=event.starts_at <= now, over=event.ends_at <= now), status


@bp.route("/events/<int:event_id>/attendance", methods=["POST"])
@allow(*EVENT_ROLES)
def record_attendance(event_id: int):
    event = db.session.get(InformationEvent, event_id) or abort(404)
    form = AttendanceForm()
    form.attended.choices = [(str(b.id), str(b.id)) for b in event.bookings if b.cancelled_at is None]
    if form.validate():
        with errors_on(form):
            visible = queries.visible_household_ids(current_user, [b.household_id for b in event.bookings])
            result = services.record_attendance(event, form.attended.data, actor=current_user, visible=visible)
            db.session.commit()
            flash(f"Attendance saved: {result.attended} attended, {result.did_not_attend} did not attend. "
                  f"{result.moved} application{'' if result.moved == 1 else 's'} moved to Information event.",
                  "success")
            return redirect(url_for("events.show", event_id=event_id))
    return _render_event(event_id, form, status=400)


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@allow(*EVENT_ROLES)
def cancel(event_id: int):
    event = db.session.get(InformationEvent, event_id) or abort(404)
    _act(lambda: services.cancel_event(event, actor=current_user), "Event cancelled. Let the households booked know.")
    return redirect(url_for("events.show", event_id=event_id))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@allow(*EVENT_ROLES)
def cancel_booking(booking_id: int):
    booking = db.session.get(EventBooking, booking_id) or abort(404)
    from_household = request.form.get("return_to") == "household"
    if from_household:
        load(booking.household_id)  # 404 unless the user may see the household
    event_id, household_id = booking.event_id, booking.household_id
    _act(lambda: services.cancel_booking(booking, actor=current_user), "Booking cancelled: the place is free again.")
    if from_household:
        return redirect(url_for("households.show", household_id=household_id, _anchor="information-events"))
    return redirect(url_for("events.show", event_id=event_id))


def _act(act, message: str) -> None:
    """Do a one-button change: commit and confirm, or roll back and say why not."""
    with errors_on():
        act()
        db.session.commit()
        flash(message, "success")


@bp.route("/households/<int:household_id>/bookings", methods=["POST"])
@allow(*EVENT_ROLES)
def book(household_id: int):
    household = load(household_id)
    form = BookingForm()
    if form.validate():
        with errors_on(form):
            services.book(_chosen_event(form.event.data), household, actor=current_user)
            db.session.commit()
            flash(f"{household.reference} is booked onto the event.", "success")
            return redirect(url_for("households.show", household_id=household_id, _anchor="information-events"))
    return render_household(load(household_id), {"booking": form}, status=400)


@bp.route("/households/<int:household_id>/consultations", methods=["POST"])
@allow(*EVENT_ROLES)
def record_consultation(household_id: int):
    household = load(household_id)
    form = ConsultationForm()
    panel.consultation_choices(form, household)
    if form.validate():
        with errors_on(form):
            consultation = services.record_consultation(household, form.details(), actor=current_user)
            db.session.commit()
            moved = len(consultation.moves)
            flash(f"1:1 consultation recorded. {moved} application{'' if moved == 1 else 's'} moved to Information "
                  "event.", "success")
            return redirect(url_for("households.show", household_id=household_id, _anchor="information-events"))
    return render_household(load(household_id), {"consultation": form}, status=400)


def _chosen_event(value: str) -> InformationEvent:
    event = db.session.get(InformationEvent, int(value)) if value.isdigit() else None
    if event is None:
        raise DomainError("Choose an event", "event")
    return event
