"""Settings from the environment, with defaults for the embedded (SQLite) start."""
from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_instance_path() -> Path:
    return Path(os.environ.get("HEARTH_INSTANCE_PATH", ROOT / "instance"))


def sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'hearth.sqlite3'}"


class MissingSecretKey(RuntimeError):
    """Production (gunicorn) started without SECRET_KEY: each host would sign sessions with a key of its own."""


def under_gunicorn() -> bool:
    return "gunicorn.arbiter" in sys.modules


def load_secret_key(instance_path: Path) -> str:
    """The SECRET_KEY from the environment, else (embedded start only) one generated once into the instance folder.
    Under gunicorn a missing key stops the start: a key per host signs out every user whose next request
    reaches another host, and a lost instance folder would sign everyone out."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if under_gunicorn():
        raise MissingSecretKey("SECRET_KEY is not set. In production set SECRET_KEY in the environment, the same "
                               "long random value on every host (for example: python -c 'import secrets; "
                               "print(secrets.token_hex(32))').")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    """Every setting Hearth reads; README.md lists them."""
    idle_minutes = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or sqlite_url(instance_path),
        "SERVICE_NAME": os.environ.get("HEARTH_SERVICE_NAME", "Hearth"),
        # What the public enquiry form calls the service: the agency's name, not the software's.
        "PUBLIC_SERVICE_NAME": os.environ.get("HEARTH_PUBLIC_SERVICE_NAME", "Adopt and foster with us"),
        # The agency's privacy notice, linked from the public enquiry form; blank: Hearth's own short notice.
        "PRIVACY_NOTICE_URL": os.environ.get("HEARTH_PRIVACY_NOTICE_URL", "").strip(),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "10"))),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=idle_minutes),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure by default: only the embedded start (`crm run`, plain HTTP on this machine) turns it off. A secure
        # cookie takes the __Host- prefix (create_app), so no other host or path can set or shadow it.
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_NAME": "hearth_session",
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT": timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))),
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute"),
        # Every other form of the applicant portal (/my/) and the staff's portal actions, per client address.
        "RATELIMIT_PORTAL_FORMS": os.environ.get("RATELIMIT_PORTAL_FORMS", "30 per minute;300 per hour"),
        # Per client address: generous enough for a family or an event kiosk, not for a script.
        "RATELIMIT_PUBLIC_ENQUIRY": os.environ.get("RATELIMIT_PUBLIC_ENQUIRY", "10 per minute;60 per hour"),
        # A referee's reference form (/reference/<token>): opening and sending it, per client address.
        "RATELIMIT_REFERENCE": os.environ.get("RATELIMIT_REFERENCE", "20 per minute;100 per hour"),
        # Per API token: a website integration posting its own form's submissions.
        "RATELIMIT_API": os.environ.get("RATELIMIT_API", "600 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # fixed-window (Flask-Limiter's default), or moving-window: exact over the last period, never twice the limit
        # across a window's edge (Redis does it with one script, so several hosts still share one count).
        "RATELIMIT_STRATEGY": os.environ.get("RATELIMIT_STRATEGY", "fixed-window"),
        # How many proxies in front of Hearth set X-Forwarded-For/-Proto/-Host: the client's address (what the
        # rate limits count) is then the one the nearest trusted proxy saw. 0: the headers are ignored, so a
        # client cannot choose its own address by sending them.
        "TRUSTED_PROXIES": int(os.environ.get("HEARTH_TRUSTED_PROXIES", "0")),
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Any request body larger than this is refused with 413 before it is read (an upload of a tracker may be
        # this much larger than its file limit: crm/security.py).
        "MAX_CONTENT_LENGTH": int(os.environ.get("HEARTH_MAX_REQUEST_BYTES", str(1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which has its own timeouts
        "FIRST_RESPONSE_WORKING_DAYS": int(os.environ.get("FIRST_RESPONSE_WORKING_DAYS", "2")),
        # An uploaded tracker larger than this is imported (or checked) in the background, the page following it
        # with a progress bar; a smaller one (about 1,000 rows) answers at once (crm/transfer/runs.py).
        "IMPORT_BACKGROUND_BYTES": int(os.environ.get("HEARTH_IMPORT_BACKGROUND_BYTES", str(200 * 1024))),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "hearth@localhost"),
        "SMTP_STARTTLS": env_bool("SMTP_STARTTLS", False),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "30")),
        # STARTTLS verifies the server's certificate against the system's authorities, or this file's.
        "SMTP_CA_FILE": os.environ.get("SMTP_CA_FILE", ""),
        # The service's address as its users reach it, for links sent by email or printed by `crm` commands.
        "BASE_URL": os.environ.get("BASE_URL", "").rstrip("/"),
        # A delivery claimed this long ago and never finished (its process died) is tried again.
        "MAIL_CLAIM_TIMEOUT_SECONDS": int(os.environ.get("MAIL_CLAIM_TIMEOUT_SECONDS", "900")),
        # Escalation emails claimed, sent and recorded per transaction; a process killed mid-batch sends at most this
        # many again (crm.escalations.services.deliver_pending).
        "MAIL_BATCH_SIZE": int(os.environ.get("MAIL_BATCH_SIZE", "50")),
        # The check escalation ladder: working days after the due date, and who hears (SPEC section 4).
        "CHECK_ESCALATION_LADDER": os.environ.get("CHECK_ESCALATION_LADDER",
                                                  "0:owner,7:team_manager,21:service_manager"),
        "APPROVED_WAITING_MONTHS": int(os.environ.get("APPROVED_WAITING_MONTHS", "3")),
        # Attribution's time-decay model: a touch this many days before the outcome counts half (SPEC section 6).
        "ATTRIBUTION_HALF_LIFE_DAYS": float(os.environ.get("ATTRIBUTION_HALF_LIFE_DAYS", "30")),
        # Documents (crm/documents): stored here, outside the web root (default: the instance folder's uploads/).
        "HEARTH_UPLOAD_DIR": os.environ.get("HEARTH_UPLOAD_DIR", ""),
        "HEARTH_UPLOAD_MAX_BYTES": int(os.environ.get("HEARTH_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
        # A clamdscan-compatible command (with options of its own if needed): uploads are held until it says clean.
        # Unset: uploads are stored as "not scanned".
        "HEARTH_CLAMDSCAN": os.environ.get("HEARTH_CLAMDSCAN", "").strip(),
        "HEARTH_SCAN_TIMEOUT_SECONDS": float(os.environ.get("HEARTH_SCAN_TIMEOUT_SECONDS", "20")),
        # A scan claimed this long ago and never finished (its process died) is claimed again.
        "HEARTH_SCAN_CLAIM_SECONDS": int(os.environ.get("HEARTH_SCAN_CLAIM_SECONDS", "300")),
        # Default expiry of a received check (crm/checks/expiry.py): DBS for fostering (renewed every 3 years for
        # approved foster carers), the adult health assessment (agency policy; the SPEC gives no period).
        "DBS_RENEWAL_YEARS": int(os.environ.get("HEARTH_DBS_RENEWAL_YEARS", "3")),
        "MEDICAL_RENEWAL_YEARS": int(os.environ.get("HEARTH_MEDICAL_RENEWAL_YEARS", "2")),
        # Reminders to the owner this many days before a document or check expires; the ladder follows expiry.
        "EXPIRY_REMINDER_DAYS": os.environ.get("HEARTH_EXPIRY_REMINDER_DAYS", "60,30"),
        # make run starts the scheduler inside the web process; production runs `crm scheduler` instead.
        "SCHEDULER_IN_PROCESS": env_bool("HEARTH_SCHEDULER_IN_PROCESS", True),
    }


def name_session_cookie(config: dict) -> None:
    """A secure session cookie is named __Host-...: browsers then refuse it unless it is Secure, for the whole host
    (Path=/, no Domain), so a sibling subdomain or plain-HTTP page cannot plant or overwrite it."""
    name = config["SESSION_COOKIE_NAME"].removeprefix("__Host-")
    config["SESSION_COOKIE_NAME"] = f"__Host-{name}" if config["SESSION_COOKIE_SECURE"] else name


def embedded(config: dict) -> None:
    """The embedded start (`crm run`) serves plain HTTP on this machine: its cookie cannot be Secure, unless the
    environment says otherwise (behind a local TLS proxy)."""
    if os.environ.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = False
        name_session_cookie(config)
