"""API tokens: 256 random bits shown once to the administrator who creates them; only their hash is kept."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from crm import clock
from crm.api.models import ApiToken
from crm.audit.services import record_event
from crm.extensions import db

PREFIX = "hearth_"
# last_used_at is for the administrator's list; writing it on every request would make each submission two writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(name: str, *, actor) -> tuple[ApiToken, str]:
    """A new token and its secret; the caller shows the secret once and commits."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), token_hash=digest(secret), prefix=secret[:12], created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()
    record_event(db.session, "api_token_created", actor=actor, object_type="api_token", object_id=token.id,
                 detail={"name": token.name, "prefix": token.prefix})
    return token, secret


def revoke(token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by_id = clock.now(), actor.id
        record_event(db.session, "api_token_revoked", actor=actor, object_type="api_token", object_id=token.id,
                     detail={"name": token.name, "prefix": token.prefix})


def authenticate(secret: str | None) -> ApiToken | None:
    """The live token with this secret, or None. Marks it used (coarsely); the caller commits."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token
