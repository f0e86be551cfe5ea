"""The worker's side of the applicant portal, from the household page: invite an adult (or send the invitation
again), close their access, and the message thread with the household."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db
from crm.households import services as households
from crm.households.models import Person
from crm.portal import invitations, messages as messages_service, notify
from crm.portal.forms import InviteForm, WorkerMessageForm
from crm.portal.models import PortalAccount
from crm.portal.views import portal_form_limit

bp = Blueprint("portal_staff", __name__)

# The roles that work the case from Stage 1 on (SPEC section 1); what they see follows the household's visibility.
PORTAL_ROLES = (Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER, Role.MANAGER)


def _household(household_id: int):
    try:
        return households.visible_household(current_user, household_id)
    except households.NotVisible:
        abort(404)


def _person(household, person_id: int) -> Person:
    person = next((p for p in household.people if p.id == person_id), None)
    if person is None or not invitations.invitable(person):
        abort(404)
    return person


@bp.route("/households/<int:household_id>/portal/people/<int:person_id>/invite", methods=["GET", "POST"])
@portal_form_limit
@allow(*PORTAL_ROLES)
def invite(household_id: int, person_id: int):
    household = _household(household_id)
    person = _person(household, person_id)
    account = invitations.household_accounts(household.id).get(person.id)
    form = InviteForm()
    if form.validate_on_submit():
        with errors_on(form):
            account, token = invitations.invite(person, form.email.data, actor=current_user)
            db.session.commit()
            url = notify.absolute_url("portal.invitation", token=token)
            emailed = notify.send_invitation(account.email, token)
            return render_template("portal_staff/invited.html", title="Invitation sent", household=household,
                                   person=person, account=account, url=url, emailed=emailed)
    elif not form.is_submitted():
        form.email.data = account.email if account and account.email else household.email
    return render_template("portal_staff/invite.html", title="Invite to the applicant portal", form=form,
                           household=household, person=person, account=account,
                           may_invite=invitations.may_invite(household)), 400 if form.errors else 200


@bp.route("/households/<int:household_id>/portal/accounts/<int:account_id>/close", methods=["POST"])
@portal_form_limit
@allow(*PORTAL_ROLES)
def close(household_id: int, account_id: int):
    household = _household(household_id)
    account = db.session.get(PortalAccount, account_id)
    if account is None or account.household_id != household.id:
        abort(404)
    with errors_on():
        invitations.close(account, actor=current_user)
        db.session.commit()
        flash(f"{account.person.full_name}'s access to the applicant portal is closed.", "success")
    return redirect(url_for("households.show", household_id=household.id, _anchor="applicant-portal"))


@bp.route("/households/<int:household_id>/portal/messages", methods=["GET", "POST"])
@portal_form_limit
@allow(*PORTAL_ROLES)
def messages(household_id: int):
    household = _household(household_id)
    form = WorkerMessageForm()
    if form.validate_on_submit():
        with errors_on(form):
            messages_service.send_from_worker(household, form.body.data, actor=current_user)
            db.session.commit()
            notify.tell_applicants(household.id)
            flash("Your message has been sent.", "success")
            return redirect(url_for("portal_staff.messages", household_id=household.id))
    listed = messages_service.thread(household.id)
    messages_service.mark_read(household.id, by_applicant=False)
    db.session.commit()
    return render_template("portal_staff/messages.html", title="Messages with the household", form=form,
                           household=household, messages=listed), 400 if form.errors else 200
