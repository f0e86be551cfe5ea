"""Signing in and out, passwords and user accounts; the caller commits."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import case, func, or_, select, update

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


# One answer for every refusal: a wrong password, an unknown address, a deactivated or a locked account look the
# same from outside, so the form tells nobody which addresses have accounts or are locked.
REFUSED = ("Enter a correct email address and password. After {limit} failed attempts in a row an account is "
           "locked for {minutes} minutes.")


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User:
    """The user whose credentials these are. An attempt on an account is claimed in the database, and the claim
    committed, before the password is checked: parallel attempts (several workers or hosts) cannot check more
    passwords than the limit. Refusals are audited: against the account when the address names one, otherwise
    without the text typed (which is sometimes a password)."""
    now = now or clock.now()
    user = find_user(email)
    stored_hash = _claim_attempt(user, now) if user is not None else None
    claimed = stored_hash is not None
    checked = verify_password(stored_hash, password)  # the same work whether or not there is a hash to check
    if not (claimed and checked and user.active):
        locked = user is not None and not claimed
        record_event(db.session, "login_refused_locked" if locked else "login_failed", actor=user,
                     actor_label=None if user else "unknown account")
        config = current_app.config
        raise DomainError(REFUSED.format(limit=config["LOGIN_MAX_FAILURES"],
                                         minutes=int(config["LOGIN_LOCKOUT"].total_seconds() // 60)), "password")
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(db.session, "login", actor=user)
    return user


def _claim_attempt(user: User, now: datetime) -> str | None:
    """Count this attempt before it is checked, in one UPDATE committed at once: the password hash to check, or
    None if the account is locked. No transaction stays open while the (slow, on purpose) hash is checked.
    The attempt that reaches the limit locks the account as it is claimed (a right password then unlocks it),
    so no attempt past the limit is ever checked, however many arrive together."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    reached = User.failed_login_count + 1 >= limit
    stored_hash = db.session.scalar(
        update(User)
        .where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_login_count=case((reached, 0), else_=User.failed_login_count + 1),
                locked_until=case((reached, now + current_app.config["LOGIN_LOCKOUT"]), else_=None))
        .returning(User.password_hash)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # the claim stands whatever happens next, and the row (SQLite: the file) is free at once
    return stored_hash


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
