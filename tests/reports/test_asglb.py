"""ASGLB return: golden figures worked out by hand on small histories (SPEC section 5).

The histories (`returns`), adoption unless said; the year is the financial year 2028-29, whose calendar quarters are
2028 Q2 (Apr-Jun), Q3 (Jul-Sep), Q4 (Oct-Dec) and 2029 Q1 (Jan-Mar). Registration is the start of Stage 1 (the
agency accepting the ROI, received a week before):

A1  registered 15 Jan 2028, approved 15 Jul 2028: exactly 6 months, within. Matched 15 Oct 2028: exactly 3 months,
    within.
A2  registered 15 Jan 2028, approved 16 Jul 2028: 6 months and a day, not within. Matched 17 Oct: 3 months + 2 days,
    not.
A3  registered 31 Aug 2028, approved 28 Feb 2029: 31 Aug + 6 months = 28 Feb 2029 (no 29th), within. Waiting.
A4  registered 31 Aug 2028, approved 1 Mar 2029: not within. Waiting.
A5  fast track: ROI 1 Jan 2028, straight to Stage 2, approved 1 May 2028 (never registered, and fast track: left out
    of the timeliness, counted in the approvals). Waiting.
EP  early permanence: registered 1 Feb 2028, approved 10 Nov 2028 (not within); placed 1 Mar 2029, after 10 Nov + 3
    months = 10 Feb: a match, not within 3 months.
B1  approved 1 Feb 2028, before the year; matched 10 Apr 2028 (within 3 months): a match of Q2.
L1  approved 1 Mar 2028, before the year; left 20 Aug 2028, "Relationship change".
L2  registered 1 Oct 2027, approved 1 Jun 2028 (8 months: not within); left 5 Dec 2028, "Health".
W   withdrawn in Stage 1 on 1 Aug 2028: never approved, so not an adopter who left after approval.
F   mainstream fostering, approved 1 May 2028: not in the return.

Approved and waiting at each quarter's end: 30 Jun 2028: A5, L1, L2 (3); 30 Sep: A1, A2, A5, L2 (4);
31 Dec: A5, EP (2); 31 Mar 2029: A3, A4, A5 (3).
"""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pandas as pd
import pytest

from crm.auth.roles import Role
from crm.funnel import machine
from crm.funnel.models import StageEvent
from crm.funnel.stages import EventKind, Stage, WithdrawingParty
from crm.reports.base import ReportParams, Split
from crm.reports.families import asglb
from tests.factories import UserFactory
from tests.reports.histories import approval, journey, lead_in, to_stage_1

YEAR = ReportParams(date(2028, 4, 1), date(2029, 3, 31))
Q2, Q3, Q4, Q1 = "2028 Q2 (Apr-Jun)", "2028 Q3 (Jul-Sep)", "2028 Q4 (Oct-Dec)", "2029 Q1 (Jan-Mar)"


@pytest.fixture
def officer(db_session):
    return UserFactory(roles=[Role.MANAGER])


def adopter(officer, registered: date, approved_on: date, *more, line: str = "adoption", roi: date | None = None):
    """ROI (a week before unless given), Stage 1 from `registered`, completed 2 months on, Stage 2 a week after
    that, panel and approval."""
    completed = registered + timedelta(days=60)
    return journey(officer, *to_stage_1(registered, roi), (Stage.STAGE_1_COMPLETED, completed),
                   (Stage.STAGE_2, completed + timedelta(days=7)), *approval(approved_on), *more, line=line)


def leave_after_approval(session, application, on: date, reason: str) -> None:
    """The state machine does not yet let an approved application be withdrawn (crm.funnel.machine.STATUS_EVENTS
    allows it only while active or on hold); the return counts such withdrawals, so the event is added here as the
    machine adds events, and the state replayed."""
    application.events.append(StageEvent(kind=EventKind.WITHDRAWN, occurred_on=on, reason=reason,
                                         party=WithdrawingParty.APPLICANT))
    machine.sync(application)
    session.flush()


