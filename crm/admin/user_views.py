"""Administration of users: the list, a new user, a user's page (details, roles, team) and its actions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from crm import pagination
from crm.admin.forms import UserFilterForm, UserForm
from crm.admin.views import bp
from crm.auth import accounts, services
from crm.auth.models import Team, User
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db


def _team_choices(first: str) -> list[tuple[str, str]]:
    return [("", first)] + [(str(team.id), team.name) for team in accounts.teams()]


def _chosen_team(form: UserForm) -> Team | None:
    return db.session.get(Team, int(form.team.data)) if form.team.data else None


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users")
@allow(Role.ADMINISTRATOR)
def users():
    form = UserFilterForm(request.args)
    form.team.choices = [("", "Any team"), ("none", "No team")] + _team_choices("")[1:]
    filters = accounts.UserFilters()
    if form.validate():
        team = form.team.data or ""
        filters = accounts.UserFilters(role=Role(form.role.data) if form.role.data else None,
                                       team_id=0 if team == "none" else int(team) if team.isdigit() else None,
                                       status=accounts.Status(form.status.data) if form.status.data else None)
    query = accounts.users_query(filters).options(selectinload(User.team))
    page = pagination.paginate(query, pagination.requested_page(request.args.get("page")))
    return render_template("admin/users.html", filters=form, page=page,
                           statuses={user.id: accounts.status(user) for user in page.items})


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def new_user():
    form = UserForm()
    form.team.choices = _team_choices("No team")
    if form.validate_on_submit():
        with errors_on(form):
            user = services.create_user(form.email.data, form.full_name.data, None,
                                        [Role(r) for r in form.roles.data], team=_chosen_team(form),
                                        actor=current_user)
            token = accounts.issue_password_link(user, actor=current_user)
            db.session.commit()
            return _show_link(user, token, created=True)
    return render_template("admin/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(Role.ADMINISTRATOR)
def user(user_id: int):
    """The user's details and account, and the form changing their name, roles and team."""
    user = _user(user_id)
    form = UserForm(data={"full_name": user.full_name, "roles": sorted(r.value for r in user.roles),
                          "team": str(user.team_id or "")})
    del form.email  # it is how they sign in: a new address is a new account
    form.team.choices = _team_choices("No team")
    if form.validate_on_submit():
        with errors_on(form):
            accounts.update_user(user, full_name=form.full_name.data, roles=[Role(r) for r in form.roles.data],
                                 team=_chosen_team(form), actor=current_user)
            db.session.commit()
            flash(f"{user.full_name}'s details are saved.", "success")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/user.html", form=form, user=user, status=accounts.status(user),
                           action_form=FlaskForm()), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/password-link", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def password_link(user_id: int):
    """A new one-time link: shown on this one response (and emailed), never stored but as a hash."""
    user = _user(user_id)
    FlaskForm().validate_on_submit() or abort(400)
    with errors_on():
        token = accounts.issue_password_link(user, actor=current_user)
        db.session.commit()
        return _show_link(user, token, created=False)
    return redirect(url_for(".user", user_id=user.id))


def _show_link(user: User, token: str, *, created: bool):
    url = accounts.link_url(token)
    emailed = accounts.email_link(user, url)
    return render_template("admin/user_link.html", user=user, url=url, emailed=emailed, created=created)


ACTIONS = {"deactivate": (accounts.deactivate, "{name} is deactivated: they cannot sign in, and their sessions "
                                               "have ended."),
           "reactivate": (accounts.reactivate, "{name} is active again and can sign in."),
           "unlock": (accounts.unlock, "{name} is unlocked and can try to sign in again.")}


@bp.route("/users/<int:user_id>/<action>", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def user_action(user_id: int, action: str):
    """Deactivate, reactivate or unlock."""
    user = _user(user_id)
    change, message = ACTIONS.get(action) or abort(404)
    FlaskForm().validate_on_submit() or abort(400)
    with errors_on():
        change(user, actor=current_user)
        db.session.commit()
        flash(message.format(name=user.full_name), "success")
    return redirect(url_for(".user", user_id=user.id))
