"""Check pages: the stage-one worker's queue, one check, starting checks, a household's checks, a person's
circumstances, and the catalogue for administrators."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm import clock
from crm.audit.services import record_event
from crm.auth.models import User
from crm.auth.policy import allow
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.checks import catalogue, queries, services
from crm.checks.forms import (BulkChaseForm, BulkRequestForm, ChaseForm, ExpiryForm, CheckTypeActionForm, CheckTypeForm,
                              CircumstancesForm, NewCheckTypeForm, PartForm, ReceiveForm, RequestForm, StartChecksForm,
                              start_value)
from crm.checks.models import CheckAppliesTo, CheckType
from crm.errors import DomainError, errors_on
from crm.extensions import db
from crm.formatting import long_date
from crm.households import services as households
from crm.households.models import Application, Person
from crm.pagination import requested_page
from crm.references import links
from crm.references import services as references
from crm.references.forms import ActionForm

bp = Blueprint("checks", __name__)
CHECK_ROLES = (Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER, Role.MANAGER)
HOUSEHOLD_ROLES = (*CASEWORK_ROLES, Role.MANAGER)


# The queue

@bp.route("/checks")
@allow(*CHECK_ROLES)
def queue():
    return _queue_page(BulkChaseForm(formdata=None))


@bp.route("/checks/chased", methods=["POST"])
@allow(*CHECK_ROLES)
def chase_many():
    """'Mark chased today' for the checks ticked in the queue: all of them, or none."""
    form = BulkChaseForm()
    if form.validate():
        with errors_on(form):
            checks = queries.open_checks_for(current_user, form.checks.data)
            if len(checks) != len(set(form.checks.data)):
                raise DomainError("Select checks from the list", "checks")
            count = services.chase_checks(checks, clock.today(), actor=current_user)
            db.session.commit()
            flash(f"{count} check{'' if count == 1 else 's'} marked as chased today.", "success")
            return redirect(url_for("checks.queue", **request.args.to_dict()))
    return _queue_page(form, 400)


def _queue_page(form: BulkChaseForm, status: int = 200):
    user = current_user._get_current_object()
    types = catalogue.all_check_types()
    filters = queries.QueueFilters.from_args(request.args, {check_type.code for check_type in types})
    today = clock.today()
    page = queries.check_queue(user, filters, requested_page(request.args.get("page")), today)
    record_event(db.session, "viewed_check_queue", actor=user,
                 detail={"filters": filters.args(), "page": page.number, "results": page.total})
    html = render_template("checks/queue.html", page=page, filters=filters, check_types=types, today=today,
                           form=form, due_flag=queries.due_flag, owner_scopes=queries.OWNER_SCOPES)
    db.session.commit()  # after rendering: committing first would expire the page's rows and reload each one
    return html, status


# One check

@bp.route("/checks/<int:check_id>")
@allow(*CHECK_ROLES)
def show(check_id: int):
    check = _check(check_id)
    record_event(db.session, "viewed_check", actor=current_user, object_type="check", object_id=check.id)
    return _check_page(check)


@bp.route("/checks/<int:check_id>/request", methods=["POST"])
@allow(*CHECK_ROLES)
def request_check(check_id: int):
    check, form = _check(check_id), RequestForm()
    return _submit(check, "request", form, lambda: services.request_check(
        check, form.requested_on.data, _user(form.owner.data), actor=current_user),
        lambda: f"Request saved: due {long_date(check.due_on)}.")


@bp.route("/checks/<int:check_id>/chase", methods=["POST"])
@allow(*CHECK_ROLES)
def chase(check_id: int):
    check, form = _check(check_id), ChaseForm()
    return _submit(check, "chase", form, lambda: services.chase_check(
        check, form.chased_on.data, form.note.data, actor=current_user), lambda: "Chase recorded.")


@bp.route("/checks/<int:check_id>/parts/<int:part_id>", methods=["POST"])
@allow(*CHECK_ROLES)
def complete_part(check_id: int, part_id: int):
    check, form = _check(check_id), PartForm()
    part = next((part for part in check.parts if part.id == part_id), None) or abort(404)
    return _submit(check, ("part", part.id), form, lambda: services.complete_part(
        part, form.completed_on.data, actor=current_user), lambda: f"Saved: {part.name}.")


@bp.route("/checks/<int:check_id>/receive", methods=["POST"])
@allow(*CHECK_ROLES)
def receive(check_id: int):
    check, form = _check(check_id), ReceiveForm()
    return _submit(check, "receive", form, lambda: services.receive_check(
        check, form.received_on.data, form.outcome.data, actor=current_user), lambda: "Check recorded as received.")


@bp.route("/checks/<int:check_id>/expiry", methods=["POST"])
@allow(*CHECK_ROLES)
def expiry(check_id: int):
    check, form = _check(check_id), ExpiryForm()
    return _submit(check, "expiry", form, lambda: services.set_expiry(check, form.expires_on.data, actor=current_user),
                   lambda: f"Expiry date saved: {long_date(check.expires_on)}." if check.expires_on
                   else "Expiry date removed.")


def _submit(check, key, form, act, message):
    """Validate, act, commit and go back to the check; or show the page again with the errors, nothing stored."""
    if form.validate():
        with errors_on(form):
            act()
            db.session.commit()
            flash(message(), "success")
            return redirect(url_for("checks.show", check_id=check.id))
    return _check_page(_check(check.id), {key: form}, 400)


def _check_page(check, submitted: dict | None = None, status: int = 200):
    """The check with its forms; the outcome it shows is audited, and the page commits that."""
    forms = _check_forms(check, submitted or {})
    failed = next((form for form in forms.values() if form.errors), None)
    referees = references.check_referees(check)
    response = render_template("checks/show.html", check=check, forms=forms, form=failed, today=clock.today(),
                               documents=_evidence(check),
                               due=queries.due_flag(check, clock.today()),
                               show_outcome=services.may_see_outcomes(current_user),
                               referees=referees, action_form=ActionForm(), link_status=links.status)
    services.record_outcome_views([check], current_user, "check page")
    references.record_reference_views(referees, current_user)
    db.session.commit()
    return response, status


def _evidence(check) -> list:
    """The documents filed as evidence of this check (crm/documents)."""
    from crm.documents.services import check_documents

    return check_documents(check.id)


def _check_forms(check, submitted: dict) -> dict:
    owner = str(check.owner_id or current_user.id)
    forms = {
        "request": submitted.get("request") or RequestForm(formdata=None, requested_on=check.requested_on, owner=owner),
        "chase": submitted.get("chase") or ChaseForm(formdata=None),
        "receive": submitted.get("receive") or ReceiveForm(
            formdata=None, received_on=check.received_on, outcome=check.outcome.value if check.outcome else None),
        "expiry": submitted.get("expiry") or ExpiryForm(formdata=None, expires_on=check.expires_on),
    }
    forms["request"].owner.choices = [(str(user.id), user.full_name) for user in queries.check_owners(check.owner)]
    for part in check.parts:
        forms[("part", part.id)] = submitted.get(("part", part.id)) or PartForm(formdata=None,
                                                                                  completed_on=part.completed_on)
    for key, form in forms.items():
        prefix = f"part-{key[1]}" if isinstance(key, tuple) else key
        for field in form:
            field.id = f"{prefix}-{field.name}"
    return forms


def _check(check_id: int):
    return queries.visible_check(current_user, check_id) or abort(404)


def _user(value: str) -> User | None:
    return db.session.get(User, int(value)) if value and value.isdigit() else None


# Starting checks, a household's checks, a person's circumstances

@bp.route("/applications/<int:application_id>/checks/start", methods=["GET", "POST"])
@allow(*CHECK_ROLES)
def start(application_id: int):
    """The worker chooses which checks start (fast track, or any the catalogue calls for that have not)."""
    application = _application(application_id)
    today = clock.today()
    missing = services.missing_checks(application, today)
    form = StartChecksForm() if request.method == "POST" else StartChecksForm(
        formdata=None, checks=[start_value(needed.key) for needed in missing])
    form.checks.choices = [(start_value(needed.key), needed.label) for needed in missing]
    if form.validate_on_submit():
        with errors_on(form):
            created = services.start_checks(application, form.keys(), today, actor=current_user)
            db.session.commit()
            flash(f"{len(created)} check{'' if len(created) == 1 else 's'} started.", "success")
            return redirect(url_for("checks.household", household_id=application.household_id))
    return render_template("checks/start.html", form=form, application=application, missing=missing,
                           may_start=services.may_start_checks(application)), 400 if form.errors else 200


@bp.route("/households/<int:household_id>/checks")
@allow(*HOUSEHOLD_ROLES)
def household(household_id: int):
    household = _household(household_id)
    record_event(db.session, "viewed_household_checks", actor=current_user, object_type="household",
                 object_id=household.id)
    return _household_page(household, None)


@bp.route("/households/<int:household_id>/checks/request", methods=["POST"])
@allow(*CHECK_ROLES)
def request_many(household_id: int):
    """Several of the household's unrequested checks requested at once: all of them, or none."""
    household = _household(household_id)
    form = BulkRequestForm()
    if form.validate():
        with errors_on(form):
            checks = queries.household_checks_with_ids(household.id, form.checks.data)
            if len(checks) != len(set(form.checks.data)):
                raise DomainError("Select checks from the list", "checks")
            count = services.request_checks(checks, form.requested_on.data, _user(form.owner.data),
                                            actor=current_user)
            db.session.commit()
            flash(f"{count} check{'' if count == 1 else 's'} requested: due dates follow from "
                  f"{long_date(form.requested_on.data)}.", "success")
            return redirect(url_for("checks.household", household_id=household.id))
    return _household_page(_household(household_id), form, 400)


