"""Withdrawing an application's checks when the start of its checks is undone, and reopening them when it is
recorded again: the checks are kept, with their dates, and leave the queue and the escalations meanwhile."""
from __future__ import annotations

from sqlalchemy import select

from crm import clock
from crm.audit.services import record_event
from crm.checks.models import CheckInstance
from crm.escalations import services as escalations
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.households.models import Application

# The stages in which an application's checks are worked on.
CHECK_STAGES = (Stage.STAGE_1, Stage.STAGE_1_COMPLETED, Stage.STAGE_2)


def on_event_undone(application: Application, *, actor, reason: str) -> list[CheckInstance]:
    """The funnel calls this after an undo. Back before the checks began (the Stage 1 start undone), the checks
    are withdrawn: kept, with their dates, but out of the queue and the escalations until it is recorded again."""
    if application.stage in CHECK_STAGES:
        return []
    checks = _checks_of(application, withdrawn=False)
    for check in checks:
        check.withdrawn_at = clock.now()
    db.session.flush()
    for check in checks:
        escalations.resolve_for_subject("check", check.id, "withdrawn")
        record_event(db.session, "check_withdrawn", actor=actor, object_type="check", object_id=check.id,
                     detail={"application_id": application.id, "reason": reason})
    return checks


def reopen_checks(application: Application, *, actor) -> list[CheckInstance]:
    """The withdrawn checks of the application, open again where they were left."""
    checks = _checks_of(application, withdrawn=True)
    for check in checks:
        check.withdrawn_at = None
    db.session.flush()
    for check in checks:
        record_event(db.session, "check_reopened", actor=actor, object_type="check", object_id=check.id,
                     detail={"application_id": application.id})
    return checks


def _checks_of(application: Application, *, withdrawn: bool) -> list[CheckInstance]:
    state = CheckInstance.withdrawn_at.is_not(None) if withdrawn else CheckInstance.withdrawn_at.is_(None)
    return list(db.session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id, state)
                                   .order_by(CheckInstance.id)))
