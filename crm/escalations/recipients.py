"""Who hears about an escalation: the owner, the team's managers, the service's managers."""
from __future__ import annotations

from functools import cached_property

from sqlalchemy import select

from crm.auth.models import Team, User, UserRole
from crm.auth.roles import Role
from crm.extensions import db


class Directory:
    """The active staff a job run addresses, read once per run (not once per escalation)."""

    @cached_property
    def _managers(self) -> list[tuple[int, int | None]]:
        return db.session.execute(
            select(User.id, User.team_id).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.MANAGER, User.active.is_(True)).order_by(User.id)).all()

    @cached_property
    def _team_manager(self) -> dict[int, int]:
        """Each team's own manager, where one is set and active."""
        return dict(db.session.execute(
            select(Team.id, Team.manager_id).join(User, User.id == Team.manager_id).where(User.active.is_(True))).all())

    @cached_property
    def _active(self) -> dict[int, int | None]:
        return dict(db.session.execute(select(User.id, User.team_id).where(User.active.is_(True))).all())

    @cached_property
    def recruitment_officers(self) -> list[int]:
        return list(db.session.scalars(
            select(User.id).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.RECRUITMENT_OFFICER, User.active.is_(True)).order_by(User.id)))

    def is_active(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self._active

    def team_of(self, user_id: int | None) -> int | None:
        return self._active.get(user_id) if user_id is not None else None

    def team_managers(self, team_id: int | None) -> list[int]:
        """The team's own manager when one is set and active; else the managers in the team; with no team (or none
        in it), the service managers."""
        if team_id in self._team_manager:
            return [self._team_manager[team_id]]
        in_team = [uid for uid, team in self._managers if team_id is not None and team == team_id]
        return in_team or self.service_managers()

    def service_managers(self) -> list[int]:
        """Managers who belong to no team; if every manager is in a team, all of them."""
        unteamed = [uid for uid, team in self._managers if team is None]
        return unteamed or [uid for uid, _ in self._managers]

    def worker_or_managers(self, worker_id: int | None, team_id: int | None) -> list[int]:
        return [worker_id] if self.is_active(worker_id) else self.team_managers(team_id)
