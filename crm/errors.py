"""Errors: a rule's refusal (DomainError) and where it lands (beside a form field, in the error summary, in a
flash message or an API response), and a clear GOV.UK page for every other failure, never a stack trace."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from flask import Flask, current_app, flash, render_template
from flask_wtf.csrf import CSRFError
from govuk_frontend_wtf.main import wtforms_errors
from jinja2 import Undefined
from werkzeug.exceptions import HTTPException

from crm.extensions import db


class DomainError(Exception):
    """A rule refused what was asked. The message says why, in words for the user; `field` names what it is
    about (a form field, a column of an imported file, a field of an API body), None for the whole request.
    `problems` holds every (field, message) where a rule reports several at once."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field
        self.problems: list[tuple[str | None, str]] = [(field, message)]

    @classmethod
    def several(cls, problems: Iterable[tuple[str | None, str]]) -> DomainError:
        """One error for several problems, the first of which is its message and field."""
        problems = list(problems)
        error = cls(problems[0][1], problems[0][0])
        error.problems = problems
        return error

    def as_json(self) -> list[dict]:
        """The API's error list: {"field": ..., "message": ...} for each problem."""
        return [{"field": field, "message": message} for field, message in self.problems]


@contextmanager
def errors_on(form=None, *, fields: dict[str, str] | None = None, keep: bool = False) -> Iterator[None]:
    """Around a view's call of a service (and its commit and redirect): a DomainError from it undoes the request's
    changes and lands on the form (see show_on), or in a flash message when there is no form; the view carries on
    after the block. `fields` renames a service's field to the form's; keep=True commits instead of rolling back,
    where the refused attempt itself must be recorded (a failed sign-in)."""
    try:
        yield
    except DomainError as error:
        if keep:
            db.session.commit()
        else:
            db.session.rollback()
        if form is None:
            flash(error.message, "error")
        else:
            show_on(form, error, fields)


def show_on(form, error: DomainError, fields: dict[str, str] | None = None) -> None:
    """Each problem beside the form field it names; one that names no field of this form goes to the form's own
    errors, which the GOV.UK error summary shows."""
    for name, message in error.problems:
        field = form._fields.get((fields or {}).get(name, name)) if name else None
        if field is None or field.short_name == "csrf_token":
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def error_summary(form) -> dict:
    """govukErrorSummary's parameters: the form's own errors, which have no field to link to, then every error of
    each field (govuk-frontend-wtf lists only a field's first; a list of ticked rows can have one per row)."""
    params = wtforms_errors(form)
    linked = []
    for item in params["errorList"]:
        if item["href"] == "#":
            continue
        field = next((field for field in form if f"#{field.id}" == item["href"]), None)
        messages = field.errors if field is not None and all(isinstance(m, str) for m in field.errors) else None
        linked += [{"text": message, "href": item["href"]} for message in messages] if messages else [item]
    params["errorList"] = [{"text": message} for message in form.form_errors] + linked
    return params


def page_has_errors(*forms) -> bool:
    """Whether any form given (or any in a list given) has errors: layout.html's test for the 'Error: ' prefix of
    the <title>. An undefined template variable or None counts as no form."""
    for item in forms:
        if item is None or isinstance(item, Undefined):
            continue
        if isinstance(item, (list, tuple)):
            if page_has_errors(*item):
                return True
        elif getattr(item, "errors", None):
            return True
    return False


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
    # crm.security.FileTooLarge: a document upload past its limit (bytes). Flask-Limiter's RateLimitExceeded (429)
    # has a `limit` too, not a number: only a 413's is read, or every 429 became a 500.
    limit = getattr(error, "limit", None) if error.code == 413 else None
    if limit:
        return render_error(413, body=f"The file must be smaller than {limit / (1024 * 1024):g} MB. Go back and "
                                      "choose a smaller file, or scan it at a lower resolution.")
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
