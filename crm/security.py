"""Security headers on every response, and the idle and absolute session timeouts."""
from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from crm import clock

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not current_app.debug:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages may show personal data: no browser or proxy keeps a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


def _now_ts() -> float:
    return clock.now().timestamp()


def expire_idle_sessions():
    """before_request: sign out a session idle too long, or older than the absolute limit."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = _now_ts()
    config = current_app.config
    started = session.get("signed_in_at", 0)
    last_seen = session.get("last_seen", 0)
    idle = now - last_seen > config["SESSION_IDLE_TIMEOUT"].total_seconds()
    too_old = now - started > config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    if idle or too_old:
        from crm.auth.services import end_session  # the auth service owns sign-out

        end_session(current_user._get_current_object(), reason="timeout")
        flash("You were signed out because your session timed out. Sign in again to continue.")
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    session["last_seen"] = now
    return None


def start_session_clock() -> None:
    now = _now_ts()
    session["signed_in_at"] = now
    session["last_seen"] = now
    session.permanent = True


def init_app(app: Flask) -> None:
    app.before_request(expire_idle_sessions)
    app.after_request(set_security_headers)
