"""The milestones file and the withdrawal reasons list: `detail` names a reason (any case) or goes under Other with
its text kept; an export writes the reason's name, and imports back to the same reasons and notes."""
from __future__ import annotations

import csv
import io

from flask import g
from sqlalchemy import select

from crm.extensions import db
from crm.funnel.models import StageEvent
from crm.funnel.reasons import services as reasons
from crm.transfer import services
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import

ROWS = [["R1", "adoption", "withdrawn", "2025-02-01", "applicant: HEALTH"],
        ["R2", "adoption", "withdrawn", "2025-02-01", "service: Other: moved to Spain"],
        ["R3", "adoption", "withdrawn", "2025-02-01", "applicant: Went travelling"],
        ["R4", "adoption", "withdrawn", "2025-02-01", "applicant: housing: lease ended"],
        ["R5", "adoption", "withdrawn", "2025-02-01", "service"]]


def withdrawals(db_session) -> list[tuple]:
    names = reasons.names()
    events = db_session.scalars(select(StageEvent).where(StageEvent.kind == "withdrawn").order_by(StageEvent.id))
    return [(e.party.value, names[e.withdrawal_reason_id], e.reason) for e in events]


def exported_details(kind: str = "milestones") -> list[str]:
    data = services.export(kind, "csv", actor=None)[0]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return [row["detail"] for row in rows if row["event"] == "withdrawn"]


def test_detail_is_matched_to_a_reason_or_kept_under_other(app_context, db_session, authorities):
    refs = [row[0] for row in ROWS]
    assert run_import("households", csv_bytes([HOUSEHOLD_HEADER, *(household_row(ref) for ref in refs)])).ok
    assert run_import("milestones", csv_bytes([MILESTONE_HEADER, *ROWS])).ok
    assert withdrawals(db_session) == [("applicant", "Health", None), ("service", "Other", "moved to Spain"),
                                       ("applicant", "Other", "Went travelling"),
                                       ("applicant", "Housing", "lease ended"),
                                       ("service", "Other", "No reason given in the imported tracker")]
    assert exported_details() == ["applicant: Health", "service: Other: moved to Spain",
                                  "applicant: Other: Went travelling", "applicant: Housing: lease ended",
                                  "service: Other: No reason given in the imported tracker"]


def test_an_export_imports_back_to_the_same_reasons(app, db_session, authorities, empty_app, tmp_path):
    refs = [row[0] for row in ROWS]
    with app.app_context():  # not the app_context fixture: the second app's commands need their own context
        g.hearth_session = db_session
        assert run_import("households", csv_bytes([HOUSEHOLD_HEADER, *(household_row(ref) for ref in refs)])).ok
        assert run_import("milestones", csv_bytes([MILESTONE_HEADER, *ROWS])).ok
        before, details = withdrawals(db_session), exported_details()
        files = {kind: services.export(kind, "csv", actor=None)[0] for kind in ("households", "milestones")}
        g.pop("hearth_session")
    runner = empty_app.test_cli_runner()
    for kind, data in files.items():
        (tmp_path / f"{kind}.csv").write_bytes(data)
        result = runner.invoke(args=["import", kind, str(tmp_path / f"{kind}.csv")])
        assert result.exit_code == 0, result.output
    assert "events: 5 created" in result.output, result.output
    with empty_app.app_context():
        assert withdrawals(db.session) == before
        assert exported_details() == details
