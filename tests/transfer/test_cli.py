"""`crm import` and `crm export` through the real command line."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import AuditEvent
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row


def test_import_shows_a_progress_bar_on_stderr_and_a_summary_on_stdout(runner, db_session, authorities, tmp_path):
    (tmp_path / "h.csv").write_bytes(csv_bytes([HOUSEHOLD_HEADER, household_row("R1"), household_row("R2")]))
    result = runner.invoke(args=["import", "households", str(tmp_path / "h.csv")])
    assert result.exit_code == 0, result.output
    assert "Importing households" in result.stderr and "2/2" in result.stderr
    assert result.stdout.splitlines() == [
        "Households import of h.csv: 2 rows read.", "  households: 2 created, 0 updated, 0 unchanged",
        "  applications: 2 created, 0 updated, 0 unchanged", "  contacts: 2 created, 0 updated, 0 unchanged", "Stored."]


def test_a_file_of_another_type_is_refused_with_a_clear_message(runner, db_session, tmp_path):
    (tmp_path / "tracker.ods").write_bytes(b"anything")
    result = runner.invoke(args=["import", "milestones", str(tmp_path / "tracker.ods")])
    assert result.exit_code == 1
    assert "file: The file must be a CSV file (.csv) or an Excel workbook (.xlsx)" in result.stdout


def test_export_writes_csv_to_stdout_and_is_audited(runner, db_session, authorities, tmp_path):
    (tmp_path / "h.csv").write_bytes(csv_bytes([HOUSEHOLD_HEADER, household_row("R1", campaign="=1+1")]))
    assert runner.invoke(args=["import", "households", str(tmp_path / "h.csv")]).exit_code == 0
    result = runner.invoke(args=["export", "households"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("household_ref,service_line,partner_authority,first_enquiry_date")
    assert lines[1].startswith("R1,adoption,Leeds City Council,2025-01-06,radio,'=1+1,1,,Single,no,")
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "exported_households"))
    assert audit.detail == {"format": "csv", "rows": 1, "households": 1} and audit.actor_label == "command line"


def test_an_xlsx_export_needs_an_output_file(runner, db_session):
    result = runner.invoke(args=["export", "milestones", "--format", "xlsx"])
    assert result.exit_code == 2 and "An XLSX export needs --output FILE" in result.output
