"""Timeliness report: golden figures worked out by hand on small histories (SPEC section 5), and the month
arithmetic under them."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel.stages import Stage
from crm.marketing.models import Channel
from crm.reports.base import ReportParams, Split
from crm.reports.data.months import add_months, as_dates, whole_months
from crm.reports.families import timeliness
from tests.factories import HouseholdFactory, PartnerAuthorityFactory, TeamFactory, UserFactory
from tests.reports.histories import approval, approved, journey, lead_in, to_stage_1

YEAR_2028 = ReportParams(date(2028, 1, 1), date(2028, 12, 31))
NO_BUCKETS = {"<4 months": 0, "4-8 months": 0, "8-12 months": 0, "12-18 months": 0, ">18 months": 0}
EMPTY = {"count": 0, "mean_days": None, "median_days": None, "min_days": None, "max_days": None,
         "within_timescale": None, "within_timescale_count": 0, "timescale_applies": 0, "extended": 0,
         "extended_within_extension": 0, "buckets": NO_BUCKETS}


@pytest.fixture
def officer(db_session):
    """Records every event; a manager, so that it may also undo one."""
    return UserFactory(roles=[Role.MANAGER])


def stats(figures: dict, *path) -> dict:
    for key in path:
        figures = figures[key]
    return figures


def test_calendar_months_follow_relativedelta():
    starts = as_dates([date(2027, 1, 31), date(2028, 1, 31), date(2028, 1, 31), date(2027, 10, 31)])
    ends = as_dates([date(2027, 2, 28), date(2028, 2, 28), date(2028, 2, 29), date(2028, 2, 29)])
    # 31 Jan + 1 month = 28 Feb 2027 (no 29th), 29 Feb 2028 (leap year), so 31 Jan to 28 Feb 2028 is not yet a
    # month; 31 Oct 2027 + 4 months = 29 Feb 2028: exactly 4 whole months.
    assert list(add_months(starts, 1).dt.date) == [date(2027, 2, 28), date(2028, 2, 29), date(2028, 2, 29),
                                                   date(2027, 11, 30)]
    assert list(whole_months(starts, ends)) == [1, 0, 1, 4]


def test_stage_1_calendar_edges_and_pauses(app_context, officer):
    # A1: Stage 1 from 31 Dec 2027; 31 Dec + 2 months = 29 Feb 2028 (leap year, clipped), completed that day:
    #     within, 60 days (31 to 31 Jan, 29 to 29 Feb).
    journey(officer, *to_stage_1(date(2027, 12, 31)), (Stage.STAGE_1_COMPLETED, date(2028, 2, 29)))
    # A2: the same start, completed 1 March: a day late, 61 days.
    journey(officer, *to_stage_1(date(2027, 12, 31)), (Stage.STAGE_1_COMPLETED, date(2028, 3, 1)))
    # A3: from 31 Jan 2028, completed 29 Feb 2028: 31 Jan + 2 months = 31 March, within; 29 days.
    journey(officer, *to_stage_1(date(2028, 1, 31)), (Stage.STAGE_1_COMPLETED, date(2028, 2, 29)))
    # B4: from 1 March, on hold 10 March to 10 April, completed 2 May: the pause still counts, so 62 days
    #     (31 + 30 + 1), and 1 March + 2 months = 1 May: outside.
    journey(officer, *to_stage_1(date(2028, 3, 1)), ("hold", date(2028, 3, 10)), ("resume", date(2028, 4, 10)),
            (Stage.STAGE_1_COMPLETED, date(2028, 5, 2)))
    # Not in the period: completed 20 Dec 2027.
    journey(officer, *to_stage_1(date(2027, 11, 1)), (Stage.STAGE_1_COMPLETED, date(2027, 12, 20)))

    figures = timeliness.compute(YEAR_2028).figures
    # days 29, 60, 61, 62: mean 212 / 4 = 53.0, median (60 + 61) / 2; within: A1 and A3 of 4; all under 4 months.
    assert stats(figures, "stages", "stage_1") == {
        "count": 4, "mean_days": 53.0, "median_days": 60.5, "min_days": 29, "max_days": 62,
        "within_timescale": 0.5, "within_timescale_count": 2, "timescale_applies": 4, "extended": 0,
        "extended_within_extension": 0, "buckets": {**NO_BUCKETS, "<4 months": 4}}
    assert stats(figures, "stages", "stage_2") == EMPTY


def adopter(officer, stage_1: date, completed: date, stage_2: date, *decision):
    """An adopter through Stage 1 to Stage 2 and its decision steps."""
    return journey(officer, *to_stage_1(stage_1), (Stage.STAGE_1_COMPLETED, completed), (Stage.STAGE_2, stage_2),
                   *decision)


def test_stage_2_boundaries_decisions_and_buckets(app_context, officer):
    # B1: Stage 2 15 March, approved 15 July: exactly 4 months, so "4-8 months" (lower bound inclusive) and
    #     within (due 15 July); 122 days.
    adopter(officer, date(2028, 1, 1), date(2028, 3, 1), date(2028, 3, 15),
            (Stage.PANEL, date(2028, 7, 8)), (Stage.APPROVED, date(2028, 7, 15)))
    # B2: Stage 2 31 Oct 2027, approved 29 Feb 2028: 31 Oct + 4 months = 29 Feb (clipped), exactly 4 months:
    #     "4-8 months", within; 121 days (30 + 31 + 31 + 29).
    adopter(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 10, 31),
            (Stage.PANEL, date(2028, 2, 22)), (Stage.APPROVED, date(2028, 2, 29)))
    # B3: Stage 2 1 Feb 2028, not approved 20 Dec 2028 (the ADM decision ends Stage 2 too): 10 whole months
    #     (1 Dec <= 20 Dec < 1 Jan), "8-12 months", outside; 323 days.
    adopter(officer, date(2027, 11, 1), date(2028, 1, 1), date(2028, 2, 1),
            (Stage.PANEL, date(2028, 12, 1)), ("not_approved", date(2028, 12, 20)))
    # B5: Stage 2 1 Jan 2027, approved 1 July 2028: exactly 18 months, ">18 months"; 365 + 182 = 547 days.
    adopter(officer, date(2026, 10, 1), date(2026, 12, 1), date(2027, 1, 1), *approval(date(2028, 7, 1)))
    # B6: Stage 2 1 March 2027, approved 1 June 2028: 15 months, "12-18 months"; 366 (29 Feb 2028) + 92 = 458.
    adopter(officer, date(2026, 12, 1), date(2027, 2, 1), date(2027, 3, 1), *approval(date(2028, 6, 1)))
    # Still in Stage 2 at the end of the period: not counted.
    adopter(officer, date(2027, 12, 1), date(2028, 2, 1), date(2028, 3, 1))

    figures = timeliness.compute(YEAR_2028).figures
    # days 121, 122, 323, 458, 547: mean 1571 / 5 = 314.2, median 323; within B1 and B2 of 5.
    assert stats(figures, "stages", "stage_2") == {
        "count": 5, "mean_days": 314.2, "median_days": 323.0, "min_days": 121, "max_days": 547,
        "within_timescale": 0.4, "within_timescale_count": 2, "timescale_applies": 5, "extended": 0,
        "extended_within_extension": 0,
        "buckets": {"<4 months": 0, "4-8 months": 2, "8-12 months": 1, "12-18 months": 1, ">18 months": 1}}


def two_line_household_and_fast_track(officer):
    """The ROI-to-approval histories, shared by the tests of its figures and of the split by service line."""
    # H1 adoption: ROI 10 Jan, approved 2 Aug 2028: 22 + 29 + 31 + 30 + 31 + 30 + 31 + 1 = 205 days; 10 Jan +
    #    6 months = 10 July, so 6 whole months ("4-8 months") and outside the ASGLB 6 months.
    journey(officer, *lead_in(date(2028, 1, 10)), (Stage.STAGE_1, date(2028, 1, 20)),
            (Stage.STAGE_1_COMPLETED, date(2028, 3, 20)), *approved(date(2028, 4, 1), date(2028, 8, 2)))
    # H2 adoption, fast track: ROI 1 Feb straight to Stage 2 10 Feb (no Stage 1), approved 10 June 2028:
    #    130 days, 4 whole months, within 6 months.
    journey(officer, *lead_in(date(2028, 2, 1)), *approved(date(2028, 2, 10), date(2028, 6, 10)), fast_track=True)
    # H3, one household in two service lines, ROI 1 March 2028 in both:
    household = HouseholdFactory()
    #    adoption approved 1 Sep: exactly 6 months, within (on the due date); 184 days, "4-8 months".
    journey(officer, *lead_in(date(2028, 3, 1)), (Stage.STAGE_1, date(2028, 3, 2)),
            (Stage.STAGE_1_COMPLETED, date(2028, 5, 2)), *approved(date(2028, 5, 3), date(2028, 9, 1)),
            household=household)
    #    mainstream fostering approved 1 Dec: 275 days, 9 months ("8-12 months"), outside ROI + 8 months = 1 Nov.
    journey(officer, *lead_in(date(2028, 3, 1)), (Stage.STAGE_1, date(2028, 3, 2)),
            (Stage.STAGE_1_COMPLETED, date(2028, 6, 1)), *approved(date(2028, 6, 2), date(2028, 12, 1)),
            line="fostering_mainstream", household=household)


def test_roi_to_approval_with_and_without_fast_track(app_context, officer):
    two_line_household_and_fast_track(officer)
    figures = timeliness.compute(YEAR_2028).figures
    # all: 130, 184, 205, 275: mean 794 / 4 = 198.5, median (184 + 205) / 2; within H2 and H3 adoption.
    assert stats(figures, "roi_to_approval", "all") == {
        "count": 4, "mean_days": 198.5, "median_days": 194.5, "min_days": 130, "max_days": 275,
        "within_timescale": 0.5, "within_timescale_count": 2, "timescale_applies": 4, "extended": 0,
        "extended_within_extension": 0, "buckets": {**NO_BUCKETS, "4-8 months": 3, "8-12 months": 1}}
    # without the fast-track H2: 184, 205, 275: mean 664 / 3 = 221.3, median 205; within 1 of 3.
    assert stats(figures, "roi_to_approval", "excluding_fast_track") == {
        "count": 3, "mean_days": 221.3, "median_days": 205.0, "min_days": 184, "max_days": 275,
        "within_timescale": 0.3333, "within_timescale_count": 1, "timescale_applies": 3, "extended": 0,
        "extended_within_extension": 0, "buckets": {**NO_BUCKETS, "4-8 months": 2, "8-12 months": 1}}
    # The fast-track H2 skipped Stage 1: Stage 1 is H1 (60 days), H3 adoption (61, exactly 2 months: within)
    # and H3 fostering (91 days, timed but with no timescale of its own: left out of the share); Stage 2 has all
    # four, fostering's left out of the share again (H1 outside 4 months, H2 and H3 adoption within).
    assert stats(figures, "stages", "stage_1")["count"] == 3
    assert (stats(figures, "stages", "stage_1")["within_timescale"],
            stats(figures, "stages", "stage_1")["timescale_applies"]) == (1.0, 2)
    assert stats(figures, "stages", "stage_2")["count"] == 4
    assert stats(figures, "stages", "stage_2")["timescale_applies"] == 3
    # Fostering's whole assessment: H3 fostering, ROI 1 March to approval 1 December, 275 days, after 1 November.
    assert stats(figures, "fostering_assessment", "all") == {
        "count": 1, "mean_days": 275.0, "median_days": 275.0, "min_days": 275, "max_days": 275,
        "within_timescale": 0.0, "within_timescale_count": 0, "timescale_applies": 1, "extended": 0,
        "extended_within_extension": 0, "buckets": {**NO_BUCKETS, "8-12 months": 1}}


def test_a_household_in_two_service_lines_counts_in_each(app_context, officer):
    two_line_household_and_fast_track(officer)
    report = timeliness.compute(ReportParams(YEAR_2028.date_from, YEAR_2028.date_to, by=Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "fostering_mainstream"]
    adoption, fostering = report.splits["adoption"], report.splits["fostering_mainstream"]
    assert stats(adoption, "roi_to_approval", "all")["count"] == 3
    assert stats(adoption, "roi_to_approval", "excluding_fast_track")["count"] == 2
    # Fostering: Stage 1 2 March to 1 June, 91 days; Stage 2 2 June to 1 December, 182 days: timed, with no
    # timescale of their own; the whole assessment (ROI 1 March to 1 December) is outside ROI + 8 months.
    assert stats(fostering, "stages", "stage_1") == {
        "count": 1, "mean_days": 91.0, "median_days": 91.0, "min_days": 91, "max_days": 91,
        "within_timescale": None, "within_timescale_count": 0, "timescale_applies": 0, "extended": 0,
        "extended_within_extension": 0, "buckets": {**NO_BUCKETS, "<4 months": 1}}
    assert stats(fostering, "stages", "stage_2")["mean_days"] == 182.0
    assert stats(fostering, "stages", "stage_2")["within_timescale"] is None
    assert stats(fostering, "roi_to_approval", "all")["count"] == 1
    assert stats(fostering, "fostering_assessment", "all")["within_timescale"] == 0.0
    assert stats(adoption, "fostering_assessment", "all")["count"] == 0


def test_undone_events_are_ignored(app_context, officer):
    # U1: completion recorded 15 June, undone, recorded again 20 July: Stage 1 1 June to 20 July = 49 days.
    journey(officer, *to_stage_1(date(2028, 6, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 6, 15)), ("undo",),
            (Stage.STAGE_1_COMPLETED, date(2028, 7, 20)))
    # U2: completion recorded 1 May and undone: still in Stage 1, not counted.
    journey(officer, *to_stage_1(date(2028, 4, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 5, 1)), ("undo",))
    # U3: Stage 1 entered 1 June, undone, entered again 5 June (the live entry), completed 5 July: 30 days.
    journey(officer, *lead_in(date(2028, 5, 25)), (Stage.STAGE_1, date(2028, 6, 1)), ("undo",),
            (Stage.STAGE_1, date(2028, 6, 5)), (Stage.STAGE_1_COMPLETED, date(2028, 7, 5)))
    # U4: approval 5 July 2028 undone: no Stage 2 end and no approval (its Stage 1 ended in 2027).
    adopter(officer, date(2027, 10, 1), date(2027, 12, 1), date(2028, 3, 1), (Stage.PANEL, date(2028, 7, 1)),
            (Stage.APPROVED, date(2028, 7, 5)), ("undo",))

    figures = timeliness.compute(YEAR_2028).figures
    # 30 and 49 days: mean and median 39.5; both within 2 months.
    assert stats(figures, "stages", "stage_1") == {
        "count": 2, "mean_days": 39.5, "median_days": 39.5, "min_days": 30, "max_days": 49,
        "within_timescale": 1.0, "within_timescale_count": 2, "timescale_applies": 2, "extended": 0,
        "extended_within_extension": 0, "buckets": {**NO_BUCKETS, "<4 months": 2}}
    assert stats(figures, "stages", "stage_2") == EMPTY
    assert figures["roi_to_approval"] == {"all": EMPTY, "excluding_fast_track": EMPTY}


def test_extended_cases_are_shown_apart(app_context, officer):
    # E1: Stage 2 1 April, extended by 28 days on 1 June, approved 20 August: 141 days; due 1 August (outside),
    #     extended due 29 August (within the extension). Its Stage 1 ended in 2027.
    adopter(officer, date(2027, 11, 1), date(2027, 12, 20), date(2028, 4, 1), ("extend", date(2028, 6, 1), 28),
            (Stage.PANEL, date(2028, 8, 13)), (Stage.APPROVED, date(2028, 8, 20)))
    # E2: Stage 1 1 Jan, extended by 14 days on 15 Feb, completed 10 March: 69 days, due 1 March (outside),
    #     extended due 15 March (within). Its Stage 2, 15 March to 1 July (108 days, due 15 July: within), has
    #     no extension of its own: Stage 1's does not count for Stage 2.
    journey(officer, *to_stage_1(date(2028, 1, 1)), ("extend", date(2028, 2, 15), 14),
            (Stage.STAGE_1_COMPLETED, date(2028, 3, 10)), *approved(date(2028, 3, 15), date(2028, 7, 1)))
    figures = timeliness.compute(YEAR_2028).figures
    stage_1, stage_2 = stats(figures, "stages", "stage_1"), stats(figures, "stages", "stage_2")
    assert (stage_1["count"], stage_1["min_days"], stage_1["within_timescale"], stage_1["extended"],
            stage_1["extended_within_extension"]) == (1, 69, 0.0, 1, 1)
    # Stage 2: 141 and 108 days, mean 124.5; E2 within, E1 extended and within its extension.
    assert (stage_2["count"], stage_2["mean_days"], stage_2["within_timescale_count"], stage_2["within_timescale"],
            stage_2["extended"], stage_2["extended_within_extension"]) == (2, 124.5, 1, 0.5, 1, 1)


def test_empty_period_gives_zero_and_nulls(app_context, officer):
    journey(officer, *to_stage_1(date(2028, 1, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 2, 1)))
    params = ReportParams(date(2029, 4, 1), date(2029, 5, 31), by=Split.MONTH)
    report = timeliness.compute(params)
    empty = {"stages": {"stage_1": EMPTY, "stage_2": EMPTY},
             "roi_to_approval": {"all": EMPTY, "excluding_fast_track": EMPTY}, "fostering_assessment": {"all": EMPTY}}
    assert report.figures == empty
    assert report.splits == {"2029-04": empty, "2029-05": empty}
    assert report.as_json()["splits"]["2029-05"] == empty
    assert list(report.tables["timeliness"]["count"]) == [0, 0, 0, 0, 0]


def contact(db_session, household, when: datetime, channel=None) -> None:
    db_session.add(EnquiryContact(household_id=household.id, received_at=when, method=ContactMethod.PHONE,
                                  channel_id=channel.id if channel else None))
    db_session.flush()


def test_splits_by_month_quarter_authority_team_and_channel(app_context, db_session, officer):
    north, team = PartnerAuthorityFactory(name="Northshire Council"), TeamFactory(name="Assessment team")
    digital = Channel(name="digital")
    google, event = Channel(name="Google Ads", parent=digital), Channel(name="event")
    db_session.add_all([digital, google, event])
    db_session.flush()
    # HA: Northshire, the assessment team, first contact through Google Ads (top level: digital), a later one at
    #     an event; Stage 1 completed 10 March 2028.
    ha = HouseholdFactory(partner_authority=north, team_id=team.id)
    contact(db_session, ha, datetime(2027, 12, 1, 9, tzinfo=UTC), google)
    contact(db_session, ha, datetime(2027, 12, 5, 9, tzinfo=UTC), event)
    journey(officer, *to_stage_1(date(2028, 1, 20)), (Stage.STAGE_1_COMPLETED, date(2028, 3, 10)), household=ha)
    # HB: no authority, team or contact: "Not recorded" throughout; completed 31 March 2028.
    journey(officer, *to_stage_1(date(2028, 2, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 3, 31)))
    # HC: Northshire, no team; first contact had no channel (a later one did): channel "Not recorded";
    #     completed 2 May 2028.
    hc = HouseholdFactory(partner_authority=north)
    contact(db_session, hc, datetime(2027, 12, 2, 9, tzinfo=UTC))
    contact(db_session, hc, datetime(2027, 12, 9, 9, tzinfo=UTC), event)
    journey(officer, *to_stage_1(date(2028, 3, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 5, 2)), household=hc)

    def counts(by):
        report = timeliness.compute(ReportParams(date(2028, 3, 1), date(2028, 5, 31), by=by))
        return {key: figures["stages"]["stage_1"]["count"] for key, figures in report.splits.items()}

    # By the month / quarter of the completion, every month of the period shown, April with none.
    assert counts(Split.MONTH) == {"2028-03": 2, "2028-04": 0, "2028-05": 1}
    assert counts(Split.QUARTER) == {"2028 Q1 (Jan-Mar)": 2, "2028 Q2 (Apr-Jun)": 1}
    assert counts(Split.PARTNER_AUTHORITY) == {"Northshire Council": 2, "Not recorded": 1}
    assert counts(Split.TEAM) == {"Assessment team": 1, "Not recorded": 2}
    assert counts(Split.CHANNEL) == {"Not recorded": 2, "digital": 1}


def test_report_shape_table_and_lines(app_context, officer):
    two_line_household_and_fast_track(officer)
    report = timeliness.compute(YEAR_2028)
    body = report.as_json()
    assert (body["report"], body["from"], body["to"], "splits" in body) == ("timeliness", "2028-01-01",
                                                                            "2028-12-31", False)
    assert set(body["figures"]) == {"stages", "roi_to_approval", "fostering_assessment"}
    assert set(body["figures"]["stages"]["stage_1"]) >= {"count", "mean_days", "median_days", "min_days",
                                                         "max_days", "within_timescale", "buckets"}
    table = report.tables["timeliness"]
    assert list(table.index) == ["Stage 1", "Stage 2", "ROI to approval", "ROI to approval, fast track left out",
                                 "Fostering: whole assessment to the decision"]
    assert list(table["count"]) == [3, 4, 4, 3, 1] and list(table["8-12 months"]) == [0, 0, 1, 1, 1]
    # The line-level rows behind the figures (drill-down): the fast-track household's ROI-to-approval line.
    lines = timeliness.lines(YEAR_2028)
    fast = lines[(lines["measure"] == "roi_to_approval") & lines["fast_track"]]
    assert list(fast["days"]) == [130] and isinstance(fast["ended_on"].iloc[0], pd.Timestamp)
    # Each case names the timescale it is judged against (None where its line has none for the measure).
    named = lines.sort_values(["measure", "service_line", "days"])[["measure", "service_line", "timescale"]]
    assert named.drop_duplicates().values.tolist() == [
        ["assessment", "fostering_mainstream", "Whole assessment: 8 months from the application (ROI) to the decision"],
        ["roi_to_approval", "adoption", "ROI to approval: 6 months"],
        ["roi_to_approval", "fostering_mainstream",
         "Whole assessment: 8 months from the application (ROI) to the decision"],
        ["stage_1", "adoption", "Stage 1: 2 months from its start"],
        ["stage_1", "fostering_mainstream", None],
        ["stage_2", "adoption", "Stage 2: 4 months from its start to the decision"],
        ["stage_2", "fostering_mainstream", None]]
