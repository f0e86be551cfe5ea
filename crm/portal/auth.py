"""The applicant's session, apart from the staff one: who is signed in to /my/, and the rule every /my/ page keeps.

A staff sign-in (Flask-Login's `_user_id`) and an applicant sign-in (`portal_account_id` with the account's
session token) never stand for each other: signing in either way clears the whole session first, so one browser
holds at most one of them, and neither is read as the other. Every /my/ view is declared with
`applicant_required`; the access policy (crm.auth.policy) then sends it here before CSRF is checked, so a staff user
or a visitor is redirected to /my/sign-in whatever the method. Lookups on /my/ go through `household_object`
(or filter on `current_account().household_id`): another household's id answers 404.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import abort, current_app, g, redirect, render_template, request, session, url_for

from crm import clock
from crm.auth.policy import APPLICANT, ACCESS_ATTRIBUTE
from crm.extensions import db

ACCOUNT_KEY = "portal_account_id"
TOKEN_KEY = "portal_token"
STARTED_KEY = "portal_signed_in_at"
SEEN_KEY = "portal_last_seen"


@dataclass(frozen=True)
class ApplicantActor:
    """The applicant as the `actor` of a shared service (records, checks): no staff user, so no user id, and the
    audit log names the portal account. `account_id` lets a service that knows the portal record it."""

    account_id: int
    email: str  # what record_event writes as the actor's label
    id: None = None
    roles: frozenset = frozenset()

    def has_role(self, *_roles) -> bool:
        return False

    def has_any_role(self, *_roles) -> bool:
        return False


def actor_for(account) -> ApplicantActor:
    return ApplicantActor(account_id=account.id, email=account.audit_label)


def start_applicant_session(account) -> None:
    """A fresh session for the applicant: whatever the browser held (a staff sign-in too) is dropped."""
    session.clear()
    now = clock.now().timestamp()
    session.update({ACCOUNT_KEY: account.id, TOKEN_KEY: account.session_token, STARTED_KEY: now, SEEN_KEY: now})
    session.permanent = True
    g.pop("portal_account", None)


def end_applicant_session() -> None:
    session.clear()
    g.pop("portal_account", None)


def current_account():
    """The signed-in applicant's open account, or None. A session whose token the account no longer holds (closed,
    signed out everywhere) or that timed out is not a sign-in. Cached for the request."""
    if "portal_account" not in g:
        g.portal_account = _session_account()
    return g.portal_account


def _session_account():
    from crm.portal.models import PortalAccount

    account_id, token = session.get(ACCOUNT_KEY), session.get(TOKEN_KEY)
    if not isinstance(account_id, int) or not isinstance(token, str):
        return None
    account = db.session.get(PortalAccount, account_id)
    if account is None or account.session_token != token:
        return None
    return account


def _timed_out() -> bool:
    now, config = clock.now().timestamp(), current_app.config
    idle = now - session.get(SEEN_KEY, 0) > config["SESSION_IDLE_TIMEOUT"].total_seconds()
    too_old = now - session.get(STARTED_KEY, 0) > config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    return idle or too_old


def refuse_unless_applicant():
    """The access policy's check for a /my/ page (before CSRF): None lets the request through; otherwise the
    response that replaces it (to sign in, or the page saying the portal is closed)."""
    from crm.portal.closure import close_if_due

    account = current_account()
    if account is None:
        return redirect(url_for("portal.sign_in"))
    if _timed_out():
        end_applicant_session()
        return redirect(url_for("portal.sign_in", timeout=1))
    if close_if_due(account):
        db.session.commit()
        end_applicant_session()
        return render_template("portal/closed.html", title="Your access has ended"), 403
    session[SEEN_KEY] = clock.now().timestamp()
    return None


def applicant_required(view: Callable) -> Callable:
    """Declare a view as an applicant's page: only a signed-in applicant with an open account may use it. The check
    runs in the access policy before CSRF; it runs again here so a view called another way is never unguarded."""
    @wraps(view)
    def guarded(*args, **kwargs):
        refusal = refuse_unless_applicant()
        return refusal if refusal is not None else view(*args, **kwargs)

    setattr(guarded, ACCESS_ATTRIBUTE, APPLICANT)
    return guarded


def household_object(model, object_id: int, *, household_of: Callable = lambda obj: obj.household_id):
    """The object of this id in the signed-in applicant's household, or 404: another household's id answers as an
    unknown one does. `household_of` says which household an object belongs to (default its household_id); e.g.
    for a check, `lambda check: check.application.household_id`."""
    account = current_account()
    found = db.session.get(model, object_id) if isinstance(object_id, int) else None
    if account is None or found is None or household_of(found) != account.household_id:
        abort(404)
    return found


def applicant_person(person_id: int):
    """A person of the signed-in applicant's household (any adult of it), or 404."""
    from crm.households.models import Person

    return household_object(Person, person_id)


def client_key() -> str:
    """The rate limits' key for applicant forms: the client's address (as the staff sign-in limit counts)."""
    return request.remote_addr or "unknown"
