"""The public enquiry form: GOV.UK question page, honeypot, rate limit, and where the enquirer came from."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from crm import clock
from crm.auth.policy import public
from crm.enquiries import intake
from crm.enquiries.models import ContactMethod
from crm.enquiries.services import EnquiryDetails
from crm.extensions import db, limiter
from crm.households.models import ServiceLine
from crm.marketing.models import Channel
from crm.public.forms import PublicEnquiryForm

bp = Blueprint("public", __name__)
UTM_FIELDS = ("source", "medium", "campaign")
REPLY_BY = "public_enquiry_reply_by"


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC_ENQUIRY"]


def _choices(form: PublicEnquiryForm) -> None:
    form.service_lines.choices = [(s.code, s.name) for s in db.session.scalars(select(ServiceLine).order_by(ServiceLine.code))]
    top_level = db.session.scalars(select(Channel).where(Channel.parent_id.is_(None), Channel.active.is_(True))
                                   .order_by(Channel.name))
    form.heard_about.choices = [("", "Choose an answer")] + [(str(c.id), c.name.capitalize()) for c in top_level]


def _where_from(form: PublicEnquiryForm) -> None:
    """On the first view: the campaign tags of the link followed, and the page that linked here."""
    form.submission_id.data = secrets.token_urlsafe(24)
    for name in UTM_FIELDS:
        getattr(form, f"utm_{name}").data = request.args.get(f"utm_{name}", "")[:200]
    form.referrer.data = (request.referrer or "")[:500]


def details_from(form: PublicEnquiryForm) -> EnquiryDetails:
    second = (form.second_first_name.data, form.second_last_name.data)
    channel = int(form.heard_about.data) if (form.heard_about.data or "").isdigit() else None
    return EnquiryDetails(
        first_name=form.first_name.data, last_name=form.last_name.data, service_lines=form.service_lines.data,
        method=ContactMethod.WEB, email=form.email.data or None, phone=form.phone.data or None,
        postcode=form.postcode.data or None, second_applicant=second if all(second) else None,
        channel_id=channel, utm={n: v for n in UTM_FIELDS if (v := getattr(form, f"utm_{n}").data)},
        referrer=form.referrer.data or None, notes=form.message.data or None,
        idempotency_key=f"web:{form.submission_id.data}" if form.submission_id.data else None)


@bp.route("/enquire", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
@public
def enquire():
    form = PublicEnquiryForm()
    _choices(form)
    if request.method == "GET":
        _where_from(form)
    elif form.website.data:
        # A robot filled in the hidden field: it sees the same thank-you page and nothing is stored.
        current_app.logger.info("Public enquiry refused by the honeypot from %s", request.remote_addr)
        session[REPLY_BY] = None
        return redirect(url_for(".thank_you"))
    elif form.validate_on_submit():
        receipt = intake.receive(details_from(form))
        session[REPLY_BY] = receipt.first_response_due_at.isoformat()
        return redirect(url_for(".thank_you"))
    return render_template("public/enquire.html", form=form, privacy_url=privacy_notice_url()), \
        400 if form.errors else 200


@bp.route("/enquire/thank-you")
@public
def thank_you():
    """Shown once, to the browser that sent the enquiry: the session forgets it here, so the page cannot be brought
    back (by Back, by typing its address, by the next person at a shared computer) to show an earlier enquiry's
    reply date. Without one it leads to an empty form."""
    if REPLY_BY not in session:
        return redirect(url_for(".enquire"))
    reply_by = session.pop(REPLY_BY)
    reply_by = clock.in_london(datetime.fromisoformat(reply_by)) if reply_by else None
    return render_template("public/thank_you.html", reply_by=reply_by)


@bp.route("/enquire/privacy")
@public
def privacy():
    """Hearth's short privacy notice, linked when the agency has not configured its own."""
    return render_template("public/privacy.html")


def privacy_notice_url() -> str:
    return current_app.config.get("PRIVACY_NOTICE_URL") or url_for("public.privacy")
