"""`crm caseload move`: a leaver's cases from a script, counted first with --dry-run, audited as the command line."""
from __future__ import annotations

from sqlalchemy import select

from crm.allocation import services
from crm.audit.models import AuditEvent
from crm.funnel.stages import EventKind
from tests.allocation.conftest import STAGE_1_ON, TODAY, household_at_roi


def test_move_counts_then_moves_and_refuses_nothing_to_move(runner, services_as, db_session, people):
    def setup():
        household, application = household_at_roi(people["officer"])
        services.hand_over(application, EventKind.STAGE_1, STAGE_1_ON, people["sam"], None,
                           actor=people["manager"], today=TODAY)
        return household
    household = services_as(setup)
    dry = runner.invoke(args=["caseload", "move", people["sam"].email, people["tess"].email, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("Would move 1 households and ")
    db_session.expire_all()
    assert household.allocated_worker_id == people["sam"].id
    result = runner.invoke(args=["caseload", "move", people["sam"].email, people["tess"].email])
    assert result.exit_code == 0 and result.output.startswith("Moved 1 households and "), result.output
    db_session.expire_all()
    assert household.allocated_worker_id == people["tess"].id
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "caseload_reallocated"))
    assert audit.actor_label == "command line"
    again = runner.invoke(args=["caseload", "move", people["sam"].email, people["tess"].email])
    assert again.exit_code == 1 and "has no open applications or open checks" in again.output
    unknown = runner.invoke(args=["caseload", "move", "nobody@hearth.example", people["tess"].email])
    assert unknown.exit_code == 1 and "Choose whose cases" in unknown.output