@pytest.fixture
def returns(app_context, db_session, officer):
    build_returns(db_session, officer)


def build_returns(db_session, officer) -> None:
    adopter(officer, date(2028, 1, 15), date(2028, 7, 15), ("found", date(2028, 10, 15)))  # A1
    adopter(officer, date(2028, 1, 15), date(2028, 7, 16), ("found", date(2028, 10, 17)))  # A2
    adopter(officer, date(2028, 8, 31), date(2029, 2, 28))  # A3
    adopter(officer, date(2028, 8, 31), date(2029, 3, 1))  # A4
    journey(officer, *lead_in(date(2028, 1, 1)), (Stage.STAGE_2, date(2028, 1, 10)), *approval(date(2028, 5, 1)),
            fast_track=True)  # A5
    adopter(officer, date(2028, 2, 1), date(2028, 11, 10), ("found", date(2029, 3, 1)), line="early_permanence")
    adopter(officer, date(2027, 6, 1), date(2028, 2, 1), ("found", date(2028, 4, 10)))  # B1
    leave_after_approval(db_session, adopter(officer, date(2027, 6, 1), date(2028, 3, 1)), date(2028, 8, 20),
                         "Relationship change")  # L1
    leave_after_approval(db_session, adopter(officer, date(2027, 10, 1), date(2028, 6, 1)), date(2028, 12, 5),
                         "Health")  # L2
    journey(officer, *to_stage_1(date(2028, 6, 1)), ("withdraw", date(2028, 8, 1)))  # W
    adopter(officer, date(2027, 9, 1), date(2028, 5, 1), line="fostering_mainstream")  # F


def quarter(approved, fast_track, timed, within, matched, matched_within, left, reasons, waiting, as_at):
    share = round(100 * within / timed, 1) if timed else None
    match_share = round(100 * matched_within / matched, 1) if matched else None
    return {"approvals": {"total": approved, "fast_track": fast_track, "timed": timed, "within_6_months": within,
                          "percent_within_6_months": share},
            "matches": {"total": matched, "within_3_months": matched_within, "percent_within_3_months": match_share},
            "left_after_approval": {"total": left, "by_reason": reasons},
            "approved_waiting": {"as_at": as_at, "total": waiting}}


def test_the_return_for_the_year(returns):
    figures = asglb.compute(YEAR).figures
    assert list(figures["quarters"]) == [Q2, Q3, Q4, Q1]
    # Q2: A5 (fast track) and L2 (not within); B1's match within 3 months; waiting A5, L1, L2.
    assert figures["quarters"][Q2] == quarter(2, 1, 1, 0, 1, 1, 0, {}, 3, "2028-06-30")
    # Q3: A1 within, A2 not; no match (share None); L1 left; waiting A1, A2, A5, L2.
    assert figures["quarters"][Q3] == quarter(2, 0, 2, 1, 0, 0, 1, {"Relationship change": 1}, 4, "2028-09-30")
    # Q4: EP not within; A1 matched within 3 months, A2 not; L2 left; waiting A5, EP.
    assert figures["quarters"][Q4] == quarter(1, 0, 1, 0, 2, 1, 1, {"Health": 1}, 2, "2028-12-31")
    # Q1: A3 within (28 February), A4 not; EP placed, not within; waiting A3, A4, A5.
    assert figures["quarters"][Q1] == quarter(2, 0, 2, 1, 1, 0, 0, {}, 3, "2029-03-31")
    # The year: 7 approvals, 6 timed (A5 left out), 2 within: 33.3%; 4 matches, 2 within; waiting at its end.
    assert figures["whole_period"] == quarter(7, 1, 6, 2, 4, 2, 2, {"Health": 1, "Relationship change": 1}, 3,
                                              "2029-03-31")


