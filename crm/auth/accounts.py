"""Administering user accounts: roles and team, deactivation, unlocking, and one-time set-password links.
Every change is audited; the caller commits."""
from __future__ import annotations

import hashlib
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import Select, func, select, update

from crm import clock, mail
from crm.audit.services import CLI_ACTOR, record_event
from crm.auth.models import Team, User, UserRole, new_session_token
from crm.auth.passwords import NO_PASSWORD, hash_password, password_problem
from crm.auth.roles import Role
from crm.auth.services import valid_name
from crm.errors import DomainError
from crm.extensions import db

LINK_LIFETIME = timedelta(hours=24)


class Status(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    LOCKED = "locked"
    AWAITING_PASSWORD = "awaiting_password"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def _audit(action: str, user: User, actor: User | None, **detail) -> None:
    record_event(db.session, action, actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="user", object_id=user.id, detail=detail or None)


def status(user: User) -> Status:
    if not user.active:
        return Status.DEACTIVATED
    if user.locked_until is not None and user.locked_until > clock.now():
        return Status.LOCKED
    if user.password_hash == NO_PASSWORD:
        return Status.AWAITING_PASSWORD
    return Status.ACTIVE


# The list

@dataclass(frozen=True)
class UserFilters:
    role: Role | None = None
    team_id: int | None = None  # 0: in no team
    status: Status | None = None


def users_query(filters: UserFilters) -> Select:
    """The users the filters select, by name, their team loaded with them."""
    query = select(User).order_by(func.lower(User.full_name), User.id)
    if filters.role is not None:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == filters.role)))
    if filters.team_id == 0:
        query = query.where(User.team_id.is_(None))
    elif filters.team_id is not None:
        query = query.where(User.team_id == filters.team_id)
    now = clock.now()
    locked = User.locked_until.is_not(None) & (User.locked_until > now)
    condition = {Status.DEACTIVATED: User.active.is_(False),
                 Status.LOCKED: User.active.is_(True) & locked,
                 Status.AWAITING_PASSWORD: User.active.is_(True) & ~locked & (User.password_hash == NO_PASSWORD),
                 Status.ACTIVE: User.active.is_(True) & ~locked & (User.password_hash != NO_PASSWORD),
                 }.get(filters.status)
    return query if condition is None else query.where(condition)


def teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(func.lower(Team.name))))


# Changes

def update_user(user: User, *, full_name: str, roles: list[Role], team: Team | None, actor: User | None) -> None:
    """New name, roles and team; the last active administrator keeps the administrator role."""
    full_name = valid_name(full_name)
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise DomainError("Choose at least one role", "roles")
    if Role.ADMINISTRATOR in user.roles and Role.ADMINISTRATOR not in roles:
        _keep_an_administrator(user, "lose the administrator role")
    before = {"full_name": user.full_name, "roles": sorted(r.value for r in user.roles),
              "team": user.team.name if user.team else None}
    user.full_name = full_name
    kept = [row for row in user.role_rows if row.role in roles]
    user.role_rows = kept + [UserRole(role=role) for role in roles if role not in {row.role for row in kept}]
    user.team = team
    after = {"full_name": full_name, "roles": sorted(r.value for r in roles), "team": team.name if team else None}
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    db.session.flush()
    if changed:
        _audit("user_updated", user, actor, **changed)


def deactivate(user: User, *, actor: User | None) -> None:
    """The user can no longer sign in and every session of theirs ends now; their history stays."""
    if not user.active:
        raise DomainError(f"{user.full_name} is already deactivated")
    if Role.ADMINISTRATOR in user.roles:
        _keep_an_administrator(user, "be deactivated")
    user.active = False
    user.session_token = new_session_token()
    user.password_link_hash = user.password_link_expires_at = None
    db.session.flush()
    _audit("user_deactivated", user, actor)


