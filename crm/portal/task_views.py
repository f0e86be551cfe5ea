"""The portal's own tasks' pages: "Your details" (each adult's details, corrected by the applicant) and
"Consents for checks" (the signed-in adult's own consents; the others' shown)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from crm.errors import errors_on
from crm.extensions import db
from crm.portal import consents as consent_service
from crm.portal.audit import record_applicant_event
from crm.portal.auth import applicant_person, applicant_required, current_account
from crm.portal.details import adults, correct
from crm.portal.forms import ConsentForm, DetailsForm
from crm.portal.views import bp


@bp.route("/details")
@applicant_required
def details():
    account = current_account()
    record_applicant_event(account, "portal_viewed_details")
    html = render_template("portal/details.html", title="Your details", people=adults(account.household))
    db.session.commit()
    return html


@bp.route("/details/<int:person_id>", methods=["GET", "POST"])
@applicant_required
def change_details(person_id: int):
    account = current_account()
    person = applicant_person(person_id)
    if person not in adults(account.household):
        from flask import abort
        abort(404)
    form = DetailsForm()
    if form.validate_on_submit():
        with errors_on(form):
            correct(account, person, form.person_details(), form.circumstances())
            db.session.commit()
            flash(f"{person.full_name}'s details are saved. Your social worker can see what changed.", "success")
            return redirect(url_for("portal.details"))
    elif not form.is_submitted():
        form = DetailsForm.of(person)
    return render_template("portal/change_details.html", title="Change details", form=form, person=person), \
        400 if form.errors else 200


@bp.route("/consents", methods=["GET", "POST"])
@applicant_required
def consents():
    account = current_account()
    form = ConsentForm()
    asked = consent_service.kinds_for(account.person)
    form.kinds.choices = [(kind.value, consent_service.LABELS[kind]) for kind in asked]
    if form.validate_on_submit():
        with errors_on(form):
            consent_service.record(account, set(form.kinds.data or []))
            db.session.commit()
            flash("Your consents are saved.", "success")
            return redirect(url_for("portal.consents"))
    elif not form.is_submitted():
        in_force = consent_service.current([account.person_id])[account.person_id]
        form.kinds.data = [kind.value for kind in asked if kind in in_force]
    return render_template("portal/consents.html", title="Consents for checks", form=form,
                           household=consent_service.household_consents(account.household),
                           labels=consent_service.LABELS), 400 if form.errors else 200