def test_the_tables_and_every_count_links_to_exactly_its_applications(returns):
    report = asglb.compute(YEAR)
    table = report.tables["by_quarter"]
    assert list(table["Quarter"]) == [Q2, Q3, Q4, Q1, "Whole period"]
    assert list(table["Approvals"]) == [2, 2, 1, 2, 7]
    assert list(table["Approved within 6 months of registration"]) == [0, 1, 0, 1, 2]
    assert table["% approved within 6 months"].tolist()[1:] == [50.0, 0.0, 50.0, 33.3]
    assert pd.isna(table.loc[1, "% matched within 3 months"])  # no match in Q3: no share, not 0
    assert list(table["Approved and waiting at the end"]) == [3, 4, 2, 3, 3]
    reasons = report.tables["left_after_approval_reasons"]
    assert reasons.to_dict("list") == {"Reason": ["Health", "Relationship change"], Q2: [0, 0], Q3: [0, 1],
                                       Q4: [1, 0], Q1: [0, 0], "Whole period": [1, 1]}
    assert_drill_matches(report)


def assert_drill_matches(report):
    lines = asglb.drill_lines(report.params)
    selectors = asglb.drill(report)
    counted = 0
    for (table, row, column), selector in selectors.items():
        chosen = lines
        for key, value in selector.items():
            chosen = chosen[chosen[key].astype(str) == value]
        assert len(chosen) == report.tables[table].loc[row, column], (table, row, column, selector)
        counted += 1
    counts = [c for c, (_, s) in asglb.COLUMNS.items() if s]
    assert counted >= len(counts) * len(report.tables["by_quarter"])


def test_a_period_starting_mid_quarter_and_empty_quarters(returns):
    # 15 Feb - 15 Apr 2028: L1's approval (1 Mar) is in it, B1's (1 Feb) is not; B1's match on 10 Apr is.
    report = asglb.compute(ReportParams(date(2028, 2, 15), date(2028, 4, 15)))
    first, second = report.figures["quarters"].values()
    assert list(report.figures["quarters"]) == ["2028 Q1 (Jan-Mar)", Q2]
    assert (first["approvals"]["total"], first["matches"]["total"]) == (1, 0)
    assert first["approved_waiting"] == {"as_at": "2028-03-31", "total": 2}  # B1 and L1
    assert (second["approvals"]["total"], second["matches"]["total"]) == (0, 1)
    assert second["approved_waiting"] == {"as_at": "2028-04-15", "total": 1}  # L1; B1 matched on 10 April
    assert report.figures["whole_period"]["approved_waiting"] == {"as_at": "2028-04-15", "total": 1}
    # 2027: every quarter there, every figure 0.
    empty = asglb.compute(ReportParams(date(2027, 1, 1), date(2027, 12, 31)))
    assert len(empty.figures["quarters"]) == 4
    for key, figures in empty.figures["quarters"].items():
        as_at = {"2027 Q1 (Jan-Mar)": "2027-03-31", "2027 Q2 (Apr-Jun)": "2027-06-30",
                 "2027 Q3 (Jul-Sep)": "2027-09-30", "2027 Q4 (Oct-Dec)": "2027-12-31"}[key]
        assert figures == quarter(0, 0, 0, 0, 0, 0, 0, {}, 0, as_at)
    assert list(empty.tables["by_quarter"]["Approvals"]) == [0, 0, 0, 0, 0]
    assert empty.tables["left_after_approval_reasons"].empty


def test_the_6_months_run_from_registration_the_start_of_stage_1_not_from_the_roi(app_context, officer):
    # ROI received 1 January 2028, accepted 1 March: approved 1 August, 7 months after the ROI but 5 after
    # registration, so within. ROI 1 January, accepted 15 February: approved 16 August, 6 months and a day after.
    adopter(officer, date(2028, 3, 1), date(2028, 8, 1), roi=date(2028, 1, 1))
    adopter(officer, date(2028, 2, 15), date(2028, 8, 16), roi=date(2028, 1, 1))
    report = asglb.compute(YEAR)
    assert report.figures["quarters"][Q3]["approvals"] == {"total": 2, "fast_track": 0, "timed": 2,
                                                           "within_6_months": 1, "percent_within_6_months": 50.0}
    approvals = asglb.drill_lines(YEAR).query("measure == 'approval'").sort_values("on")
    assert list(approvals["within"]) == ["yes", "no"]


