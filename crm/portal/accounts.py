"""Applicants' portal accounts: invitations (set a password), signing in with a password or a one-time emailed code.
The caller commits. Every refusal answers the same whether or not the address has an account."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, or_, select, update

from crm import clock
from crm.auth.models import new_session_token
from crm.auth.passwords import NO_PASSWORD, hash_password, password_problem, verify_password
from crm.errors import DomainError
from crm.extensions import db
from crm.portal.audit import record_applicant_event
from crm.portal.closure import close_if_due
from crm.portal.models import PortalAccount, PortalCode

INVITATION_LIFETIME = timedelta(days=14)
CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
REFUSED = "Enter a correct email address and password"
CODE_REFUSED = "Enter the code from the latest email we sent you. Codes work once, for 15 minutes"


def digest(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def find_open_account(email: str) -> PortalAccount | None:
    """The one account not closed with this address (an invitation refuses a second one)."""
    return db.session.scalar(select(PortalAccount).where(
        PortalAccount.email == (email or "").strip().lower(), PortalAccount.closed_at.is_(None)))


def new_invitation(account: PortalAccount) -> str:
    """A fresh invitation token (any earlier one stops working); only its hash is kept. Valid 14 days."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    account.invitation_token_hash = digest(token)
    account.invited_at, account.invitation_expires_at = now, now + INVITATION_LIFETIME
    db.session.flush()
    return token


def invitation_holder(token: str) -> PortalAccount:
    """The open account whose unexpired invitation this is, or a DomainError saying why the link cannot be used."""
    account = db.session.scalar(select(PortalAccount).where(PortalAccount.invitation_token_hash == digest(token)))
    if account is None or account.closed_at is not None:
        raise DomainError("This link has already been used, or a newer invitation has replaced it. Ask your "
                          "social worker for a new invitation.")
    if account.invitation_expires_at is None or account.invitation_expires_at <= clock.now():
        raise DomainError("This invitation has expired: invitations work for 14 days. Ask your social worker for a "
                          "new one.")
    return account


def accept_invitation(token: str, password: str) -> PortalAccount:
    """Set the invited applicant's password (the staff password rules); the invitation is spent, once only."""
    account = invitation_holder(token)
    problem = password_problem(password, personal=(account.email or "", account.person.full_name))
    if problem:
        raise DomainError(problem, "new_password")
    now = clock.now()
    spent = db.session.execute(
        update(PortalAccount).where(PortalAccount.id == account.id,
                                    PortalAccount.invitation_token_hash == digest(token))
        .values(invitation_token_hash=None, invitation_expires_at=None, password_hash=hash_password(password),
                activated_at=func.coalesce(PortalAccount.activated_at, now), session_token=new_session_token(),
                failed_sign_in_count=0, locked_until=None)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise DomainError("This link has already been used. Ask your social worker for a new invitation.")
    db.session.expire(account)
    record_applicant_event(account, "portal_invitation_accepted")
    return account


def authenticate(email: str, password: str) -> PortalAccount:
    """The open account these credentials belong to. Like staff sign-in, each attempt is claimed (and committed)
    before the hash is checked, and 5 failures in a row lock the account for 15 minutes (the staff settings)."""
    account = find_open_account(email)
    stored = _claim_attempt(account) if account is not None else None
    checked = verify_password(stored if stored != NO_PASSWORD else None, password)
    if account is None or stored is None or not checked:
        if account is not None:
            record_applicant_event(account, "portal_sign_in_failed")
        raise DomainError(REFUSED, "password")
    return _signed_in(account, "password")


def _claim_attempt(account: PortalAccount) -> str | None:
    now, config = clock.now(), current_app.config
    reached = PortalAccount.failed_sign_in_count + 1 >= config["LOGIN_MAX_FAILURES"]
    stored = db.session.scalar(
        update(PortalAccount)
        .where(PortalAccount.id == account.id,
               or_(PortalAccount.locked_until.is_(None), PortalAccount.locked_until <= now))
        .values(failed_sign_in_count=case((reached, 0), else_=PortalAccount.failed_sign_in_count + 1),
                locked_until=case((reached, now + config["LOGIN_LOCKOUT"]), else_=None))
        .returning(PortalAccount.password_hash).execution_options(synchronize_session=False))
    db.session.commit()
    return stored


def _signed_in(account: PortalAccount, how: str) -> PortalAccount:
    db.session.refresh(account)
    if close_if_due(account):
        raise DomainError("Your access to your application online has ended. Contact your social worker.")
    account.failed_sign_in_count, account.locked_until = 0, None
    account.last_signed_in_at = clock.now()
    record_applicant_event(account, "portal_signed_in", method=how)
    return account


def send_code(email: str) -> tuple[str, str] | None:
    """A new 6-digit code for the open account with this address, its earlier codes spent: (the account's own
    address, the code) to email, or None when there is no such account (the page answers the same)."""
    account = find_open_account(email)
    if account is None or account.activated_at is None:
        return None
    now = clock.now()
    db.session.execute(update(PortalCode).where(PortalCode.account_id == account.id, PortalCode.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(1_000_000):06d}"
    db.session.add(PortalCode(account_id=account.id, code_hash=_code_hash(account.id, code),
                              expires_at=now + CODE_LIFETIME))
    record_applicant_event(account, "portal_code_sent")
    return account.email, code


def sign_in_with_code(email: str, code: str) -> PortalAccount:
    """The account whose latest live code this is. Each try counts against the code, claimed before it is
    compared; the fifth wrong try spends it."""
    account = find_open_account(email)
    live = None if account is None else db.session.scalar(
        select(PortalCode).where(PortalCode.account_id == account.id, PortalCode.used_at.is_(None),
                                 PortalCode.expires_at > clock.now())
        .order_by(PortalCode.id.desc()).limit(1))
    if live is None or not _claim_code_try(live):
        raise DomainError(CODE_REFUSED, "code")
    if not hmac.compare_digest(live.code_hash, _code_hash(account.id, (code or "").strip())):
        record_applicant_event(account, "portal_code_failed")
        raise DomainError(CODE_REFUSED, "code")
    live.used_at = clock.now()
    return _signed_in(account, "code")


def _claim_code_try(code: PortalCode) -> bool:
    """Count the try (committed at once); False when the code has no tries left."""
    claimed = db.session.execute(
        update(PortalCode).where(PortalCode.id == code.id, PortalCode.used_at.is_(None),
                                 PortalCode.attempts < CODE_ATTEMPTS)
        .values(attempts=PortalCode.attempts + 1,
                used_at=case((PortalCode.attempts + 1 >= CODE_ATTEMPTS, clock.now()), else_=None))
        .execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def _code_hash(account_id: int, code: str) -> str:
    """Keyed by the app's secret: a 6-digit code's plain hash could be reversed by trying a million."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"{account_id}:{code}".encode(), hashlib.sha256).hexdigest()


def sign_out(account: PortalAccount) -> None:
    record_applicant_event(account, "portal_signed_out")


def locked(account: PortalAccount, now: datetime | None = None) -> bool:
    return account.locked_until is not None and account.locked_until > (now or clock.now())
