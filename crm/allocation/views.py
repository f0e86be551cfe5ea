"""Allocation pages: taking an enquiry, reallocating a household or all of a worker's cases, and the caseloads."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import clock
from crm.allocation import caseload, services
from crm.allocation.forms import AllocateForm, MoveCaseloadForm, user_id, worker_choices
from crm.auth.models import Team, User
from crm.auth.policy import allow, may_use
from crm.auth.roles import CASEWORK_ROLES, Role
from crm.errors import errors_on
from crm.extensions import db
from crm.households.views import load, render_household
from crm.queues.filters import MINE, TEAM, ApplicationFilters
from crm.queues.queries import default_scope

bp = Blueprint("allocation", __name__)


@bp.route("/households/<int:household_id>/take", methods=["POST"])
@allow(Role.RECRUITMENT_OFFICER)
def take(household_id: int):
    """'Take this enquiry': the officer allocates the household to themselves."""
    household = load(household_id)
    with errors_on():
        services.take_enquiry(household, actor=current_user)
        db.session.commit()
        flash("You have taken this enquiry: it is allocated to you.", "success")
    return redirect(url_for("households.show", household_id=household_id))


@bp.route("/households/<int:household_id>/allocation", methods=["POST"])
@allow(Role.MANAGER)
def reallocate(household_id: int):
    household, form = load(household_id), AllocateForm()
    if form.validate():
        with errors_on(form):
            allocation = services.reallocate(household, _user(form.worker.data), user_id(form.team.data),
                                             actor=current_user)
            db.session.commit()
            flash(f"Reallocated to {allocation.worker.full_name}.", "success")
            return redirect(url_for("households.show", household_id=household_id, _anchor="allocation"))
    return render_household(load(household_id), {"allocate": form}, status=400)


@bp.route("/caseload/reallocate", methods=["GET", "POST"])
@allow(Role.MANAGER)
def move_caseload():
    """All of a worker's open cases and checks to another worker: choose, see the counts, confirm."""
    form = MoveCaseloadForm(formdata=request.form if request.method == "POST" else None,
                            leaving=request.args.get("leaving", ""))
    plan = None
    if request.method == "POST" and form.validate():
        leaving, to, expected = _user(form.leaving.data), _user(form.to.data), form.expected()
        with errors_on(form):
            if expected is None:
                plan = services.plan_caseload_move(leaving, to)
            else:
                done = services.move_caseload(leaving, to, actor=current_user, expected=expected)
                db.session.commit()
                flash(f"Reallocated {len(done.household_ids)} households and {len(done.check_ids)} open checks "
                      f"from {done.leaving.full_name} to {done.to.full_name}.", "success")
                return redirect(url_for("allocation.team_caseload"))
    form.leaving.choices = worker_choices(services.worker_options(active=False), "Choose a worker")
    form.to.choices = worker_choices(services.worker_options(), "Choose a worker")
    status = 400 if form.errors else 200
    return render_template("allocation/move_caseload.html", form=form, plan=plan), status


@bp.route("/caseload")
@allow(*CASEWORK_ROLES)
def my_caseload():
    user = current_user._get_current_object()
    # A recruitment officer works no checks: the link to one's own checks is for those who may open the queue.
    checks_link = may_use(user, current_app._get_current_object(), "checks.queue")
    return render_template("allocation/caseload.html", title="My caseload", scope=MINE, team=None,
                           checks_link=checks_link,
                           caseload=caseload.my_caseload(user, clock.today()), links=_links(user, MINE),
                           rag_labels=caseload.RAG_LABELS, rags=caseload.RAGS)


@bp.route("/caseload/team")
@allow(*CASEWORK_ROLES, Role.MANAGER)
def team_caseload():
    user = current_user._get_current_object()
    is_manager = Role.MANAGER in user.roles
    teams = services.teams() if is_manager else []
    team = _team(user, teams)
    data = caseload.team_caseload(user, team.id, clock.today()) if team else None
    return render_template("allocation/caseload.html", title="My team's caseload", scope=TEAM, team=team,
                           teams=teams, caseload=data, is_manager=is_manager,
                           links=_links(user, TEAM) if team and team.id == user.team_id else None,
                           rag_labels=caseload.RAG_LABELS, rags=caseload.RAGS)


def _team(user, teams: list[Team]) -> Team | None:
    """A manager may look at any team (?team=id), anyone else at their own."""
    chosen = user_id(request.args.get("team"))
    if teams and chosen:
        return next((team for team in teams if team.id == chosen), None) or abort(404)
    if user.team_id:
        return db.session.get(Team, user.team_id)
    return teams[0] if teams else None


def _links(user, scope: str):
    """Each stage's count links to the work queue filtered to this scope and stage."""
    default = default_scope(user)

    def link(stage=None) -> str:
        filters = ApplicationFilters(scope=scope, default_scope=default)
        return url_for("queues.applications", **(filters.with_stage(stage) if stage else filters).args())
    return link


def _user(value: str | None) -> User | None:
    key = user_id(value)
    return db.session.get(User, key) if key else None

