"""Reading files: CSV with or without BOM, XLSX with real date cells, formula quotes, and files that cannot be read."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from crm.enquiries.models import EnquiryContact
from crm.households.models import Household
from crm.transfer import formats
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row, run_import, xlsx_bytes


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_looking_text_is_quoted_on_export_and_unquoted_on_import(fmt):
    texts = ["=SUM(A1:A2)", "+44 7700 900123", "-10", "@here", "'quoted already", "plain"]
    data = formats.render(fmt, "test", ["value"], [[text] for text in texts])
    table = formats.read_table(f"x.{fmt}", io.BytesIO(data))
    assert [values["value"] for _, values in table.rows] == texts
    if fmt == "csv":
        assert data.decode().splitlines()[1:5] == ["'=SUM(A1:A2)", "'+44 7700 900123", "'-10", "'@here"]


def test_dates_in_either_layout_and_excel_date_cells_are_read(app_context, db_session, authorities):
    header = ["Household Ref", *HOUSEHOLD_HEADER[1:]]  # column names are matched loosely
    rows = [header, household_row("R1", first=datetime(2025, 1, 6, 0, 0)), household_row("R2", first=date(2025, 2, 7)),
            household_row("R3", first="08/03/2025"), household_row("R4", first="2025-04-09")]
    assert run_import("households", xlsx_bytes(rows), "tracker.xlsx").ok
    assert run_import("households", csv_bytes([header, household_row("R5", first="1/5/2025")], bom=True)).ok
    stored = dict(db_session.execute(select(Household.reference, Household.first_enquiry_on)).all())
    assert stored == {"R1": date(2025, 1, 6), "R2": date(2025, 2, 7), "R3": date(2025, 3, 8), "R4": date(2025, 4, 9),
                      "R5": date(2025, 5, 1)}


def test_optional_columns_fill_in_people_and_contact_details(app_context, db_session, authorities):
    header = [*HOUSEHOLD_HEADER, "applicant_1_first_name", "applicant_1_last_name", "email", "postcode",
              "contact_method", "first_response_date"]
    row = [*household_row("R1", count="2", ethnicity="Indian"), "Sam", "Lee", "Sam@Example.org", "ls1 4ab", "Walk in", ""]
    assert run_import("households", csv_bytes([header, row])).ok
    household = db_session.scalar(select(Household).where(Household.reference == "R1"))
    assert [(p.first_name, p.last_name, p.ethnicity) for p in household.people] == [
        ("Sam", "Lee", "Indian"), ("Applicant 2", "R1", "Indian")]
    assert (household.email, household.postcode) == ("sam@example.org", "LS14AB")
    contact = db_session.scalar(select(EnquiryContact).where(EnquiryContact.household_id == household.id))
    assert (contact.method.value, contact.first_responded_at) == ("walk_in", None)


def test_without_a_first_response_column_imported_enquiries_count_as_answered(app_context, db_session, authorities):
    assert run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row("R1")])).ok
    contact = db_session.scalar(select(EnquiryContact))
    assert contact.first_responded_at == contact.received_at and contact.first_responded_by_id is None


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("tracker.pdf", b"%PDF-1.4", "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
    ("tracker.csv", b"", "The file is empty, or its first row does not hold the column names"),
    ("tracker.csv", b"\n\n,,\n", "The file is empty, or its first row does not hold the column names"),
    ("tracker.csv", b"\x00\x01\x02garbage", "The file holds binary data, not CSV text"),
    ("tracker.csv", "household_ref\nBj\xf6rk\n".encode("latin-1"), 'The file is not UTF-8 text: save it from your '
                                                                    'spreadsheet as "CSV UTF-8"'),
    ("tracker.xlsx", b"PK\x03\x04 not really a zip", "The file is not an Excel workbook (.xlsx)"),
    ("tracker.xlsx", csv_bytes([HOUSEHOLD_HEADER]), "The file is not an Excel workbook (.xlsx)"),
    ("tracker.csv", b"household_ref,household_ref\nR1,R1\n", "These columns appear more than once: household_ref"),
])
def test_files_that_cannot_be_read_get_one_clear_message(app_context, filename, content, message):
    report = run_import("households", content, filename)
    assert [(p.row, p.message) for p in report.errors] == [(None, message)]


def test_huge_cells_are_refused_with_a_short_value_in_the_report(app_context, authorities):
    huge = run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row(campaign="x" * 200_000)]))
    assert huge.errors[0].message.startswith("The CSV file could not be read: field larger than field limit")
    long = run_import("households", csv_bytes([HOUSEHOLD_HEADER, household_row(campaign="x" * 5000)]))
    problem = long.errors[0]
    assert (problem.row, problem.column, problem.message) == (2, "campaign", "Must be 200 characters or fewer (this has 5000)")
    assert problem.value == "x" * 80 + "…"
