"""The reports read histories as they really happen (SPEC sections 2 and 5, issue 19): a hold after approval, a match
and a placement in either order, a fostering household's second placement, a second panel after a deferral.

Year 2028-29 (quarters 2028 Q2 to 2029 Q1). Registration is the start of Stage 1 (ROI a week before); Stage 1 is
completed 60 days on, Stage 2 starts a week after, panel a week before the approval.

H1 adoption: registered 15 Jan 2028, approved 15 Jul 2028 (exactly 6 months: within). On hold 1 Aug, resumed 1 Nov,
   matched 5 Dec 2028 (after 15 Oct, approval + 3 months: not within; the hold pauses nothing), placed 20 Jan 2029
   (not a second match). Approved and waiting (and on hold) at 30 September.
H2 early permanence: registered 1 Feb 2028, approved 1 Aug 2028 (1 Feb + 6 months: within); placed 15 Sep 2028
   (within 3 months: the match the return counts), matched 1 Mar 2029 (not a second one).
H3 mainstream fostering: ROI 25 Oct 2027, approved 1 Jun 2028, placed 1 Jul and 1 Oct 2028, on hold 15 Nov 2028:
   one approval; not in the ASGLB return.
H4 adoption: registered 1 Mar 2028, panel 1 Aug 2028 deferred, presented again 5 Oct, approved 12 Oct 2028 (after
   1 Sep: not within). Waiting at 31 December and 31 March.

ASGLB: approvals Q3 2 (H1, H2, both within), Q4 1 (H4, not within); matches Q3 1 (H2, within), Q4 1 (H1, not
within), Q1 0; approved and waiting 30 Jun 0, 30 Sep 1 (H1), 31 Dec 1 (H4), 31 Mar 1 (H4).
Activity: panel presentations 5 (H1 8 Jul, H2 25 Jul, H3 25 May, H4 1 Aug and 5 Oct), deferrals 1, approvals 4.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.auth.roles import Role
from crm.funnel.stages import Stage
from crm.reports.base import ReportParams
from crm.reports.families import activity, asglb, conversion, fostering_return, snapshot
from tests.factories import HouseholdFactory, UserFactory
from tests.reports.histories import approval, journey, to_stage_1

YEAR = ReportParams(date(2028, 4, 1), date(2029, 3, 31))
Q2, Q3, Q4, Q1 = "2028 Q2 (Apr-Jun)", "2028 Q3 (Jul-Sep)", "2028 Q4 (Oct-Dec)", "2029 Q1 (Jan-Mar)"


@pytest.fixture
def officer(db_session):
    return UserFactory(roles=[Role.MANAGER])


def assessed(registered: date) -> list:
    completed = registered + timedelta(days=60)
    return [*to_stage_1(registered), (Stage.STAGE_1_COMPLETED, completed),
            (Stage.STAGE_2, completed + timedelta(days=7))]


@pytest.fixture
def histories(app_context, officer):
    journey(officer, *assessed(date(2028, 1, 15)), *approval(date(2028, 7, 15)), ("hold", date(2028, 8, 1)),
            ("resume", date(2028, 11, 1)), ("matched", date(2028, 12, 5)), ("placed", date(2029, 1, 20)))
    journey(officer, *assessed(date(2028, 2, 1)), *approval(date(2028, 8, 1)), ("placed", date(2028, 9, 15)),
            ("matched", date(2029, 3, 1)), line="early_permanence")
    journey(officer, *assessed(date(2027, 11, 1)), *approval(date(2028, 6, 1)), ("placed", date(2028, 7, 1)),
            ("placed", date(2028, 10, 1)), ("hold", date(2028, 11, 15)), line="fostering_mainstream")
    journey(officer, *assessed(date(2028, 3, 1)), (Stage.PANEL, date(2028, 8, 1)), ("deferred", date(2028, 8, 1)),
            (Stage.PANEL, date(2028, 10, 5)), (Stage.APPROVED, date(2028, 10, 12)))


def test_the_asglb_return(histories):
    quarters = asglb.compute(YEAR).figures["quarters"]
    assert {key: q["approvals"]["total"] for key, q in quarters.items()} == {Q2: 0, Q3: 2, Q4: 1, Q1: 0}
    assert {key: q["approvals"]["within_6_months"] for key, q in quarters.items()} == {Q2: 0, Q3: 2, Q4: 0, Q1: 0}
    assert {key: q["matches"]["total"] for key, q in quarters.items()} == {Q2: 0, Q3: 1, Q4: 1, Q1: 0}
    assert {key: q["matches"]["within_3_months"] for key, q in quarters.items()} == {Q2: 0, Q3: 1, Q4: 0, Q1: 0}
    assert {key: q["approved_waiting"]["total"] for key, q in quarters.items()} == {Q2: 0, Q3: 1, Q4: 1, Q1: 1}
    whole = asglb.compute(YEAR).figures["whole_period"]
    assert (whole["approvals"]["total"], whole["approvals"]["timed"], whole["approvals"]["within_6_months"],
            whole["matches"]["total"], whole["matches"]["within_3_months"], whole["approved_waiting"]["total"]) == (
        3, 3, 2, 2, 1, 1)


def test_the_snapshot_at_the_end_of_september_shows_the_hold_after_approval_apart(histories):
    figures = snapshot.compute(ReportParams(date(2028, 7, 1), date(2028, 9, 30), at=date(2028, 9, 30))).figures
    # H1 approved 15 July, on hold since 1 August: 2 whole months. H3 was placed; H2 was placed; H4 is at panel.
    assert figures["approved_waiting"] == {"total": 1, "on_hold": 1,
                                           "buckets": {"<3 months": 1, "3-6 months": 0, "6-9 months": 0,
                                                       "9-12 months": 0, ">12 months": 0}}
    # H4: Stage 2 from 7 May 2028 (1 Mar + 60 days = 30 Apr, + 7), deferred at panel: in Stage 2, 4 whole months.
    assert figures["stage_2"]["buckets"] == {"<4 months": 0, "4-8 months": 1, "8-12 months": 0, ">12 months": 0}


def test_the_fostering_return_counts_one_approval_for_two_placements(histories):
    mainstream = fostering_return.compute(YEAR).figures["fostering_mainstream"]
    # H3: applied (ROI) 25 October 2027, before the year; approved 1 June 2028; its placements and the hold after
    # approval are neither approvals nor applications in progress.
    assert (mainstream["applications_received"], mainstream["approvals"], mainstream["in_progress_at_end"],
            mainstream["withdrawals"]["total"]) == (0, 1, 0, 0)


def test_activity_counts_each_panel_presentation(histories):
    figures = activity.compute(YEAR).figures
    assert (figures["panel_presentations"], figures["panel_deferrals"], figures["approvals"]["total"]) == (5, 1, 4)


def test_conversion_counts_both_presentations_in_the_period_and_the_household_once_in_its_cohort(app_context,
                                                                                                 officer):
    # H6 adoption: first enquiry 1 May 2028, initial visit 15 May, ROI 1 June, Stage 1 8 June, completed 8 August,
    # Stage 2 15 August, panel 1 November (deferred), presented again 6 December, approved 13 December.
    journey(officer, (Stage.ENQUIRY, date(2028, 5, 1)), (Stage.INITIAL_VISIT, date(2028, 5, 15)),
            (Stage.REGISTRATION_OF_INTEREST, date(2028, 6, 1)), (Stage.STAGE_1, date(2028, 6, 8)),
            (Stage.STAGE_1_COMPLETED, date(2028, 8, 8)), (Stage.STAGE_2, date(2028, 8, 15)),
            (Stage.PANEL, date(2028, 11, 1)), ("deferred", date(2028, 11, 1)), (Stage.PANEL, date(2028, 12, 6)),
            (Stage.APPROVED, date(2028, 12, 13)), household=HouseholdFactory(first_enquiry_on=date(2028, 5, 1)))
    figures = conversion.compute(ReportParams(date(2028, 4, 1), date(2029, 3, 31), at=date(2029, 3, 31))).figures
    # Period: 2 panel presentations (events), 1 approval: 1 of the 2 presentations' step (no contact was logged,
    # the application being opened directly, so there is no rate over enquiries).
    assert figures["period"]["panel_presentations"]["count"] == 2
    assert figures["period"]["approvals"] == {"count": 1, "conversion_from_enquiries": None,
                                              "conversion_from_step_before": 0.5}
    # Cohort May 2028: the household reached panel once, on its first presentation, 184 days after 1 May;
    # approval 226 days after.
    may = figures["cohorts"]["groups"]["2028-05"]["stages"]
    assert may["panel"] == {"reached": 1, "share": 1.0, "median_days": 184.0}
    assert may["approved"] == {"reached": 1, "share": 1.0, "median_days": 226.0}
