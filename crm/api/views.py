"""`POST /api/v1/enquiries` for website integrations, and its OpenAPI document. Token, not session, auth."""
from __future__ import annotations

import json
from datetime import timezone

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from crm.api import openapi, schema, tokens
from crm.auth.policy import public
from crm.enquiries import intake
from crm.errors import DomainError
from crm.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies, no session: a bearer token cannot be sent by another site's page


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


def _token_key() -> str:
    """Rate-limit per token (its public prefix), or per address for requests without one."""
    secret = _bearer()
    return f"token:{secret[:12]}" if secret else f"address:{request.remote_addr}"


def _bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def _errors(status: int, errors: list[dict], **headers):
    response = jsonify(errors=errors)
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    headers = {"Retry-After": error.retry_after} if getattr(error, "retry_after", None) else {}
    return _errors(error.code or 500, [{"field": None, "message": error.description or error.name}], **headers)


def _json_body():
    """The body's JSON, or None when it is not JSON: malformed, not UTF-8, nested past Python's recursion limit
    (5,000 brackets), which json raises as RecursionError, not as a ValueError, or holding a lone surrogate escape
    ("\\ud800"), which JSON's grammar allows but is no text: no database can store it."""
    try:
        body = json.loads(request.get_data())
        json.dumps(body, ensure_ascii=False).encode("utf-8")
        return body
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return None


@bp.route("/openapi.json")
@public
def openapi_document():
    return jsonify(openapi.document(current_app.config["PUBLIC_SERVICE_NAME"]))


@bp.route("/enquiries", methods=["POST"])
@limiter.limit(_api_limit, key_func=_token_key)
@public
def create_enquiry():
    token = tokens.authenticate(_bearer())
    if token is None:
        return _errors(401, [{"field": None, "message": "Send a valid API token: Authorization: Bearer <token>"}],
                       **{"WWW-Authenticate": 'Bearer realm="hearth"'})
    g.api_token = token
    if not request.is_json:
        return _errors(415, [{"field": None, "message": "Send the enquiry as JSON (Content-Type: application/json)"}])
    try:
        details = schema.parse(_json_body(), request.headers.get("Idempotency-Key"), token.id)
    except DomainError as error:
        db.session.commit()  # the token's last use stands
        return _errors(422, error.as_json())
    try:
        receipt = intake.receive(details)
    except DomainError as error:
        db.session.rollback()
        return _errors(422, error.as_json())
    body = {"id": receipt.contact_id, "household_reference": receipt.household_reference,
            "received_at": receipt.received_at.astimezone(timezone.utc).isoformat(),
            "first_response_due_at": receipt.first_response_due_at.astimezone(timezone.utc).isoformat()}
    return jsonify(body), 201 if receipt.created else 200
