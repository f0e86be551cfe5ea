"""Users, their roles and teams."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.auth.roles import Role
from crm.db import Base, str_enum


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The team's manager: first on the escalation ladder's "team manager" rung (crm/escalations/recipients.py).
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True), index=True)

    members: Mapped[list[User]] = relationship(back_populates="team", foreign_keys="User.team_id")
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id], post_update=True)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("session_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # Rotated on sign-out and password change, which ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # The one-time set-password link: only its SHA-256 is kept; used or replaced, it is cleared.
    password_link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_link_expires_at: Mapped[datetime | None]

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_any_role(self, roles) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token