def reactivate(user: User, *, actor: User | None) -> None:
    if user.active:
        raise DomainError(f"{user.full_name} is already active")
    user.active = True
    user.failed_login_count, user.locked_until = 0, None
    db.session.flush()
    _audit("user_reactivated", user, actor)


def unlock(user: User, *, actor: User | None) -> None:
    """Clear the failed sign-ins and the lock they set."""
    user.failed_login_count, user.locked_until = 0, None
    db.session.flush()
    _audit("user_unlocked", user, actor)


def _keep_an_administrator(user: User, change: str) -> None:
    """Refuse the change if no other active administrator would be left. Every active administrator's row is
    locked (PostgreSQL) in id order, so two administrators removing each other at once cannot both pass."""
    administrators = db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMINISTRATOR, User.active.is_(True)).order_by(User.id)
        .with_for_update(of=User)).all()
    if not set(administrators) - {user.id}:
        raise DomainError(f"{user.full_name} is the last active administrator and cannot {change}: "
                          "give another user the administrator role first", "roles")


# Set-password links

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(user: User, *, actor: User | None) -> str:
    """A new one-time link's token (any earlier link stops working); only its hash is stored."""
    if not user.active:
        raise DomainError(f"{user.full_name} is deactivated: reactivate the account first")
    token = secrets.token_urlsafe(32)
    user.password_link_hash = _digest(token)
    user.password_link_expires_at = clock.now() + LINK_LIFETIME
    db.session.flush()
    _audit("password_link_issued", user, actor, expires_at=user.password_link_expires_at.isoformat())
    return token


def link_holder(token: str) -> User:
    """The active user whose unexpired link this is, or a DomainError saying why the link cannot be used."""
    user = db.session.scalar(select(User).where(User.password_link_hash == _digest(token or "")))
    if user is None or not user.active:
        raise DomainError("This link has already been used, or a newer link has replaced it. "
                          "Ask an administrator for a new link.")
    if user.password_link_expires_at is None or user.password_link_expires_at <= clock.now():
        raise DomainError("This link has expired: links work for 24 hours. Ask an administrator for a new link.")
    return user


def set_password_with_link(token: str, password: str) -> User:
    """Set the link holder's password; the link is spent (once only, even when two requests race), the lock
    cleared, and any session of the user ended."""
    user = link_holder(token)
    problem = password_problem(password, personal=(user.email, user.full_name))
    if problem:
        raise DomainError(problem, "new_password")
    spent = db.session.execute(
        update(User).where(User.id == user.id, User.password_link_hash == _digest(token))
        .values(password_link_hash=None, password_link_expires_at=None, password_hash=hash_password(password),
                password_changed_at=clock.now(), session_token=new_session_token(), failed_login_count=0,
                locked_until=None)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise DomainError("This link has already been used. Ask an administrator for a new link.")
    db.session.expire(user)
    record_event(db.session, "password_set_with_link", actor=user, object_type="user", object_id=user.id)
    return user


def link_url(token: str) -> str:
    """The full address of a set-password link: BASE_URL, else this request's host; a path with neither."""
    if has_request_context():
        path = url_for("auth.set_password", token=token)
    else:
        with current_app.test_request_context():
            path = url_for("auth.set_password", token=token)
    base = current_app.config["BASE_URL"] or (request.host_url.rstrip("/") if has_request_context() else "")
    return base + path


def email_link(user: User, url: str) -> bool:
    """Send the link to the user; False when no SMTP host is set (or the server refused), so it must be passed on
    by hand."""
    body = (f"Hello {user.full_name},\n\nAn administrator has given you an account on "
            f"{current_app.config['SERVICE_NAME']}. Choose your password here:\n\n{url}\n\n"
            "The link works once, for 24 hours. If you did not expect this email, ignore it.\n")
    try:
        mail.send(user.email, f"{current_app.config['SERVICE_NAME']}: choose your password", body)
    except mail.MailNotConfigured:
        return False
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("The set-password link for user %s could not be emailed", user.id)
        return False
    return True
