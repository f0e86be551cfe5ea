"""Logging an enquiry, and the queue of enquiries awaiting a first response."""
from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from crm import clock
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.db import utcnow
from crm.enquiries import queries, services
from crm.enquiries.forms import EnquiryForm
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.extensions import db
from crm.funnel.machine import TransitionError
from crm.households.models import Household, PartnerAuthority, ServiceLine
from crm.households.visibility import may_see
from crm.marketing.models import Channel

bp = Blueprint("enquiries", __name__, url_prefix="/enquiries")
ENQUIRY_ROLES = (Role.RECRUITMENT_OFFICER, Role.MANAGER)
NEW_HOUSEHOLD = "new"


def _choices(form: EnquiryForm) -> None:
    form.service_lines.choices = [(s.code, s.name) for s in db.session.scalars(select(ServiceLine).order_by(ServiceLine.code))]
    form.partner_authority.choices = [("", "Not known")] + [
        (str(p.id), p.name) for p in db.session.scalars(select(PartnerAuthority).order_by(PartnerAuthority.name))]
    channels = sorted(db.session.scalars(select(Channel).where(Channel.active.is_(True))), key=lambda c: c.path)
    form.channel.choices = [("", "Not known")] + [(str(c.id), c.path) for c in channels]


def _details(form: EnquiryForm) -> services.EnquiryDetails:
    day = form.received_on.data
    received = utcnow() if day is None or day == clock.today() else datetime.combine(day, time(12), tzinfo=clock.LONDON)
    second = (form.second_first_name.data, form.second_last_name.data)
    return services.EnquiryDetails(
        first_name=form.first_name.data, last_name=form.last_name.data, service_lines=form.service_lines.data,
        method=ContactMethod(form.method.data), email=form.email.data or None, phone=form.phone.data or None,
        postcode=form.postcode.data or None, address_line_1=form.address_line_1.data or None,
        town=form.town.data or None, partner_authority_id=int(form.partner_authority.data or 0) or None,
        second_applicant=second if all(second) else None, channel_id=int(form.channel.data or 0) or None,
        notes=form.notes.data or None, received_at=received)


@bp.route("/new", methods=["GET", "POST"])
@allow(*ENQUIRY_ROLES)
def new():
    form = EnquiryForm()
    _choices(form)
    matches = []
    if form.validate_on_submit():
        details = _details(form)
        matches = services.find_matches(details)
        form.match.choices = [(str(m.household.id), f"{m.household.reference}: {m.household.display_name} "
                                                    f"({', '.join(m.reasons)})") for m in matches]
        form.match.choices.append((NEW_HOUSEHOLD, "No, this is a new household"))
        chosen = form.match.data if form.match.data in dict(form.match.choices) else None
        if matches and chosen is None:
            flash("This may be a household we already know. Choose it, or say it is a new household, and save again.")
        else:
            # Only a household offered as a match here can be chosen: never an id from elsewhere.
            household = next((m.household for m in matches if str(m.household.id) == chosen), None)
            return _save(form, details, household)
    return render_template("enquiries/new.html", form=form, matches=matches)


def _save(form: EnquiryForm, details: services.EnquiryDetails, household: Household | None):
    try:
        contact = services.log_enquiry(details, actor=current_user, household=household)
    except TransitionError as error:
        db.session.rollback()
        form.service_lines.errors = [str(error)]
        return render_template("enquiries/new.html", form=form, matches=[]), 400
    db.session.commit()
    flash(f"Enquiry saved for household {contact.household.reference}. "
          f"First response due by {contact.first_response_due_at.astimezone(clock.LONDON):%-d %B %Y %H:%M}.", "success")
    return redirect(url_for("households.show", household_id=contact.household_id))


@bp.route("/awaiting-response")
@allow(*ENQUIRY_ROLES)
def awaiting_response():
    contacts = queries.awaiting_first_response(current_user)
    return render_template("enquiries/awaiting.html", contacts=contacts, now=utcnow(), london=clock.LONDON)


@bp.route("/<int:contact_id>/first-response", methods=["POST"])
@allow(*ENQUIRY_ROLES)
def first_response(contact_id: int):
    contact = db.session.get(EnquiryContact, contact_id)
    if contact is None or not may_see(current_user, contact.household_id):
        abort(404)
    try:
        services.record_first_response(contact, actor=current_user)
    except TransitionError as error:
        flash(str(error))
        return redirect(url_for("enquiries.awaiting_response"))
    db.session.commit()
    flash(f"First response recorded for {contact.household.reference}.", "success")
    return redirect(url_for("enquiries.awaiting_response"))
