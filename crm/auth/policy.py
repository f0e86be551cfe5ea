"""The one access policy: every endpoint declares who may use it; an undeclared endpoint is refused."""
from __future__ import annotations

from typing import Callable

from flask import Flask, abort, current_app, request
from flask_login import current_user

from crm.auth.roles import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"
# An applicant's page at /my/ (crm.portal.auth.applicant_required): the portal's own sign-in decides, never a staff
# role; staff and visitors are sent to the portal's sign-in.
APPLICANT = "applicant"
ACCESS_ATTRIBUTE = "_hearth_access"
# Flask's own static route serves the front-end assets, which hold no data.
PUBLIC_ENDPOINTS = frozenset({"static"})


def allow(*roles: Role) -> Callable:
    """Only users holding one of these roles may use the view."""
    if not roles:
        raise ValueError("allow() needs at least one role; use public or signed_in otherwise")
    return _declare(frozenset(roles))


def public(view: Callable) -> Callable:
    """Anyone may use the view, signed in or not."""
    return _declare(PUBLIC)(view)


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role (their own account pages)."""
    return _declare(SIGNED_IN)(view)


def _declare(rule) -> Callable:
    def decorator(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, rule)
        return view

    return decorator


def access_rule(app: Flask, endpoint: str):
    """The declared rule of an endpoint: PUBLIC, SIGNED_IN, a set of roles, or None if undeclared."""
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), ACCESS_ATTRIBUTE, None)


def may_use(user, app: Flask, endpoint: str) -> bool:
    """Whether the user (possibly anonymous) may use the endpoint: the same answer the request hook gives."""
    rule = access_rule(app, endpoint)
    if rule is None:
        return False
    if rule == PUBLIC:
        return True
    if rule == APPLICANT or not user.is_authenticated:
        return False
    return rule == SIGNED_IN or user.has_any_role(rule)


def enforce_access():
    """before_request: refuse what the endpoint's rule does not allow."""
    if request.endpoint is None:
        return None  # no such route: Flask answers 404
    app = current_app._get_current_object()
    rule = access_rule(app, request.endpoint)
    if rule == PUBLIC:
        return None
    if rule == APPLICANT:
        from crm.portal.auth import refuse_unless_applicant  # the portal's session is its own

        return refuse_unless_applicant()
    if rule is not None and not current_user.is_authenticated:
        return app.login_manager.unauthorized()
    if not may_use(current_user, app, request.endpoint):
        abort(403)
    return None
