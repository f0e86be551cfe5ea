"""Report parameters: read from a query string or `crm report`'s options by one rule, written back to the same."""
from __future__ import annotations

import json
from datetime import date

import pytest

from crm import clock
from crm.auth.roles import Role
from crm.clock import financial_year
from crm.reports.base import BadArgument, OutOfRange, ReportParams, Split
from crm.reports.marketing.report import MarketingParams
from tests.factories import UserFactory

TODAY = date(2026, 11, 20)


def test_without_arguments_the_financial_year_of_today_snapshotted_today():
    assert ReportParams.from_args({}, TODAY) == ReportParams(date(2026, 4, 1), date(2027, 3, 31), at=TODAY)


@pytest.mark.parametrize("args, period", [
    ({"date_from": "2025-06-01"}, (date(2025, 6, 1), date(2026, 3, 31))),
    ({"date_to": "2025-06-30"}, (date(2025, 4, 1), date(2025, 6, 30))),
    ({"date_from": "2027-01-01"}, (date(2027, 1, 1), date(2027, 3, 31))),  # after today: its own year still
])
def test_one_end_of_the_period_takes_the_other_from_its_financial_year(args, period):
    params = ReportParams.from_args(args, TODAY)
    assert (params.date_from, params.date_to) == period


def test_the_snapshot_date_is_today_or_the_end_of_a_period_that_has_ended():
    assert ReportParams.from_args({"date_to": "2026-03-31"}, TODAY).at == date(2026, 3, 31)
    assert ReportParams.from_args({"date_to": "2027-03-31"}, TODAY).at == TODAY
    assert ReportParams.from_args({"at": "2026-06-30"}, TODAY).at == date(2026, 6, 30)
    assert ReportParams(date(2025, 4, 1), date(2026, 3, 31)).snapshot_date(TODAY) == date(2026, 3, 31)
    assert ReportParams(date(2026, 4, 1), date(2027, 3, 31)).snapshot_date(TODAY) == TODAY


def test_written_back_as_arguments_and_as_json_they_read_the_same():
    params = ReportParams(date(2025, 4, 1), date(2026, 3, 31), at=date(2025, 9, 30), by=Split.TEAM)
    assert params.to_args() == {"date_from": "2025-04-01", "date_to": "2026-03-31", "at": "2025-09-30", "by": "team"}
    assert ReportParams.from_args(params.to_args(), TODAY) == params
    assert params.as_json() == {"from": "2025-04-01", "to": "2026-03-31", "at": "2025-09-30", "by": "team"}
    assert ReportParams.from_json(params.as_json()) == params
    assert "by" not in ReportParams(date(2025, 4, 1), date(2026, 3, 31)).to_args()


@pytest.mark.parametrize("args, name, error", [
    ({"date_from": "2025-13-01"}, "date_from", BadArgument),
    ({"date_to": "1/4/2025"}, "date_to", BadArgument),
    ({"at": "2025-4-1"}, "at", BadArgument),
    ({"date_from": "0001-01-01"}, "date_from", OutOfRange),
    ({"by": "week"}, "by", BadArgument),
    ({"date_from": "2025-05-01", "date_to": "2025-04-30"}, "date_to", BadArgument),
])
def test_an_argument_that_cannot_be_read_is_named(args, name, error):
    with pytest.raises(error) as raised:
        ReportParams.from_args(args, TODAY)
    assert raised.value.name == name


def test_the_marketing_filter_reads_the_period_alike_with_its_model_and_outcome():
    params = MarketingParams.from_args({"date_to": "2025-06-30", "at": "2025-05-01", "outcome": "roi"}, TODAY)
    assert params == MarketingParams(date(2025, 4, 1), date(2025, 6, 30), model="last_touch", outcome="roi")
    assert params.to_args() == {"date_from": "2025-04-01", "date_to": "2025-06-30", "model": "last_touch",
                                "outcome": "roi"}


@pytest.mark.parametrize("period", [[], ["2024-04-01", "2025-03-31"]], ids=["this year", "a past year"])
def test_the_command_line_and_the_page_snapshot_the_same_day_by_default(period, app, client, auth, db_session):
    options = ["--from", period[0], "--to", period[1]] if period else []
    query = f"?date_from={period[0]}&date_to={period[1]}" if period else ""
    result = app.test_cli_runner().invoke(args=["report", "snapshot", *options, "--format", "json"])
    assert result.exit_code == 0, result.output
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = json.loads(client.get(f"/reports/snapshot/export.json{query}").get_data())
    command_line = json.loads(result.stdout)
    expected = date(2025, 3, 31) if period else clock.today()  # today is before the end of its financial year
    assert (command_line["from"], command_line["to"]) == (page["from"], page["to"])
    assert command_line["at"] == page["at"] == expected.isoformat()
    assert page["to"] == (period[1] if period else financial_year(clock.today())[1].isoformat())
