"""Security headers on every response, the request size limits, and the idle and absolute session timeouts."""
from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

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


# Endpoints that take a tracker upload: their requests may be as large as the upload limit, every other request
# is held to MAX_CONTENT_LENGTH. A larger body is refused (413) from its Content-Length, before it is read.
UPLOAD_ENDPOINTS = frozenset({"transfer.imports"})
# Endpoints that take a document (crm/documents): up to HEARTH_UPLOAD_MAX_BYTES, and a clear page past it.
DOCUMENT_UPLOAD_ENDPOINTS = {"documents.upload", "portal_documents.index"}


class FileTooLarge(RequestEntityTooLarge):
    """A document upload past its limit, refused before it is read: the error page says the limit."""

    def __init__(self, limit: int):
        super().__init__()
        self.upload_limit_bytes = limit


def limit_request_size():
    """before_request, first of all: the size a request's body may have. A declared length past it is refused at
    once, before sign-in, tokens or CSRF are looked at; a body with no length is cut off at the limit as it is read."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        from crm.transfer.forms import MAX_UPLOAD_BYTES

        request.max_content_length = MAX_UPLOAD_BYTES + current_app.config["MAX_CONTENT_LENGTH"]
    if request.endpoint in DOCUMENT_UPLOAD_ENDPOINTS:
        limit = current_app.config["HEARTH_UPLOAD_MAX_BYTES"]
        request.max_content_length = limit + current_app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > request.max_content_length:
            raise FileTooLarge(limit)
    if request.content_length is not None and request.content_length > request.max_content_length:
        raise RequestEntityTooLarge()


def init_app(app: Flask) -> None:
    app.before_request(limit_request_size)
    app.before_request(expire_idle_sessions)
    app.after_request(set_security_headers)
