"""The funnel's terms that queues, jobs and reports share, as SQL conditions on Application: "open" (SPEC section 2)."""
from __future__ import annotations

from crm.funnel.stages import OPEN_STATUSES
from crm.households.models import Application


def is_open():
    """The application is open: active or on hold (OPEN_STATUSES, the same set the Python code tests)."""
    return Application.status.in_(OPEN_STATUSES)
