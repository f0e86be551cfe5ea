"""Administration of teams: the list and a new team, a team's page (name, manager, members) and its changes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.admin.forms import ManagerForm, MemberForm, NameForm
from crm.admin.views import bp
from crm.auth import teams
from crm.auth.models import Team, User, UserRole
from crm.auth.policy import allow
from crm.auth.roles import Role
from crm.errors import errors_on
from crm.extensions import db


def _team(team_id: int) -> Team:
    return db.session.get(Team, team_id) or abort(404)


def _user(user_id: str | int | None) -> User | None:
    return db.session.get(User, int(user_id)) if user_id else None


@bp.route("/teams", methods=["GET", "POST"], endpoint="teams")
@allow(Role.ADMINISTRATOR)
def teams_list():
    form = NameForm()
    form.name.label.text, form.submit.label.text = "Team name", "Create team"
    if form.validate_on_submit():
        with errors_on(form):
            team = teams.create_team(form.name.data, actor=current_user)
            db.session.commit()
            flash(f"Team {team.name} created. Add its members and its manager here.", "success")
            return redirect(url_for(".team", team_id=team.id))
    members = dict(db.session.execute(select(User.team_id, func.count()).where(User.active.is_(True))
                                      .group_by(User.team_id)).all())
    listed = db.session.scalars(select(Team).options(selectinload(Team.manager)).order_by(func.lower(Team.name)))
    return render_template("admin/teams.html", form=form, teams=listed.all(), members=members), \
        400 if form.errors else 200


@bp.route("/teams/<int:team_id>")
@allow(Role.ADMINISTRATOR)
def team(team_id: int):
    return _render(_team(team_id))


def _render(team: Team, failed: FlaskForm | None = None):
    """The team's page; `failed` is the form whose errors to show, as it was sent."""
    rename, manager, member = NameForm(formdata=None, data={"name": team.name}), ManagerForm(formdata=None), \
        MemberForm(formdata=None)
    if isinstance(failed, NameForm):
        rename = failed
    elif isinstance(failed, ManagerForm):
        manager = failed
    elif isinstance(failed, MemberForm):
        member = failed
    rename.submit.label.text = "Rename"
    _choices(team, manager, member)
    if failed is None:
        manager.manager.data = str(team.manager_id or "")
    people = db.session.scalars(select(User).where(User.team_id == team.id)
                                .order_by(func.lower(User.full_name))).all()
    return render_template("admin/team.html", team=team, people=people, rename=rename, manager_form=manager,
                           member_form=member, form=failed, remove_form=FlaskForm()), 400 if failed else 200


def _choices(team: Team, manager: ManagerForm, member: MemberForm) -> None:
    managers = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                  .where(UserRole.role == Role.MANAGER, User.active.is_(True))
                                  .order_by(func.lower(User.full_name))).all()
    manager.manager.choices = [("", "No manager")] + [(str(u.id), u.full_name) for u in managers]
    others = db.session.scalars(select(User).options(selectinload(User.team))
                                .where(User.active.is_(True), (User.team_id != team.id) | User.team_id.is_(None))
                                .order_by(func.lower(User.full_name))).all()
    member.user.choices = [("", "Choose a user")] + [
        (str(u.id), f"{u.full_name} ({u.team.name})" if u.team else u.full_name) for u in others]


@bp.route("/teams/<int:team_id>/rename", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def rename_team(team_id: int):
    team = _team(team_id)
    form = NameForm()
    if form.validate_on_submit():
        with errors_on(form):
            teams.rename_team(team, form.name.data, actor=current_user)
            db.session.commit()
            flash(f"The team is now called {team.name}.", "success")
            return redirect(url_for(".team", team_id=team.id))
    return _render(team, form)


@bp.route("/teams/<int:team_id>/manager", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def team_manager(team_id: int):
    team = _team(team_id)
    form = ManagerForm()
    _choices(team, form, MemberForm(formdata=None))
    if form.validate_on_submit():
        with errors_on(form):
            teams.set_manager(team, _user(form.manager.data), actor=current_user)
            db.session.commit()
            flash(f"{team.manager.full_name} manages {team.name}." if team.manager
                  else f"{team.name} has no manager of its own.", "success")
            return redirect(url_for(".team", team_id=team.id))
    return _render(team, form)


@bp.route("/teams/<int:team_id>/members", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def add_team_member(team_id: int):
    team = _team(team_id)
    form = MemberForm()
    _choices(team, ManagerForm(formdata=None), form)
    if form.validate_on_submit():
        with errors_on(form):
            user = _user(form.user.data)
            teams.add_member(team, user, actor=current_user)
            db.session.commit()
            flash(f"{user.full_name} is now in {team.name}.", "success")
            return redirect(url_for(".team", team_id=team.id))
    return _render(team, form)


@bp.route("/teams/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@allow(Role.ADMINISTRATOR)
def remove_team_member(team_id: int, user_id: int):
    team, user = _team(team_id), _user(user_id) or abort(404)
    FlaskForm().validate_on_submit() or abort(400)
    with errors_on():
        teams.remove_member(team, user, actor=current_user)
        db.session.commit()
        flash(f"{user.full_name} is no longer in {team.name}.", "success")
    return redirect(url_for(".team", team_id=team.id))
