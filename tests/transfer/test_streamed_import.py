"""A file's rows are held on disk, not in memory, and households are grouped by reference there, a batch at a time."""
from __future__ import annotations

import io

from sqlalchemy import select

from crm.households.models import Application, Household
from crm.transfer import formats, households
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row, run_import


def test_a_table_is_read_again_in_file_order_or_grouped_by_its_key():
    data = csv_bytes([HOUSEHOLD_HEADER[:2], ["B", "adoption"], ["A", "adoption"], ["", ""], ["B", "fostering"]])
    table = formats.read_table("tracker.csv", io.BytesIO(data), key="household_ref")
    try:
        assert len(table.rows) == 3
        assert [number for number, _ in table.rows] == [2, 3, 5] == [number for number, _ in table.rows]
        assert [[(n, v["service_line"]) for n, v in group] for group in table.rows.grouped()] == [
            [(3, "adoption")], [(2, "adoption"), (5, "fostering")]]
    finally:
        table.close()


def test_a_households_rows_apart_in_the_file_make_one_household_across_batches(app_context, db_session, authorities,
                                                                             monkeypatch):
    monkeypatch.setattr(households, "FLUSH_EVERY", 2)
    assert run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row("R3")])).ok  # stored before
    rows = [household_row("R1"), household_row("R2"), household_row("R3", line="fostering_mainstream"),
            household_row("R4"), household_row("R1", line="fostering_mainstream", first="2025-02-03")]
    report = run_import("households", csv_bytes([HOUSEHOLD_HEADER, *rows]))
    assert report.ok, report.lines()
    assert report.counts()["households"] == {"created": 3, "updated": 0, "unchanged": 1}
    assert count(db_session, Household) == 4
    lines = db_session.execute(select(Household.reference, Application.service_line_code).join(Application.household)
                               .order_by(Household.reference, Application.service_line_code)).all()
    assert lines == [("R1", "adoption"), ("R1", "fostering_mainstream"), ("R2", "adoption"), ("R3", "adoption"),
                     ("R3", "fostering_mainstream"), ("R4", "adoption")]


def test_a_bad_row_in_a_later_batch_leaves_nothing_from_earlier_ones(app_context, db_session, authorities,
                                                                    monkeypatch):
    monkeypatch.setattr(households, "FLUSH_EVERY", 1)
    rows = [household_row("R1"), household_row("R2"), household_row("R3", authority="Nowhere Council"),
            household_row("R4"), household_row("R2", line="fostering_mainstream", channel="carrier pigeon")]
    report = run_import("households", csv_bytes([HOUSEHOLD_HEADER, *rows]))
    assert {(p.row, p.column) for p in report.errors} == {(None, "partner_authority"), (6, "channel")}
    db_session.rollback()  # as the caller of a refused file does
    assert count(db_session, Household) == 0
