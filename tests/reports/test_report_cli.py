"""`crm report NAME` through the real command line: formats, splits, files, defaults, errors and the audit entry."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm import clock
from crm.audit.models import AuditEvent
from crm.reports import registry
from crm.clock import financial_year
from crm.reports.base import ReportModule, ReportParams, Split
from crm.reports.families import activity
from crm.reports.marketing import report as attribution
from tests.reports.names import REPORTS
from tests.reports.test_activity import YEAR_FIGURES, History

YEAR = ["--from", "2025-04-01", "--to", "2026-03-31"]


@pytest.fixture
def history(app_context, db_session):
    return History(db_session).build()


@pytest.fixture
def crm(runner):
    def run(*args):
        return runner.invoke(args=["report", *args])
    return run


def test_csv_xlsx_and_json_give_the_same_figures_as_compute(history, crm, tmp_path):
    report = activity.compute(ReportParams(date(2025, 4, 1), date(2026, 3, 31), by=Split.MONTH))
    expected = {name: table.astype({"total": int}).values.tolist() for name, table in report.tables.items()}
    months = list(report.splits)

    as_csv = crm("activity", *YEAR, "--by", "month", "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["table", "measure", "label", "total", *months]
    for name, table in expected.items():
        assert [[r[1], r[2], *map(int, r[3:])] for r in rows[1:] if r[0] == name] == table

    assert crm("activity", *YEAR, "--by", "month", "--format", "xlsx", "--output", str(tmp_path / "a.xlsx")).exit_code == 0
    book = load_workbook(tmp_path / "a.xlsx")
    assert book.sheetnames == list(expected)
    for name, table in expected.items():
        assert [[c.value for c in row] for row in book[name].iter_rows(min_row=2)] == table

    as_json = crm("activity", *YEAR, "--by", "month", "--format", "json")
    body = json.loads(as_json.stdout)
    assert body["figures"] == report.figures == YEAR_FIGURES and body["splits"] == report.splits
    assert (body["from"], body["to"], body["by"]) == ("2025-04-01", "2026-03-31", "month")


def test_the_default_period_is_the_current_financial_year_and_csv_the_default_format(history, crm):
    start, end = financial_year(clock.today())
    body = json.loads(crm("activity", "--format", "json").stdout)
    assert (body["from"], body["to"]) == (start.isoformat(), end.isoformat()) and "by" not in body
    assert crm("activity").stdout.startswith("table,measure,label,total\n")


def test_one_end_of_the_period_takes_the_other_from_its_financial_year(history, crm):
    body = json.loads(crm("activity", "--from", "2025-06-01", "--format", "json").stdout)
    assert (body["from"], body["to"]) == ("2025-06-01", "2026-03-31")
    body = json.loads(crm("activity", "--to", "2025-06-30", "--format", "json").stdout)
    assert (body["from"], body["to"]) == ("2025-04-01", "2025-06-30")
    assert body["figures"]["enquiry_contacts"] == 5  # A three times, C, E (April to June 2025)


def test_a_split_and_an_output_file(history, crm, tmp_path):
    target = tmp_path / "by-line.csv"
    result = crm("activity", *YEAR, "--by", "service_line", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == f"Wrote the activity report for 2025-04-01 to 2026-03-31 (csv) to {target}.\n"
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel opens the file as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["table", "measure", "label", "total", "adoption", "fostering_mainstream"]
    # 7 contacts in all; 7 about adoption and 1 (B's) about fostering too
    assert rows[1] == ["activity", "enquiry_contacts", "Enquiries (contacts)", "7", "7", "1"]


def test_each_export_is_audited(history, crm, db_session):
    assert crm("activity", *YEAR, "--by", "team", "--format", "json").exit_code == 0
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported"))
    assert audit.actor_label == "command line" and audit.object_type == "report"
    assert audit.detail == {"name": "activity", "format": "json",
                            "params": {"from": "2025-04-01", "to": "2026-03-31", "at": "2026-03-31", "by": "team"}}


@pytest.mark.parametrize("args, message", [
    (["activity", "--from", "2025-13-01"], "'2025-13-01' is not a real date written YYYY-MM-DD, for example 2025-04-01"),
    (["activity", "--to", "1/4/2025"], "'1/4/2025' is not a real date written YYYY-MM-DD"),
    (["activity", "--from", "2025-05-01", "--to", "2025-04-30"], "The end of the period must be on or after its start"),
    (["monthly"], "'monthly' is not one of 'activity', 'timeliness', 'snapshot'"),
    (["activity", "--by", "week"], "'week' is not one of 'month', 'quarter', 'service_line', 'partner_authority'"),
    (["activity", "--format", "ods"], "'ods' is not one of 'csv', 'xlsx', 'json'"),
    (["activity", "--format", "xlsx"], "An XLSX report needs --output FILE"),
])
def test_bad_input_is_a_clear_error_never_a_traceback(app, db_session, crm, args, message):
    result = crm(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())  # click wraps long messages
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_the_registry_holds_exactly_the_reports_and_each_provides_the_interface(app_context):
    assert registry.NAMES == REPORTS
    assert all(isinstance(registry.family(name), ReportModule) for name in REPORTS)
    assert all(set(registry.family(name).SPLITS) <= set(Split) for name in REPORTS)
    assert registry.family("activity") is activity
    with pytest.raises(registry.UnknownReport, match="There is no 'monthly' report"):
        registry.family("monthly")


def test_a_module_without_a_function_of_the_interface_is_refused():
    with pytest.raises(TypeError, match="lacks a function or setting of crm.reports.base.ReportModule"):
        registry._checked({"attribution": attribution})  # compute only: the dashboard draws its own charts
