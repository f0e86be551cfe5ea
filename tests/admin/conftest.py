"""The SMTP server the escalation tests use, for the emailed set-password links."""
from tests.jobs.conftest import mail_to, smtp_server  # noqa: F401
