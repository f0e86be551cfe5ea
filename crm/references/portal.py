"""The applicant's referee pages at /my/referees: naming referees for their application's reference checks, and
the task 'Name your referees' on their task list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from crm.checks.models import CheckInstance
from crm.errors import errors_on
from crm.extensions import db, limiter
from crm.households.models import Application
from crm.portal import tasks
from crm.portal.auth import applicant_required, client_key, current_account, household_object
from crm.portal.views import form_limit
from crm.references import rules, services
from crm.references.forms import ActionForm, RefereeForm
from crm.references.models import Referee

bp = Blueprint("referees_portal", __name__, url_prefix="/my")
limiter.limit(form_limit, methods=["POST"], key_func=client_key)(bp)


@bp.context_processor
def portal_context() -> dict:
    return {"portal_account": current_account()}


def household_reference_checks(household_id: int) -> list[rules.CheckReferees]:
    """The reference checks of the household's applications, each with its referees."""
    applications = db.session.scalars(select(Application).where(Application.household_id == household_id)
                                      .order_by(Application.id)).all()
    return [section for application in applications for section in services.reference_checks(application)]


def task_status(account) -> str:
    """'Cannot start yet' until reference checks exist; 'Completed' once every open one has its referees named."""
    sections = [section for section in household_reference_checks(account.household_id) if section.check.is_open]
    if not sections:
        return tasks.CANNOT_START
    if all(not section.problems for section in sections):
        return tasks.COMPLETED
    return tasks.IN_PROGRESS if any(section.referees for section in sections) else tasks.NOT_STARTED


tasks.register(tasks.PortalTask(key="referees", title="Name your referees", endpoint="referees_portal.referees",
                                order=30, status=task_status,
                                hint="At least 3 personal referees, 2 of them not family, and any others we ask for"))


@bp.route("/referees")
@applicant_required
def referees():
    account = current_account()
    # Open checks, and those received: the applicant still sees whose reference came in (a withdrawn one goes).
    sections = [section for section in household_reference_checks(account.household_id)
                if section.check.withdrawn_at is None]
    return render_template("references/portal_referees.html", title="Your referees", sections=sections,
                           action_form=ActionForm())


@bp.route("/referees/new/<int:check_id>", methods=["GET", "POST"])
@applicant_required
def new(check_id: int):
    check = household_object(CheckInstance, check_id, household_of=lambda check: check.application.household_id)
    if rules.kind_of(check) is None:
        abort(404)
    form = RefereeForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.name_referee(check, form.details(), account=current_account())
            db.session.commit()
            flash(f"Referee saved: {form.name.data}.", "success")
            return redirect(url_for(".referees"))
    return render_template("references/portal_referee_form.html", title="Name a referee", form=form, check=check,
                           referee=None), 400 if form.errors else 200


@bp.route("/referees/<int:referee_id>/edit", methods=["GET", "POST"])
@applicant_required
def edit(referee_id: int):
    referee = _referee(referee_id)
    form = RefereeForm() if request.method == "POST" else RefereeForm.of(referee)
    if form.validate_on_submit():
        with errors_on(form):
            services.change_referee(referee, form.details(), account=current_account())
            db.session.commit()
            flash(f"Referee saved: {referee.name}.", "success")
            return redirect(url_for(".referees"))
    return render_template("references/portal_referee_form.html", title="Change a referee", form=form,
                           check=referee.check, referee=referee), 400 if form.errors else 200


@bp.route("/referees/<int:referee_id>/remove", methods=["POST"])
@applicant_required
def remove(referee_id: int):
    referee = _referee(referee_id)
    name = referee.name
    if ActionForm().validate_on_submit():
        with errors_on():
            services.remove_referee(referee, account=current_account())
            db.session.commit()
            flash(f"Removed: {name}.", "success")
    return redirect(url_for(".referees"))


def _referee(referee_id: int) -> Referee:
    """A referee of the applicant's own household, or 404 (another household's id answers as an unknown one)."""
    return household_object(Referee, referee_id, household_of=lambda referee: referee.application.household_id)
