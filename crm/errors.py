"""Error pages: every failure gets a clear GOV.UK page, never a stack trace."""
from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from crm.extensions import db

MESSAGES = {
    400: ("There is a problem with your request", "Check what you entered and try again."),
    403: ("You do not have permission to see this page", "Your role does not give access to this page. "
          "If you think it should, ask your manager or an administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Page not found", "This address does not accept that kind of request."),
    413: ("The file is too large", "Upload a smaller file."),
    429: ("Too many attempts", "You have tried too many times in a short time. Wait a minute and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered was saved."),
}


def render_error(status: int, title: str | None = None, body: str | None = None):
    default_title, default_body = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.html", title=title or default_title, body=body or default_body), status


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    return render_error(400, "Your form has expired",
                        "For your security the form could not be sent. Go back, refresh the page and try again.")


def handle_unexpected(error: Exception):
    current_app.logger.exception("Unhandled error")
    db.session.rollback()
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected)