def _household_page(household, form: BulkRequestForm | None, status: int = 200):
    """The household's checks, with the form to request several unrequested ones for those who work on checks;
    the outcomes shown are audited, and the page commits that."""
    household_checks = queries.household_checks(household, current_user)
    if form is None and household_checks["may_request"]:
        form = BulkRequestForm(formdata=None, requested_on=clock.today(),
                               owner=str(_bulk_owner(household_checks["unrequested"]).id))
    if form is not None:
        form.owner.choices = [(str(user.id), user.full_name) for user in queries.check_owners()]
    db.session.commit()
    return render_template("checks/household.html", household=household, household_checks=household_checks,
                           request_form=form, form=form if form is not None and form.errors else None), status


def _bulk_owner(unrequested) -> User:
    """The owner the unrequested checks share, if they share one who works on checks; else the user."""
    owners = {check.owner for check in unrequested}
    if len(owners) == 1 and services.may_own(next(iter(owners))):
        return next(iter(owners))
    return current_user._get_current_object()


@bp.route("/people/<int:person_id>/circumstances", methods=["GET", "POST"])
@allow(*HOUSEHOLD_ROLES)
def circumstances(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    _household(person.household_id)
    form = CircumstancesForm() if request.method == "POST" else CircumstancesForm.of(person)
    if form.validate_on_submit():
        with errors_on(form):
            created = services.record_circumstances(person, form.circumstances(), actor=current_user)
            db.session.commit()
            added = f" {len(created)} check{'' if len(created) == 1 else 's'} added." if created else ""
            flash(f"Circumstances saved for {person.full_name}.{added}", "success")
            return redirect(url_for("checks.household", household_id=person.household_id))
    if request.method == "GET":
        record_event(db.session, "viewed_person_circumstances", actor=current_user, object_type="person",
                     object_id=person.id)
        db.session.commit()
    return render_template("checks/circumstances.html", form=form, person=person), 400 if form.errors else 200


def _household(household_id: int):
    try:
        return households.visible_household(current_user, household_id)
    except households.NotVisible:
        abort(404)  # the same answer whether it does not exist or is not theirs to see


def _application(application_id: int) -> Application:
    household_id = db.session.scalar(select(Application.household_id).where(Application.id == application_id))
    if household_id is None:
        abort(404)
    return next(a for a in _household(household_id).applications if a.id == application_id)


# The catalogue

@bp.route("/admin/checks")
@allow(Role.ADMINISTRATOR)
def catalogue_list():
    return render_template("checks/catalogue.html", check_types=catalogue.all_check_types(),
                           action_form=CheckTypeActionForm())


@bp.route("/admin/checks/new", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def new_check_type():
    form = NewCheckTypeForm() if request.method == "POST" else NewCheckTypeForm(formdata=None)
    form.service_lines.choices = [(line.code, line.name) for line in catalogue.service_lines()]
    if form.validate_on_submit():
        with errors_on(form):
            check_type = catalogue.add_check_type(catalogue.CheckTypeChange(
                name=form.name.data, applies_to=CheckAppliesTo(form.applies_to.data),
                default_days=form.default_days.data, rule_months=None,
                service_line_codes=tuple(form.service_lines.data or ()), active=True), actor=current_user)
            db.session.commit()
            flash(f"Added: {check_type.name}. Applications entering Stage 1 from now on get it.", "success")
            return redirect(url_for("checks.catalogue_list"))
    return render_template("checks/new_check_type.html", form=form), 400 if form.errors else 200


@bp.route("/admin/checks/<int:check_type_id>/retire", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def retire_check_type(check_type_id: int):
    return _set_active(check_type_id, False, "Retired: {}. It is no longer started; checks already started stay.")


@bp.route("/admin/checks/<int:check_type_id>/reactivate", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def reactivate_check_type(check_type_id: int):
    return _set_active(check_type_id, True, "Back in use: {}.")


def _set_active(check_type_id: int, active: bool, message: str):
    check_type = db.session.get(CheckType, check_type_id) or abort(404)
    if CheckTypeActionForm().validate_on_submit():
        catalogue.set_check_type_active(check_type, active, actor=current_user)
        db.session.commit()
        flash(message.format(check_type.name), "success")
    return redirect(url_for("checks.catalogue_list"))


@bp.route("/admin/checks/<int:check_type_id>", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def edit_check_type(check_type_id: int):
    check_type = db.session.get(CheckType, check_type_id) or abort(404)
    form = CheckTypeForm() if request.method == "POST" else CheckTypeForm(
        formdata=None, obj=check_type, applies_to=check_type.applies_to.value,
        service_lines=[line.code for line in check_type.service_lines])
    form.service_lines.choices = [(line.code, line.name) for line in catalogue.service_lines()]
    if form.validate_on_submit():
        with errors_on(form):
            catalogue.update_check_type(check_type, _change(form), actor=current_user)
            db.session.commit()
            flash(f"Saved: {check_type.name}. Checks already started keep their due dates.", "success")
            return redirect(url_for("checks.catalogue_list"))
    return render_template("checks/edit_check_type.html", form=form, check_type=check_type), \
        400 if form.errors else 200


def _change(form: CheckTypeForm) -> catalogue.CheckTypeChange:
    return catalogue.CheckTypeChange(
        name=form.name.data, applies_to=CheckAppliesTo(form.applies_to.data), default_days=form.default_days.data,
        rule_months=form.rule_months.data, service_line_codes=tuple(form.service_lines.data or ()),
        active=form.active.data)
