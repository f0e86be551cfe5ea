"""The household page's information-events section: its bookings, consultations, timeline and forms."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user

from crm import clock
from crm.auth.policy import may_use
from crm.events import queries
from crm.events.forms import BookingForm, ConsultationForm
from crm.events.services import open_service_lines
from crm.reports import cache


def section(household, forms: dict) -> dict:
    """What the section shows; `forms` may carry a submitted booking or consultation form with its errors."""
    bookings = queries.household_bookings(household.id)
    consultations = queries.household_consultations(household.id)
    app = current_app._get_current_object()
    may_book = may_use(current_user, app, "events.book")
    may_consult = may_use(current_user, app, "events.record_consultation")
    return {
        "bookings": bookings, "consultations": consultations,
        "activity": queries.household_activity(bookings, consultations),
        "may_open_events": may_use(current_user, app, "events.show"),
        "may_cancel": may_use(current_user, app, "events.cancel_booking"),
        "booking_form": _booking_form(household, forms.get("booking")) if may_book else None,
        "consultation_form": _consultation_form(household, forms.get("consultation")) if may_consult else None,
        "move_sources": queries.stage_move_sources(a.id for a in household.applications),
    }


def booking_choices(household) -> list[tuple[str, str]]:
    return [(str(row.event.id), f"{row.event.when_text}: {row.event.title} "
                                f"({'online' if row.event.online else 'at a venue'}, {row.places_left} of "
                                f"{row.event.capacity} places left)")
            for row in queries.bookable_events(household, clock.now())]


def consultation_choices(form: ConsultationForm, household) -> None:
    """Who held it: the staff of the household's team and of the user's (and the user, whatever their team);
    the same for every such page until a write, so kept per data version, like the allocation forms' workers."""
    teams = sorted({team for team in (household.team_id, current_user.team_id) if team is not None})
    staff = cache.per_data_version("consultation_staff", {"teams": teams}, lambda: queries.staff_choices(teams))
    mine = str(current_user.id)
    if current_user.active and not any(value == mine for value, _name in staff):
        staff = sorted([*staff, (mine, current_user.full_name)], key=lambda choice: choice[1])
    form.held_by.choices = staff
    lines = open_service_lines(household)
    form.service_line.choices = [("", "All of their open applications")] + [
        (a.service_line_code, a.service_line.name) for a in household.applications if a.service_line_code in lines]


def _booking_form(household, submitted: BookingForm | None) -> BookingForm:
    form = submitted or BookingForm(formdata=None)
    choices = booking_choices(household)
    form.event.choices = [("", "Choose an event")] + choices if choices else []
    _unique_ids(form, "booking")
    return form


def _consultation_form(household, submitted: ConsultationForm | None) -> ConsultationForm:
    form = submitted or ConsultationForm(formdata=None, held_by=str(current_user.id))
    consultation_choices(form, household)
    _unique_ids(form, "consultation")
    return form


def _unique_ids(form, prefix: str) -> None:
    """The household page holds several forms: page-unique field ids, keeping the names the views read."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
