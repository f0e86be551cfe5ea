"""The nightly attribution job (SPEC section 6): contacts matched to their campaigns and UTM-rule channels, then
every model's credits for every ROI and approval recomputed and stored for the marketing pages and reports.

Idempotent: a run replaces the stored credits in one transaction, so a second run (or a run after a crash half
way, which stored nothing) stores the same rows; the runner's advisory lock keeps two schedulers from running it at
once on PostgreSQL.
"""
from __future__ import annotations

from datetime import date

from crm.extensions import db
from crm.marketing.attribution.services import recompute
from crm.marketing.attribution.touchpoints import resolve_contacts


def attribution_nightly(today: date, run_id: int | None = None) -> dict:
    """Re-match every contact (committed on its own, so contact rows are not held locked through the long part),
    then recompute the credits as things stood on `today`."""
    resolved = resolve_contacts(db.session)
    db.session.commit()
    counts = recompute(db.session, today=today)
    db.session.commit()
    return {"contacts_changed": resolved, **counts}
