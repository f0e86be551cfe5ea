"""Signing in and out, passwords and user accounts; the caller commits."""
from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import case, func, or_, select, update

from crm import clock
from crm.audit.services import CLI_ACTOR, record_event
from crm.auth.models import Team, User, UserRole, new_session_token
from crm.auth.passwords import NO_PASSWORD, hash_password, password_problem, verify_password
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


def create_user(email: str, full_name: str, password: str | None, roles: list[Role], *,
                team: Team | None = None, actor: User | None = None) -> User:
    """A new account; with no password its owner chooses one through a set-password link (crm.auth.accounts)."""
    email = valid_email(email)
    full_name = valid_name(full_name)
    if find_user(email) is not None:
        raise DomainError(f"A user with the email address {email} already exists", "email")
    if password is not None:
        problem = password_problem(password, personal=(email, full_name))
        if problem:
            raise DomainError(problem, "password")
    if not roles:
        raise DomainError("Choose at least one role", "roles")
    user = User(email=email, full_name=full_name, team=team,
                password_hash=NO_PASSWORD if password is None else hash_password(password),
                role_rows=[UserRole(role=role) for role in dict.fromkeys(roles)])
    db.session.add(user)
    db.session.flush()
    record_event(db.session, "user_created", actor=actor, actor_label=None if actor else CLI_ACTOR,
                 object_type="user", object_id=user.id,
                 detail={"email": user.email, "roles": sorted(r.value for r in user.roles),
                         "team": team.name if team else None})
    return user


def valid_email(email: str) -> str:
    """The address, trimmed and in lower case, or a DomainError on the email field saying what is wrong."""
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("Enter an email address", "email")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError("Enter an email address in the correct format, like name@example.com", "email") from error
    if len(email) > 254:
        raise DomainError("The email address must be 254 characters or fewer", "email")
    return email


def valid_name(full_name: str) -> str:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise DomainError("Enter the person's full name", "full_name")
    if len(full_name) > 200:
        raise DomainError("The full name must be 200 characters or fewer", "full_name")
    return full_name


def load_user(session_token: str) -> User | None:
    """Flask-Login's loader: a session holds the user's current token, so a rotated token signs it out."""
    return db.session.scalar(select(User).where(User.session_token == session_token, User.active.is_(True)))
