"""The documents' jobs: virus scans of held uploads, and expiry reminders (crm/documents)."""
from __future__ import annotations

from datetime import date

from crm.documents.expiry import expiry_dues
from crm.documents.scanning import scan_pending
from crm.escalations import services as escalations
from crm.escalations.models import EscalationKind
from crm.extensions import db

CLEARED = "renewed, removed, or no longer live"


def document_scans(today: date, run_id: int | None = None) -> dict:
    """Scan every held upload (HEARTH_CLAMDSCAN); one the scanner could not answer is tried at the next run."""
    from flask import current_app

    if not current_app.config.get("HEARTH_CLAMDSCAN"):
        return {"skipped": "no scanner configured"}
    return scan_pending()


def expiry_reminders(today: date, run_id: int | None = None) -> dict:
    """Documents and checks expiring in 60 and 30 days, or expired: raised once each, cleared when renewed."""
    dues = expiry_dues(today)
    created = escalations.raise_all(dues, run_id=run_id)
    cleared = sum(escalations.resolve_missing(EscalationKind.EXPIRY, subject_type,
                                              {(d.subject_id, d.step) for d in dues if d.subject_type == subject_type},
                                              CLEARED)
                  for subject_type in ("document", "check"))
    db.session.commit()
    return {"due": len(dues), "raised": created, "cleared": cleared, "email": escalations.deliver_pending()}
