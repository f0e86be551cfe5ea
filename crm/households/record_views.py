"""Editing a household's record from its page: contact details and address, people, equality monitoring."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.errors import errors_on
from crm.extensions import db
from crm.households import records
from crm.households.forms import ContactDetailsForm, LeftForm, MonitoringForm, NewPersonForm, PersonForm
from crm.households.models import PersonRole
from crm.households.monitoring import MONITORING_ROLES, QUESTIONS, HOUSEHOLD_QUESTIONS
from crm.households.postcodes import display_postcode
from crm.households.views import HOUSEHOLD_ROLES, load

bp = Blueprint("records", __name__, url_prefix="/households/<int:household_id>")
CONTACT_FIELDS = ("email", "phone", "address_line_1", "address_line_2", "town", "postcode")


@bp.route("/contact-details", methods=["GET", "POST"])
@allow(*HOUSEHOLD_ROLES)
def contact_details(household_id: int):
    household = load(household_id)
    shown = {name: getattr(household, name) for name in CONTACT_FIELDS}
    form = ContactDetailsForm(data={**shown, "postcode": display_postcode(household.postcode) or None})
    if form.validate_on_submit():
        with errors_on(form):
            records.update_contact_details(household, records.ContactDetails(
                **{name: form[name].data for name in CONTACT_FIELDS}), actor=current_user)
            return _saved(household_id, "Contact details saved.")
    return _page(form, household, "Contact details and address", "contact_details")


@bp.route("/people/new", methods=["GET", "POST"])
@allow(*HOUSEHOLD_ROLES)
def add_person(household_id: int):
    household = load(household_id)
    form = NewPersonForm()
    if form.validate_on_submit():
        with errors_on(form):
            person = records.add_person(household, _person_details(form), PersonRole(form.role.data),
                                        actor=current_user)
            return _saved(household_id, f"{person.full_name} added to the household.")
    return _page(form, household, "Add a person to the household", None)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@allow(*HOUSEHOLD_ROLES)
def edit_person(household_id: int, person_id: int):
    household, person = _person(household_id, person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        with errors_on(form):
            records.update_person(person, _person_details(form), actor=current_user)
            return _saved(household_id, f"{person.full_name}'s details saved.")
    return _page(form, household, f"Correct {person.full_name}'s details", "person", person=person)


@bp.route("/people/<int:person_id>/left", methods=["GET", "POST"])
@allow(*HOUSEHOLD_ROLES)
def person_left(household_id: int, person_id: int):
    household, person = _person(household_id, person_id)
    form = LeftForm()
    if form.validate_on_submit():
        with errors_on(form):
            records.mark_left(person, form.left_on.data, actor=current_user)
            return _saved(household_id, f"{person.full_name} is recorded as having left the household.")
    return _page(form, household, f"{person.full_name} has left the household", None, person=person)


@bp.route("/people/<int:person_id>/equality", methods=["GET", "POST"])
@allow(*MONITORING_ROLES)
def monitoring(household_id: int, person_id: int):
    household, person = _person(household_id, person_id)
    current = {name: getattr(household if name in HOUSEHOLD_QUESTIONS else person, name) for name in QUESTIONS}
    form = MonitoringForm(data={name: value or "" for name, value in current.items()})
    form.offer(current)
    if form.validate_on_submit():
        with errors_on(form):
            records.update_monitoring(person, {name: form[name].data for name in QUESTIONS}, actor=current_user)
            return _saved(household_id, f"Equality monitoring saved for {person.full_name}.")
    return _page(form, household, f"Equality monitoring: {person.full_name}", "equality_monitoring", person=person)


def _person(household_id: int, person_id: int):
    household = load(household_id)
    person = next((p for p in household.people if p.id == person_id), None)
    if person is None:
        abort(404)
    return household, person


def _person_details(form) -> records.PersonDetails:
    return records.PersonDetails(form.first_name.data, form.last_name.data, form.date_of_birth.data)


def _saved(household_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("households.show", household_id=household_id))


def _page(form, household, heading: str, viewed: str | None, *, person=None):
    """The form's page; a first look at personal data already held (not a blank form) is audited."""
    if request.method == "GET" and viewed:
        record_event(db.session, f"viewed_{viewed}", actor=current_user, object_type="household",
                     object_id=household.id, detail={"person_id": person.id if person else None})
    html = render_template("households/edit.html", form=form, household=household, heading=heading, person=person)
    db.session.commit()
    return html, 400 if form.errors else 200