def test_split_by_service_line(returns):
    report = asglb.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "early_permanence"]
    permanence = report.splits["early_permanence"]["whole_period"]
    assert permanence["approvals"] == {"total": 1, "fast_track": 0, "timed": 1, "within_6_months": 0,
                                       "percent_within_6_months": 0.0}
    assert permanence["matches"]["total"] == 1 and permanence["approved_waiting"]["total"] == 0
    adoption = report.splits["adoption"]["whole_period"]
    assert (adoption["approvals"]["total"], adoption["approvals"]["within_6_months"]) == (6, 2)
    table = report.tables["by_service_line"]
    assert list(table["Service line"]) == ["adoption", "early_permanence"]
    assert list(table["Approved and waiting at the end"]) == [3, 0]
    assert report.as_json()["by"] == "service_line"
    assert_drill_matches(report)


@pytest.mark.parametrize("by", [Split.PARTNER_AUTHORITY, Split.TEAM, Split.CHANNEL])
def test_other_splits_add_up_to_the_whole(returns, by):
    report = asglb.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=by))
    assert list(report.splits) == ["Not recorded"]  # no household has an authority, a team or a contact
    assert report.splits["Not recorded"] == report.figures
    assert list(report.tables[f"by_{by.value}"]["Approvals"]) == [7]


def test_month_and_quarter_splits_are_refused(app_context):
    for by in (Split.MONTH, Split.QUARTER):
        with pytest.raises(ValueError, match="by quarter already"):
            asglb.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=by))


def test_charts_show_approvals_and_matches_by_quarter(returns):
    shown = asglb.charts(asglb.compute(YEAR))
    assert [caption.split(",")[0] for caption, _ in shown] == ["Approvals by quarter", "Matches by quarter"]
    assert "(1 of 2 timed within 6 months, 50%)" in shown[0][1] and "<svg" in shown[1][1]


def follow_counts(client, page: str, name: str, most: int = 6) -> int:
    """Open the list behind counts linked on the page (`most` of them, spread over the page: each list recomputes
    the report); each lists exactly that many. The number of counts linked."""
    links = re.findall(rf'href="(/reports/{name}/households\?[^"]+)">([\d,]+)<', page)
    for href, count in links[::max(1, len(links) // most)]:
        listed = client.get(html.unescape(href))
        assert listed.status_code == 200, href
        summary = re.search(r'id="drill-summary">([\d,]+) ', listed.get_data(as_text=True))
        assert summary and summary.group(1) == count, href
    return len(links)


def test_every_count_on_the_page_lists_its_applications(client, auth, services_as, db_session):
    manager = UserFactory(roles=[Role.MANAGER])
    services_as(lambda: build_returns(db_session, manager))
    auth.login(manager)
    page = client.get("/reports/asglb?date_from=2028-04-01&date_to=2029-03-31&by=service_line")
    assert page.status_code == 200
    assert follow_counts(client, page.get_data(as_text=True), "asglb") >= 40  # the non-zero counts


def test_the_page_and_its_csv(client, auth, services_as):
    manager = UserFactory(roles=[Role.MANAGER])
    services_as(lambda: adopter(manager, date(2028, 1, 15), date(2028, 7, 15)))
    auth.login(manager)
    page = client.get("/reports/asglb?date_from=2028-04-01&date_to=2029-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Approvals by quarter" in html and "<svg" in html
    assert "2028 Q3 (Jul-Sep)" in html and "Approved within 6 months of registration" in html
    csv = client.get("/reports/asglb/export.csv?date_from=2028-04-01&date_to=2029-03-31").get_data(as_text=True)
    assert "by_quarter,2028 Q3 (Jul-Sep)" in csv
    refused = client.get("/reports/asglb?date_from=2028-04-01&date_to=2029-03-31&by=month")
    assert refused.status_code == 400 and "by quarter already" in refused.get_data(as_text=True)
