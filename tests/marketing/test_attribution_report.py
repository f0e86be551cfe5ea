"""`crm report attribution`: the dashboard's figures on the command line, its --model and --outcome (for it alone),
its defaults, its errors and its audit entry; and it stays off the managers' /reports pages."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.reports import registry
from crm.reports.marketing import report as marketing
from tests.factories import UserFactory
from tests.marketing.test_marketing_figures import Story

YEAR = ["--from", "2025-04-01", "--to", "2026-03-31"]


@pytest.fixture
def story(app_context, db_session):
    return Story(db_session).build()


@pytest.fixture
def crm(runner):
    def run(*args):
        return runner.invoke(args=["report", "attribution", *args])
    return run


def test_json_gives_the_same_figures_as_the_dashboard(story, crm):
    result = crm(*YEAR, "--model", "linear", "--outcome", "roi", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    expected = marketing.compute(marketing.MarketingParams(date(2025, 4, 1), date(2026, 3, 31), model="linear",
                                                           outcome="roi"))
    assert body == json.loads(json.dumps(expected.as_json(), default=str))
    assert (body["report"], body["figures"]["model"], body["figures"]["outcome"]) == ("attribution", "linear", "roi")
    outdoor = next(row for row in body["figures"]["channels"] if row["channel"] == "outdoor")
    assert (outdoor["rois"], outdoor["cost_per_roi"]) == (3.5, 1685.71)


def test_the_defaults_are_last_touch_and_approvals_as_csv(story, crm):
    body = json.loads(crm(*YEAR, "--format", "json").stdout)
    assert (body["figures"]["model"], body["figures"]["outcome"]) == ("last_touch", "approval")
    rows = list(csv.reader(io.StringIO(crm(*YEAR).stdout)))
    assert rows[0][:2] == ["table", "channel"]
    bus = next(r for r in rows if r[0] == "campaign_cost_by_model" and "Bus shelters, winter" in r)
    assert [bus[rows[0].index(model)] for model in ("first_touch", "last_touch", "markov")] == [
        "983.33", "<5", "1311.11"]


def test_xlsx_to_a_file_has_a_sheet_per_table(story, crm, tmp_path):
    target = tmp_path / "attribution.xlsx"
    result = crm(*YEAR, "--format", "xlsx", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote the attribution report for 2025-04-01 to 2026-03-31 (xlsx) to {target}.\n"
    book = load_workbook(target)
    assert book.sheetnames == ["channels", "channel_credits_by_model", "campaigns", "campaign_credits_by_model",
                               "campaign_cost_by_model", "campaign_lift", "monthly_metrics"]


def test_the_export_is_audited_with_the_model_and_outcome(story, crm, db_session):
    assert crm(*YEAR, "--model", "time_decay", "--format", "json").exit_code == 0
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported"))
    assert audit.actor_label == "command line" and audit.detail == {
        "name": "attribution", "format": "json",
        "params": {"from": "2025-04-01", "to": "2026-03-31", "at": None, "by": None, "model": "time_decay",
                   "outcome": "approval"}}


@pytest.mark.parametrize("args, message", [
    (["--model", "magic"], "'magic' is not one of 'first_touch', 'last_touch', 'linear', 'time_decay'"),
    (["--outcome", "placement"], "'placement' is not one of 'roi', 'approval'"),
    (["--by", "month"], "The attribution report is not split"),
])
def test_bad_options_are_a_clear_usage_error(app, db_session, crm, args, message):
    result = crm(*YEAR, *args)
    assert result.exit_code == 2 and message in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["--model", "linear"], "--model only apply to the attribution report"),
    (["--model", "linear", "--outcome", "roi"], "--model and --outcome only apply to the attribution report"),
])
def test_model_and_outcome_are_refused_for_other_reports(runner, db_session, args, message):
    result = runner.invoke(args=["report", "activity", *YEAR, *args])
    assert result.exit_code == 2 and message in " ".join(result.output.split())
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported")) is None


def test_attribution_is_not_one_of_the_managers_report_pages(client, auth):
    assert "attribution" not in registry.NAMES and "attribution" in registry.COMMAND_LINE_NAMES
    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert client.get("/reports/attribution").status_code == 404
    assert "attribution" not in client.get("/reports/").get_data(as_text=True).lower()
