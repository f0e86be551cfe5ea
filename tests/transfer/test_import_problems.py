"""Bad files and bad rows: every problem reported with its row and column, and nothing from the file stored."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.funnel.models import StageEvent
from crm.households.models import Household
from crm.transfer.milestones import NO_REASON
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import


def where(report) -> set[tuple]:
    return {(p.row, p.column) for p in report.errors}


def households_file(*refs: str) -> bytes:
    return csv_bytes([HOUSEHOLD_HEADER, *(household_row(ref) for ref in refs)])


def test_each_kind_of_bad_household_row_is_reported_and_nothing_is_stored(runner, db_session, authorities, tmp_path):
    rows = [
        household_row("R1"),
        household_row("R2", line="adopton"),
        household_row("R3", first="31/02/2025"),
        household_row("R4", first="2999-01-01"),
        household_row("R5", channel="carrier pigeon"),
        household_row("R6", line="adoption"),
        household_row("R6", line="fostering_mainstream", authority="Bradford Council"),
        household_row("R7", authority="Atlantis Council"),
        household_row("R8", fast_track="maybe"),
        household_row("R9", count="2", ethnicity="A; B; C"),
    ]
    (tmp_path / "bad.csv").write_bytes(csv_bytes([HOUSEHOLD_HEADER, *rows]))
    result = runner.invoke(args=["import", "households", str(tmp_path / "bad.csv")])
    assert result.exit_code == 1
    for line in ("row 3, column service_line: Unknown service line", "row 4, column first_enquiry_date: Must be a real date",
                 "row 5, column first_enquiry_date: The date is in the future", "row 6, column channel: Unknown channel",
                 "row 8, column partner_authority: Differs from row 7",
                 "file, column partner_authority: Unknown partner authority, named in row 9",
                 "row 10, column fast_track: Must be yes or no", "row 11, column ethnicity: Give one ethnicity"):
        assert line in result.stdout
    assert "8 problem(s); nothing from the file was stored." in result.stdout
    assert count(db_session, Household) == 0


def test_each_kind_of_bad_milestone_row_is_reported_and_nothing_is_stored(app_context, db_session, authorities):
    assert run_import("households", households_file("R1", "R2", "R4")).ok
    db_session.commit()  # the households stay; the milestones file is what gets rolled back
    before = count(db_session, StageEvent)
    rows = [
        ["R1", "adoption", "information_event", "2025-01-20", ""],
        ["R1", "adoption", "information_event", "2025-02-01", ""],  # the same stage again: stages never go back
        ["R2", "adoption", "initial_visit", "2025-03-01", ""],
        ["R2", "adoption", "registration_of_interest", "2025-02-01", ""],  # backwards
        ["R3", "adoption", "initial_visit", "2025-02-01", ""],  # no such household
        ["R1", "fostering_mainstream", "initial_visit", "2025-02-01", ""],  # no such application
        ["R4", "adoption", "withdrawn", "2025-02-01", "nobody in particular"],
        ["R4", "adoption", "florp", "2025-02-01", ""],
        ["R4", "adoption", "on_hold", "2999-01-01", "Moving house"],
    ]
    report = run_import("milestones", csv_bytes([MILESTONE_HEADER, *rows]))
    assert where(report) == {(3, "event"), (5, "date"), (6, "household_ref"), (7, "service_line"), (8, "detail"),
                             (9, "event"), (10, "date")}
    messages = {p.row: p.message for p in report.errors}
    assert messages[3] == "From Information event the application can move only to Initial visit"
    assert messages[5].startswith("The date must be on or after 1 March 2025")
    db_session.rollback()
    assert count(db_session, StageEvent) == before


def test_a_missing_required_column_is_an_error_for_the_file(app_context, authorities):
    header = [c for c in HOUSEHOLD_HEADER if c != "fast_track"]
    report = run_import("households", csv_bytes([header, household_row()[:-1]]))
    assert [(p.row, p.column) for p in report.errors] == [(None, "fast_track")]
    assert report.rows_read == 0


def test_unknown_columns_are_reported_not_dropped_silently(runner, db_session, authorities, tmp_path):
    (tmp_path / "extra.csv").write_bytes(csv_bytes([[*HOUSEHOLD_HEADER, "Notes", ""],
                                                    [*household_row(), "likes dogs", "stray"]]))
    result = runner.invoke(args=["import", "households", str(tmp_path / "extra.csv")])
    assert result.exit_code == 0, result.output
    assert "Warning: notes: Unknown column" in result.stdout
    assert "Warning: (no name, column L): Unknown column" in result.stdout
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import_applied"))
    assert audit.detail["unknown_columns"] == ["notes", "(no name, column L)"]


def test_households_rows_must_agree_and_name_each_service_line_once(app_context, authorities):
    rows = [household_row("R1"), household_row("R1"), household_row("R1", line="fostering_mainstream", status="Married")]
    report = run_import("households", csv_bytes([HOUSEHOLD_HEADER, *rows]))
    assert where(report) == {(3, "service_line"), (4, "relationship_status")}
    assert report.errors[0].message == "Row 2 already has this household and service line"


def test_withdrawn_and_on_hold_without_a_reason_get_an_explicit_one(app_context, db_session, authorities):
    assert run_import("households", households_file("R1", "R2")).ok
    rows = [["R1", "adoption", "withdrawn", "2025-02-01", "Applicant"], ["R2", "adoption", "on_hold", "2025-02-01", ""],
            ["R2", "adoption", "resumed", "2025-03-01", ""], ["R2", "adoption", "withdrawn", "2025-03-02", "service: Moved away"]]
    assert run_import("milestones", csv_bytes([MILESTONE_HEADER, *rows])).ok
    events = db_session.scalars(select(StageEvent).join(StageEvent.application).order_by(StageEvent.id)).all()
    withdrawn = [(e.party.value, e.reason) for e in events if e.kind.value == "withdrawn"]
    assert withdrawn == [("applicant", NO_REASON), ("service", "Moved away")]
    assert [e.reason for e in events if e.kind.value == "on_hold"] == [NO_REASON]


def test_a_longer_file_appends_and_a_contradicting_one_is_refused(app_context, db_session, authorities):
    assert run_import("households", households_file("R1")).ok
    first = [["R1", "adoption", "information_event", "2025-01-20", ""], ["R1", "adoption", "initial_visit", "2025-02-03", ""]]
    assert run_import("milestones", csv_bytes([MILESTONE_HEADER, *first])).counts()["events"]["created"] == 2
    longer = run_import("milestones", csv_bytes([MILESTONE_HEADER, *first,
                                                 ["R1", "adoption", "registration_of_interest", "2025-03-03", ""]]))
    assert longer.counts()["events"] == {"created": 1, "updated": 0, "unchanged": 2}
    contradicting = run_import("milestones", csv_bytes([MILESTONE_HEADER, first[0],
                                                        ["R1", "adoption", "initial_visit", "2025-02-04", ""]]))
    assert [(p.row, p.column) for p in contradicting.errors] == [(3, "event")]
    assert "which has initial_visit on 2025-02-03 here" in contradicting.errors[0].message


def test_repeat_contacts_are_matched_by_date_and_checked(app_context, db_session, authorities):
    assert run_import("households", households_file("R1")).ok
    rows = [["R1", "", "enquiry", "2025-02-01", "web: asked again"], ["R1", "", "enquiry", "2024-12-01", ""]]
    report = run_import("milestones", csv_bytes([MILESTONE_HEADER, *rows]))
    assert [(p.row, p.column, p.message) for p in report.errors] == [
        (3, "date", "Is before the household's first enquiry (2025-01-06)")]
    # A refused file writes nothing (it used to leave its rows in the session for the caller to roll back).
    assert run_import("milestones", csv_bytes([MILESTONE_HEADER, rows[0]])).counts()["contacts"]["created"] == 1
    again = run_import("milestones", csv_bytes([MILESTONE_HEADER, rows[0], rows[0]]))
    assert again.counts()["contacts"] == {"created": 1, "updated": 0, "unchanged": 1}


def test_a_dry_run_stores_nothing_and_says_so(runner, db_session, authorities, tmp_path):
    (tmp_path / "h.csv").write_bytes(households_file("R1", "R2"))
    result = runner.invoke(args=["import", "households", str(tmp_path / "h.csv"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "households: 2 created" in result.stdout and "Dry run: nothing was stored." in result.stdout
    assert count(db_session, Household) == 0
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import_checked"))
    assert audit.detail["counts"]["households"]["created"] == 2 and audit.actor_label == "command line"


def test_fast_track_changes_only_where_the_history_allows_and_opening_dates_stay(app_context, db_session, authorities):
    assert run_import("households", households_file("R1", "R2")).ok
    rows = [["R1", "adoption", "initial_visit", "2025-02-03", ""], ["R2", "adoption", "initial_visit", "2025-02-03", ""],
            ["R2", "adoption", "registration_of_interest", "2025-02-10", ""]]
    assert run_import("milestones", csv_bytes([MILESTONE_HEADER, *rows])).ok
    to_fast = run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row("R2", fast_track="yes")]))
    assert to_fast.counts()["applications"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert run_import("milestones", csv_bytes([MILESTONE_HEADER, rows[1], rows[2],
                                               ["R2", "adoption", "stage_2", "2025-03-03", ""]])).ok
    back = run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row("R2", fast_track="no"),
                                               household_row("R1", first="2025-01-07")]))
    assert [(p.row, p.column) for p in back.row_errors] == [(2, "fast_track"), (3, "first_enquiry_date")]
    assert back.row_errors[1].message.startswith("Hearth has this application opened on 6 January 2025")
