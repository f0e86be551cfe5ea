"""The household page's allocation section: who has it now, its history as a timeline, and the forms."""
from __future__ import annotations

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.allocation import services
from crm.allocation.forms import AllocateForm, team_choices, worker_choices
from crm.allocation.models import Allocation
from crm.auth.models import Team
from crm.auth.policy import may_use
from crm.auth.roles import Role
from crm.extensions import db
from crm.reports import cache

HAND_OVER_ROLES = (Role.STAGE_ONE_WORKER, Role.ASSESSING_SOCIAL_WORKER)


def section(household, forms: dict) -> dict:
    """What the section shows; `forms` may carry a submitted "allocate" form with its errors."""
    app = current_app._get_current_object()
    may_reallocate = may_use(current_user, app, "allocation.reallocate")
    team = db.session.get(Team, household.team_id) if household.team_id else None
    return {"history": history(household.id), "team": team,
            "may_take": may_use(current_user, app, "allocation.take")
            and household.allocated_worker_id != current_user.id and not _beyond_roi(household),
            "form": _allocate_form(household, forms.get("allocate")) if may_reallocate else None}


def history(household_id: int) -> list[Allocation]:
    """Every allocation of the household, latest first, with the people and teams it names (a fixed number of
    statements)."""
    return list(db.session.scalars(
        select(Allocation).where(Allocation.household_id == household_id)
        .options(selectinload(Allocation.worker), selectinload(Allocation.previous_worker),
                 selectinload(Allocation.changed_by), selectinload(Allocation.team),
                 selectinload(Allocation.previous_team))
        .order_by(Allocation.changed_at.desc(), Allocation.id.desc())))


def hand_over_choices(household, kinds) -> tuple[list, list, str | None]:
    """The worker and team choices of an application's event form, for the hand-overs among `kinds` (the events
    it may record next): the workers holding the role that runs the stage, of the household's team when it has one
    and that team has such a worker (a household moves to another team by a manager's reallocation). At national
    scale the whole list is thousands of names, unusable as a drop-down and most of the page's time to draw. The
    third value says whose workers are listed (None: everyone's)."""
    roles = {services.HAND_OVERS[kind][0] for kind in kinds if kind in services.HAND_OVERS}
    workers, teams = _workers_and_teams()
    suitable = [worker for worker in workers if worker.roles & roles]
    team = next((t for t in teams if t.id == household.team_id), None)
    in_team = [worker for worker in suitable if team is not None and worker.team_id == team.id]
    return (worker_choices(in_team or suitable, "Choose a worker"), team_choices(teams),
            team.name if in_team else None)


def _workers_and_teams() -> tuple[list, list]:
    """Active casework users and the teams, read once per request: the event forms and the allocation form of the
    household page both offer them."""
    if "hearth_allocation_choices" not in g:
        g.hearth_allocation_choices = (cache.per_data_version("allocation_workers", {"with": "team_id"},
                                                              services.worker_options),
                                       services.teams())
    return g.hearth_allocation_choices


def _allocate_form(household, submitted: AllocateForm | None) -> AllocateForm:
    form = submitted or AllocateForm(formdata=None, worker=str(household.allocated_worker_id or ""),
                                     team=str(household.team_id or ""))
    workers, teams = _workers_and_teams()
    form.worker.choices = worker_choices(workers, "Choose a worker")
    form.team.choices = team_choices(teams)
    for field in form:
        field.id = f"allocate-{field.name}"
    return form


def _beyond_roi(household) -> bool:
    return any(a.stage in services.BEYOND_ROI and a.status in services.OPEN_STATUSES for a in household.applications)
