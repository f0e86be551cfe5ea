"""The activity figures the database counts (crm.reports.families.activity_counts) are the numbers of their lines,
counted the old way in pandas: every cell of every table against the drill-down's lines behind it, on histories the
benchmark's generator writes, for every split the report offers and periods that start and end on the days the
clocks change."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from bench.generate import generate
from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.extensions import db
from crm.funnel import services
from crm.reports.base import ReportParams, Split
from crm.reports.data.split_keys import BY_ROW, NOT_RECORDED
from crm.reports.families import activity
from tests.factories import HouseholdFactory, UserFactory

TODAY = date(2026, 6, 30)
PERIODS = {
    "financial-year": (date(2025, 4, 1), date(2026, 3, 31)),
    # from the day the clocks went back to the day they went forward: contacts at 23:xx UTC move day, and month
    "clock-changes": (date(2019, 10, 27), date(2020, 3, 29)),
    "ten-years": (date(2016, 4, 1), TODAY),
    "one-day": (date(2025, 3, 30), date(2025, 3, 30)),
}


@pytest.fixture
def generated(app_context):
    """The generator's histories, and one household of no team, authority or channel whose contacts come near
    midnight on the days the clocks change and before its only application opens."""
    counts = generate(db.session, households=250, seed=17, today=TODAY, progress=False)
    late = HouseholdFactory(first_enquiry_on=date(2019, 10, 27))
    for received in (utc(2019, 10, 26, 23, 30),  # 00:30 on 27 October in London (summer time): in the period
                     utc(2020, 3, 29, 0, 30),  # 00:30 on 29 March, before the clocks go forward: in it
                     utc(2020, 3, 29, 23, 30),  # 00:30 on 30 March in London: after it
                     utc(2025, 3, 30, 0, 30), utc(2025, 3, 30, 1, 30),  # 00:30 GMT and 02:30 BST: that one day
                     utc(2025, 8, 31, 23, 30)):  # 1 September in London, the day the application opens
        db.session.add(EnquiryContact(household=late, received_at=received, method=ContactMethod.WEB))
    services.open_application(late, "adoption", date(2025, 9, 1), actor=UserFactory(roles=[Role.MANAGER]),
                              today=TODAY)
    db.session.flush()
    return counts


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_every_count_is_the_number_of_its_lines_for_every_split(generated, period):
    for by in (None, *activity.SPLITS):
        params = ReportParams(*period, by=by)
        report = activity.compute(params)
        lines = activity.drill_lines(params)
        assert counted(report) == line_counts(report, lines), by
        assert set(lines["split"].astype(str)) <= set(report.splits) | {activity.TOTAL}, by  # no value left out
        if by in BY_ROW:
            assert list(report.splits) == sorted(report.splits), by


def test_the_histories_reach_every_kind_of_split_value(generated):
    """So the comparison above is not of zeros: contacts before any application, missing teams and channels, more
    than one line, contacts late in a summer evening (the next day in London)."""
    year = PERIODS["ten-years"]
    figures = activity.compute(ReportParams(*year)).figures
    assert figures["enquiry_contacts"] > figures["enquiry_households"] > 0 and figures["approvals"]["total"] > 0
    assert figures["withdrawals"]["by_reason"] and figures["approvals"]["fast_track"] > 0
    for by in BY_ROW:
        splits = activity.compute(ReportParams(*year, by=by)).splits
        assert len(splits) >= 2, by
    by_line = activity.compute(ReportParams(*year, by=Split.SERVICE_LINE)).splits
    assert by_line[NOT_RECORDED]["enquiry_contacts"] == 5  # the late household's, before its application opened
    assert activity.compute(ReportParams(date(2025, 9, 1), date(2025, 9, 1), by=Split.SERVICE_LINE)).splits == {
        "adoption": activity.counted(ReportParams(date(2025, 9, 1), date(2025, 9, 1)))[0]}  # its last contact


def counted(report) -> dict[tuple[str, int, str], int]:
    """Every count of the report's tables that links to lines."""
    return {(table, position, column): int(report.tables[table].iloc[position][column])
            for table, position, column in activity.drill(report)}


def line_counts(report, lines: pd.DataFrame) -> dict[tuple[str, int, str], int]:
    """How many lines each count's selector picks, compared as text as crm.reports.drill.pick compares them."""
    tallies: dict[tuple[str, ...], pd.Series] = {}
    made = {}
    for cell, wanted in activity.drill(report).items():
        columns = tuple(sorted(wanted))
        if columns not in tallies:
            tallies[columns] = lines[list(columns)].astype(str).value_counts()
        made[cell] = int(tallies[columns].get(tuple(wanted[column] for column in columns), 0))
    return made
