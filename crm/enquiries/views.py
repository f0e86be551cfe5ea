"""Logging an enquiry, and the queue of enquiries awaiting a first response."""
from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.audit.services import record_event
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.enquiries import services
from crm.enquiries.forms import METHOD_LABELS, EnquiryForm
from crm.enquiries import matches
from crm.enquiries.models import ContactMethod, EnquiryContact, PossibleMatch
from crm.errors import DomainError, errors_on
from crm.extensions import db
from crm.formatting import date_time
from crm.households import authorities
from crm.households.models import Household, ServiceLine
from crm.households.visibility import may_see
from crm.marketing.models import Channel
from crm.pagination import requested_page
from crm.queues import awaiting
from crm.queues.filters import awaiting_tags, parse_awaiting
from crm.queues.forms import awaiting_form
from crm.queues.links import Listing
from crm.queues.sorting import requested_sort

bp = Blueprint("enquiries", __name__, url_prefix="/enquiries")
ENQUIRY_ROLES = (Role.RECRUITMENT_OFFICER, Role.MANAGER)
NEW_HOUSEHOLD = "new"
QUEUE_ARGS = ("method", "channel", "overdue", "sort", "order", "page")
# The form field of each field EnquiryDetails names differently: the form asks for a day, not a moment.
SERVICE_FIELDS = {"received_at": "received_on"}


def _choices(form: EnquiryForm) -> None:
    form.service_lines.choices = [(s.code, s.name) for s in db.session.scalars(select(ServiceLine).order_by(ServiceLine.code))]
    form.partner_authority.choices = [("", "Not known")] + [
        (str(p.id), p.name) for p in authorities.offered()]
    channels = sorted(db.session.scalars(select(Channel).where(Channel.active.is_(True))), key=lambda c: c.path)
    form.channel.choices = [("", "Not known")] + [(str(c.id), c.path) for c in channels]


def _details(form: EnquiryForm) -> services.EnquiryDetails:
    day = form.received_on.data
    received = clock.now() if day is None or day == clock.today() else clock.london_time(day, time(12))
    second = (form.second_first_name.data, form.second_last_name.data)
    return services.EnquiryDetails(
        first_name=form.first_name.data, last_name=form.last_name.data, service_lines=form.service_lines.data,
        method=ContactMethod(form.method.data), email=form.email.data or None, phone=form.phone.data or None,
        postcode=form.postcode.data or None, address_line_1=form.address_line_1.data or None,
        town=form.town.data or None, partner_authority_id=int(form.partner_authority.data or 0) or None,
        second_applicant=second if all(second) else None, channel_id=int(form.channel.data or 0) or None,
        notes=form.notes.data or None, received_at=received, answered_during_contact=bool(form.answered.data))


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
    with errors_on(form, fields=SERVICE_FIELDS):
        contact = services.log_enquiry(details, actor=current_user, household=household)
        db.session.commit()
        response = ("First response recorded: answered during the call." if contact.first_responded_at else
                    f"First response due by {date_time(contact.first_response_due_at)}.")
        flash(f"Enquiry saved for household {contact.household.reference}. {response}", "success")
        return redirect(url_for("households.show", household_id=contact.household_id))
    return render_template("enquiries/new.html", form=form, matches=[]), 400


@bp.route("/possible-matches/<int:match_id>", methods=["POST"])
@allow(*ENQUIRY_ROLES)
def settle_possible_match(match_id: int):
    """Same household or not: only for a user who may see both households (else 404, as for any other)."""
    match = db.session.get(PossibleMatch, match_id)
    if match is None or not (may_see(current_user, match.contact.household_id)
                             and may_see(current_user, match.household_id)):
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("same", "different"):
        abort(400)
    placeholder_id = match.contact.household_id
    try:
        household = matches.settle(match, decision == "same", actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
        return redirect(url_for("households.show", household_id=placeholder_id))
    db.session.commit()
    flash(f"Enquiry added to household {household.reference}." if decision == "same" else
          "Kept as a separate household.", "success")
    return redirect(url_for("households.show", household_id=household.id))


@bp.route("/awaiting-response")
@allow(*ENQUIRY_ROLES)
def awaiting_response():
    channels, now = _channel_paths(), clock.now()
    filters = parse_awaiting(request.args, channels=set(channels))
    sort = requested_sort(request.args.get("sort"), request.args.get("order"), awaiting.COLUMNS, awaiting.DEFAULT_SORT)
    queue = awaiting.awaiting_queue(current_user, filters, sort, requested_page(request.args.get("page")), now=now)
    record_event(db.session, "viewed_work_queue", actor=current_user, detail={
        "queue": "awaiting_first_response", "filters": filters.args(), "page": queue.page.number,
        "results": queue.page.total})
    page = _render_awaiting(filters, sort, queue, channels, now)
    db.session.commit()  # after rendering: committing first would expire the rows and reload each one
    return page


def _render_awaiting(filters, sort, queue: awaiting.AwaitingQueue, channels: dict[int, str], now: datetime) -> str:
    listing = Listing("enquiries.awaiting_response", filters.args(), sort, awaiting.DEFAULT_SORT)
    tags = awaiting_tags(filters, lambda rest: listing.url(args=rest.args()), method_labels=METHOD_LABELS,
                         channels=channels)
    return render_template("enquiries/awaiting.html", queue=queue, listing=listing, tags=tags, now=now,
                           headers=listing.headers(awaiting.COLUMNS),
                           filter_form=awaiting_form(filters, channels=channels), clear_url=listing.url(args={}))


def _channel_paths() -> dict[int, str]:
    """Every channel, named with its parent ("digital > Google Ads"), in the order of those names."""
    channels = db.session.scalars(select(Channel).options(selectinload(Channel.parent)))
    return {channel.id: channel.path for channel in sorted(channels, key=lambda c: c.path)}


@bp.route("/<int:contact_id>/first-response", methods=["POST"])
@allow(*ENQUIRY_ROLES)
def first_response(contact_id: int):
    contact = db.session.get(EnquiryContact, contact_id)
    if contact is None or not may_see(current_user, contact.household_id):
        abort(404)
    with errors_on():
        services.record_first_response(contact, actor=current_user)
        db.session.commit()
        flash(f"First response recorded for {contact.household.reference}.", "success")
    return redirect(_back_to_queue())


def _back_to_queue() -> str:
    """The queue as the officer left it: the form posts to a URL carrying its filters, sort and page."""
    kept = {key: request.args.getlist(key) for key in QUEUE_ARGS if key in request.args}
    return url_for("enquiries.awaiting_response", **kept)
