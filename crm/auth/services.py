"""Signing in and out, passwords and user accounts; the caller commits."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import case, func, select, update

from crm import clock
from crm.audit.services import record_event
from crm.auth.models import Team, User, UserRole, new_session_token
from crm.auth.passwords import hash_password, password_problem, verify_password
from crm.auth.roles import Role
from crm.errors import DomainError
from crm.extensions import db
from crm.security import start_session_clock


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User:
    """The user whose credentials these are; failures are counted, audited and lock the account."""
    now = now or clock.now()
    user = find_user(email)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        record_event(db.session, "login_refused_locked", actor=user)
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise DomainError(f"This account is locked after too many failed sign-ins. Try again in {minutes} minutes.",
                          "password")
    if user is None or not verify_password(user.password_hash if user else None, password) or not user.active:
        _count_failure(user, now)
        record_event(db.session, "login_failed", actor=user, actor_label=None if user else email.strip()[:254])
        raise DomainError("Enter a correct email address and password", "password")
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(db.session, "login", actor=user)
    return user


def _count_failure(user: User | None, now: datetime) -> None:
    """Count in one UPDATE, so failures from several app workers at once all count."""
    if user is None:
        return
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    until = now + current_app.config["LOGIN_LOCKOUT"]
    reached = User.failed_login_count + 1 >= limit
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_login_count=case((reached, 0), else_=User.failed_login_count + 1),
            locked_until=case((reached, until), else_=User.locked_until),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["failed_login_count", "locked_until"])


def start_session(user: User) -> None:
    session.clear()
    login_user(user)
    start_session_clock()


def end_session(user: User, *, reason: str) -> None:
    """End this browser's session; signing out also ends every other session of the user."""
    if reason == "logout":
        user.session_token = new_session_token()
    record_event(db.session, "logout" if reason == "logout" else "session_expired", actor=user)
    db.session.commit()
    logout_user()
    session.clear()


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError("Your current password is wrong", "current_password")
    problem = password_problem(new, personal=(user.email, user.full_name))
    if problem:
        raise DomainError(problem, "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    user.session_token = new_session_token()  # ends the user's other sessions
    record_event(db.session, "password_changed", actor=user, object_type="user", object_id=user.id)


def create_user(email: str, full_name: str, password: str, roles: list[Role], *,
                team: Team | None = None, actor: User | None = None) -> User:
    email = email.strip().lower()
    if find_user(email) is not None:
        raise DomainError(f"A user with the email address {email} already exists", "email")
    problem = password_problem(password, personal=(email, full_name))
    if problem:
        raise DomainError(problem, "password")
    if not roles:
        raise DomainError("Choose at least one role", "roles")
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password), team=team,
                role_rows=[UserRole(role=role) for role in dict.fromkeys(roles)])
    db.session.add(user)
    db.session.flush()
    record_event(db.session, "user_created", actor=actor, object_type="user", object_id=user.id,
                 detail={"roles": sorted(r.value for r in user.roles)})
    return user


def load_user(session_token: str) -> User | None:
    """Flask-Login's loader: a session holds the user's current token, so a rotated token signs it out."""
    return db.session.scalar(select(User).where(User.session_token == session_token, User.active.is_(True)))
