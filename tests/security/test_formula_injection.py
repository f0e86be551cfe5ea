"""Finding 1: a control character in front of a formula must not carry it past the neutralising quote.

An anonymous visitor typed `\\x01=HYPERLINK(...)` as a last name; the export neutralised first (no `=` at the
start), then XLSX dropped the control character, and a manager's download held a live formula. A cell starting
with a tab went to CSV unquoted. Every export now strips first, then neutralises (`spreadsheet_text`)."""
from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from crm.auth.roles import Role
from crm.reports.base import Report, ReportParams
from crm.reports.render import exports
from crm.transfer import formats
from tests.factories import UserFactory
from tests.public.test_public_form import answers

HYPERLINK = '\x01=HYPERLINK("http://evil.example/","Click me")'
HOSTILE = [HYPERLINK, "\x01=1+2", "\tcmd|' /C calc'!A0", "\r=1+1", "\x00@SUM(1)", "\x1f+1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_texts(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]


def csv_texts(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def live_formulas(texts: list[str]) -> list[str]:
    return [text for text in texts if text.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_tracker_exports_strip_control_characters_before_neutralising(fmt):
    data = formats.render(fmt, "test", ["value"], [[text] for text in HOSTILE])
    texts = xlsx_texts(data) if fmt == "xlsx" else csv_texts(data)
    assert live_formulas(texts) == []
    assert "'=HYPERLINK(\"http://evil.example/\",\"Click me\")" in texts and "'\tcmd|' /C calc'!A0" in texts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_report_exports_strip_control_characters_before_neutralising(fmt):
    table = pd.DataFrame({"campaign": HOSTILE, "enquiries": range(len(HOSTILE))})
    report = Report("made-up", ReportParams(date(2025, 4, 1), date(2026, 3, 31)), {}, {"campaigns": table})
    data = exports.render(report, fmt)
    texts = xlsx_texts(data) if fmt == "xlsx" else csv_texts(data)
    assert live_formulas(texts) == []
    assert "'=1+2" in texts


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_a_hostile_name_from_the_public_form_reaches_the_managers_download_as_text(client, auth, db_session, fmt):
    page = client.get("/enquire").get_data(as_text=True)
    response = client.post("/enquire", data=answers(page, last_name=HYPERLINK))
    assert response.status_code == 302
    auth.login(UserFactory(roles=[Role.MANAGER]))
    download = client.get(f"/exports/households.{fmt}")
    assert download.status_code == 200
    texts = xlsx_texts(download.data) if fmt == "xlsx" else csv_texts(download.data)
    assert live_formulas(texts) == []
