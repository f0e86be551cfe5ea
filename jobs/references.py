"""The daily referee links job: links for named referees whose check was requested, and one reminder each."""
from __future__ import annotations

from datetime import date


def referee_links(today: date, run_id: int | None = None) -> dict:
    from crm.references.dispatch import send_due_links, send_reminders

    return {**send_due_links(), **send_reminders()}
