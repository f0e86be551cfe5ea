"""Report exports: CSV, XLSX and JSON of a Report, formula starts neutralised, numbers and dates kept as such."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.reports.base import Report, ReportParams, Split
from crm.reports.families import activity
from crm.reports.render import exports
from tests.factories import UserFactory
from tests.reports.test_activity import History, utc

HYPERLINK = '=HYPERLINK("http://evil.example/","Click me")'


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def made_up_report() -> Report:
    """A report whose one table has the awkward cells: formula starts in text, negative numbers, blanks, dates."""
    table = pd.DataFrame({
        "name": ["=1+1", "+44 7700", "-minus", "@sum", "plain"],
        "value": [-3, 4, 0, -1, 7],
        "share": [-2.5, 0.25, np.nan, 1.0, 0.5],
        "on": pd.to_datetime(["2025-04-01", "2025-12-31", None, "2026-03-31", "2025-06-15"]),
    })
    params = ReportParams(date(2025, 4, 1), date(2026, 3, 31))
    return Report("made-up", params, {"value": -3}, {"cells": table, "second/table:with*odd?name": table.head(1)})


def test_csv_neutralises_text_but_keeps_numbers_and_dates():
    rows = csv_rows(exports.render(made_up_report(), "csv"))
    # one header: which table each row comes from, the labels (text, dates), then the figures
    assert rows[0] == ["table", "name", "on", "value", "share"]
    assert rows[1:6] == [
        ["cells", "'=1+1", "2025-04-01", "-3", "-2.5"],  # a negative number is a number, not a formula
        ["cells", "'+44 7700", "2025-12-31", "4", "0.25"],
        ["cells", "'-minus", "", "0", ""],  # NaN and NaT are blank
        ["cells", "'@sum", "2026-03-31", "-1", "1.0"],
        ["cells", "plain", "2025-06-15", "7", "0.5"],
    ]
    assert rows[6] == ["second/table:with*odd?name", "'=1+1", "2025-04-01", "-3", "-2.5"]


def test_csv_of_tables_with_different_columns_leaves_the_missing_ones_blank():
    params = made_up_report().params
    report = Report("two", params, {}, {"all": pd.DataFrame({"category": ["Stage 1"], "applications": [13]}),
                                        "stage_1": pd.DataFrame({"time": ["<2 months"], "applications": [10]})})
    assert csv_rows(exports.render(report, "csv")) == [
        ["table", "category", "time", "applications"],
        ["all", "Stage 1", "", "13"], ["stage_1", "", "<2 months", "10"]]  # ints stay ints beside blanks


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers_and_dates_as_dates():
    book = workbook(exports.render(made_up_report(), "xlsx"))
    assert book.sheetnames == ["cells", "second table with odd name"]  # Excel forbids / : * ? in sheet names
    sheet = book["cells"]
    assert [c.value for c in sheet[1]] == ["name", "value", "share", "on"]
    first = sheet[2]
    assert first[0].value == "'=1+1" and first[0].data_type == "s"
    assert first[1].value == -3 and first[1].data_type == "n"
    assert first[2].value == -2.5 and first[2].data_type == "n"
    assert first[3].is_date and first[3].value == datetime(2025, 4, 1)
    assert [c.value for c in sheet[4]] == ["'-minus", 0, None, None]


def test_a_table_s_named_index_is_written_as_its_first_column():
    by_stage = pd.DataFrame({"count": [3, 1]}, index=pd.Index(["Stage 1", "Stage 2"], name="measure"))
    report = Report("indexed", made_up_report().params, {}, {"timeliness": by_stage})
    assert csv_rows(exports.render(report, "csv")) == [["table", "measure", "count"], ["timeliness", "Stage 1", "3"],
                                                       ["timeliness", "Stage 2", "1"]]
    sheet = workbook(exports.render(report, "xlsx"))["timeliness"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["measure", "count"], ["Stage 1", 3],
                                                                     ["Stage 2", 1]]


def test_json_is_the_report_s_stable_shape():
    body = json.loads(exports.render(made_up_report(), "json"))
    assert body == {"report": "made-up", "from": "2025-04-01", "to": "2026-03-31", "figures": {"value": -3}}


def test_a_partner_authority_named_like_a_formula_is_neutralised_as_a_split_key(app_context, db_session):
    history = History(db_session, {"evil": HYPERLINK})
    history.enquire("Mallory", ["adoption"], utc(2025, 6, 2, 10), authority="evil")
    history.enquire("Adams", ["adoption"], utc(2025, 6, 3, 10), authority="leeds")
    report = activity.compute(ReportParams(date(2025, 4, 1), date(2026, 3, 31), by=Split.PARTNER_AUTHORITY))
    assert list(report.splits) == [HYPERLINK, "Leeds City Council"]  # the figures keep the name as it is

    header = csv_rows(exports.render(report, "csv"))[0]
    assert header == ["table", "measure", "label", "total", "'" + HYPERLINK, "Leeds City Council"]

    sheet = workbook(exports.render(report, "xlsx"))["activity"]
    assert [c.value for c in sheet[1]] == ["measure", "label", "total", "'" + HYPERLINK, "Leeds City Council"]
    contacts = [c.value for c in sheet[2]]
    assert contacts == ["enquiry_contacts", "Enquiries (contacts)", 2, 1, 1]  # Mallory and Adams: numbers
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in sheet.iter_rows() for c in row)

    assert json.loads(exports.render(report, "json"))["splits"][HYPERLINK]["enquiry_contacts"] == 1


def test_an_export_is_audited_with_the_report_s_name_parameters_and_format(app_context, db_session):
    manager = UserFactory(roles=[Role.MANAGER])
    report = activity.compute(ReportParams(date(2025, 4, 1), date(2026, 3, 31), by=Split.MONTH))
    data = exports.export(report, "json", actor=manager)
    assert json.loads(data)["by"] == "month"
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported"))
    assert audit.actor_id == manager.id and audit.object_id == "activity"
    assert audit.detail == {"name": "activity", "format": "json",
                            "params": {"from": "2025-04-01", "to": "2026-03-31", "at": None, "by": "month"}}


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="Unknown format 'ods'"):
        exports.render(made_up_report(), "ods")


def test_the_file_name_says_which_report_and_period():
    assert exports.filename(made_up_report(), "xlsx") == "hearth-made-up-2025-04-01-to-2026-03-31.xlsx"
