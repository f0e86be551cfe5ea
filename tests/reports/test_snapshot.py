"""Snapshot report: the pipeline as it stood at a date, golden figures worked out by hand (SPEC section 5)."""
from __future__ import annotations

from datetime import date

import pytest

from crm.auth.roles import Role
from crm.funnel.stages import Stage
from crm.reports.base import ReportParams, Split
from crm.reports.families import snapshot
from tests.factories import HouseholdFactory, UserFactory
from tests.reports.histories import approval, journey, lead_in, to_stage_1

END_OF_JUNE = ReportParams(date(2028, 4, 1), date(2028, 6, 30), at=date(2028, 6, 30))
END_OF_JULY = ReportParams(date(2028, 4, 1), date(2028, 12, 31), at=date(2028, 7, 31))


@pytest.fixture
def officer(db_session):
    """Records every event; a manager, so that it may also undo one."""
    return UserFactory(roles=[Role.MANAGER])


def in_stage_2(officer, stage_1: date, completed: date, stage_2: date, *more, **options):
    return journey(officer, *to_stage_1(stage_1), (Stage.STAGE_1_COMPLETED, completed), (Stage.STAGE_2, stage_2),
                   *more, **options)


@pytest.fixture
def pipeline(app_context, officer):
    """The histories; each comment gives where the application stands at 30 June 2028, and how long for."""
    # S1: Stage 1 from 1 May: 1 whole month, "<2 months".
    journey(officer, *to_stage_1(date(2028, 5, 1)))
    # S2: Stage 1 from 30 April: 30 April + 2 months = 30 June, exactly 2 months: ">=2 months".
    journey(officer, *to_stage_1(date(2028, 4, 30)))
    # S3: Stage 1 from 1 March, withdrawn 15 July, after the snapshot: still in Stage 1 at 30 June, 3 months.
    journey(officer, *to_stage_1(date(2028, 3, 1)), ("withdraw", date(2028, 7, 15)))
    # S4: Stage 1 from 1 March, withdrawn 15 June, before the snapshot: not in it.
    journey(officer, *to_stage_1(date(2028, 3, 1)), ("withdraw", date(2028, 6, 15)))
    # S5: Stage 1 from 1 June, on hold since 10 June: on hold (in Stage 1), not in the Stage 1 total.
    journey(officer, *to_stage_1(date(2028, 6, 1)), ("hold", date(2028, 6, 10)))
    # S6: Stage 1 from 1 June, on hold 5 June, resumed 20 June: Stage 1, "<2 months".
    journey(officer, *to_stage_1(date(2028, 6, 1)), ("hold", date(2028, 6, 5)), ("resume", date(2028, 6, 20)))
    # S7: Stage 2 from 1 February, on hold since 1 May: on hold (in Stage 2).
    in_stage_2(officer, date(2027, 10, 1), date(2027, 12, 1), date(2028, 2, 1), ("hold", date(2028, 5, 1)))
    # S8: Stage 1 completed 1 June: between Stage 1 and Stage 2.
    journey(officer, *to_stage_1(date(2028, 4, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 6, 1)))
    # S9: Stage 2 from 31 October 2027, at panel since 1 June: still Stage 2, timed from 31 October; + 8 months
    #     = 30 June 2028 (clipped), exactly 8 months: "8-12 months".
    in_stage_2(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 10, 31), (Stage.PANEL, date(2028, 6, 1)))
    # S10: Stage 2 from 1 June 2027: 12 months and 29 days, ">12 months".
    in_stage_2(officer, date(2027, 2, 1), date(2027, 4, 1), date(2027, 6, 1))
    # S11: approved 30 March: exactly 3 months waiting, "3-6 months".
    in_stage_2(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 11, 1), *approval(date(2028, 3, 30)))
    # S12: approved 1 January, matched 1 May: no longer waiting.
    in_stage_2(officer, date(2027, 5, 1), date(2027, 7, 1), date(2027, 8, 1), *approval(date(2028, 1, 1)),
               ("found", date(2028, 5, 1)))
    # S13: approved 1 January, matched 1 August, after the snapshot: waiting 5 months, "3-6 months".
    in_stage_2(officer, date(2027, 5, 1), date(2027, 7, 1), date(2027, 8, 1), *approval(date(2028, 1, 1)),
               ("found", date(2028, 8, 1)))
    # S14: not approved 1 May: not in the snapshot.
    in_stage_2(officer, date(2027, 5, 1), date(2027, 7, 1), date(2027, 8, 1), (Stage.PANEL, date(2028, 4, 20)),
               ("not_approved", date(2028, 5, 1)))
    # S15: Stage 1 from 1 June; its completion on 10 June was undone: Stage 1, "<2 months".
    journey(officer, *to_stage_1(date(2028, 6, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 6, 10)), ("undo",))
    # S16: Stage 1 from 20 May, completed 1 July (after the snapshot): Stage 1 at 30 June, "<2 months".
    journey(officer, *to_stage_1(date(2028, 5, 20)), (Stage.STAGE_1_COMPLETED, date(2028, 7, 1)))
    # S17: an enquiry on hold: before Stage 1, not in the snapshot.
    journey(officer, (Stage.ENQUIRY, date(2028, 6, 1)), ("hold", date(2028, 6, 2)))
    # S18: approved 1 June 2027: waiting 12 months and 29 days, ">12 months".
    in_stage_2(officer, date(2026, 9, 1), date(2026, 11, 1), date(2026, 12, 1), *approval(date(2027, 6, 1)))
    # H: one household in two service lines: adoption Stage 1 from 15 June ("<2 months"), and mainstream
    #    fostering Stage 2 from 1 January: 5 whole months, "4-8 months".
    household = HouseholdFactory()
    journey(officer, *to_stage_1(date(2028, 6, 15)), household=household)
    in_stage_2(officer, date(2027, 10, 1), date(2027, 12, 1), date(2028, 1, 1), household=household,
               line="fostering_mainstream")
    # S19: an enquiry from 1 June, active: in the snapshot, at enquiry.
    journey(officer, (Stage.ENQUIRY, date(2028, 6, 1)))
    # S20: enquiry 21 May, initial visit 31 May, ROI 10 June: at registration of interest.
    journey(officer, *lead_in(date(2028, 6, 10)))
    # S21: approved 1 April, on hold since 1 May: approved and waiting (2 whole months, "<3 months"), on hold.
    in_stage_2(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 11, 1), *approval(date(2028, 4, 1)),
               ("hold", date(2028, 5, 1)))
    # S22: approved 1 April, on hold 1 May, resumed 1 June: approved and waiting, "<3 months", not on hold.
    in_stage_2(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 11, 1), *approval(date(2028, 4, 1)),
               ("hold", date(2028, 5, 1)), ("resume", date(2028, 6, 1)))
    # S23: mainstream fostering approved 1 February, placed 1 March and again 1 May: the first placement ended
    #      the wait, the second changes nothing: not in the snapshot.
    in_stage_2(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 11, 1), *approval(date(2028, 2, 1)),
               ("found", date(2028, 3, 1)), ("found", date(2028, 5, 1)), line="fostering_mainstream")
    # S24: approved 1 February, on hold 1 March, resumed 1 April, matched 1 July (after 30 June): waiting at
    #      30 June, 4 months ("3-6 months"), not on hold; gone by 31 July.
    in_stage_2(officer, date(2027, 8, 1), date(2027, 10, 1), date(2027, 11, 1), *approval(date(2028, 2, 1)),
               ("hold", date(2028, 3, 1)), ("resume", date(2028, 4, 1)), ("found", date(2028, 7, 1)))


def test_snapshot_at_the_end_of_june(pipeline):
    # The snapshot date defaults to the end of the period.
    assert snapshot.compute(END_OF_JUNE).figures == {
        "enquiry": {"total": 1},  # S19 (S17 is on hold)
        "information_event": {"total": 0},
        "initial_visit": {"total": 0},
        "registration_of_interest": {"total": 1},  # S20
        # S1, S6, S15, S16 and H's adoption under 2 months; S2 and S3 2 months or more.
        "stage_1": {"total": 7, "buckets": {"<2 months": 5, ">=2 months": 2}},
        # H's fostering 4-8, S9 8-12, S10 over 12.
        "stage_2": {"total": 3, "buckets": {"<4 months": 0, "4-8 months": 1, "8-12 months": 1, ">12 months": 1}},
        "between_stages": {"total": 1},  # S8
        # S17 (an enquiry), S5, S7.
        "on_hold": {"total": 3, "by_stage": {"enquiry": 1, "information_event": 0, "initial_visit": 0,
                                             "registration_of_interest": 0, "stage_1": 1, "between_stages": 0,
                                             "stage_2": 1}},
        # S21 and S22 under 3 months; S11, S13 and S24 3-6 months, S18 over 12; S21 on hold, counted in and apart.
        "approved_waiting": {"total": 6, "on_hold": 1,
                             "buckets": {"<3 months": 2, "3-6 months": 3, "6-9 months": 0, "9-12 months": 0,
                                         ">12 months": 1}},
    }


def test_snapshot_at_the_end_of_july(pipeline):
    figures = snapshot.compute(END_OF_JULY).figures
    # S3 withdrew on 15 July and S16 completed Stage 1 on 1 July; S1 (1 May) has now passed 2 months.
    # Under 2 months: S6, S15, H's adoption; 2 or more: S1, S2.
    assert figures["stage_1"] == {"total": 5, "buckets": {"<2 months": 3, ">=2 months": 2}}
    assert figures["between_stages"] == {"total": 2}  # S8, S16
    # S24 was matched on 1 July. S11 4 months, S21 and S22 3 months 30 days (3-6), S13 6 months (6-9: matched only
    # on 1 August), S18 over 12; S21 still on hold.
    assert figures["approved_waiting"] == {"total": 5, "on_hold": 1,
                                           "buckets": {"<3 months": 0, "3-6 months": 3, "6-9 months": 1,
                                                       "9-12 months": 0, ">12 months": 1}}
    # H's fostering now 6 months (4-8), S9 9 months (8-12), S10 over 12.
    assert figures["stage_2"]["buckets"] == {"<4 months": 0, "4-8 months": 1, "8-12 months": 1, ">12 months": 1}


def test_split_by_service_line_and_the_tables(pipeline):
    report = snapshot.compute(ReportParams(END_OF_JUNE.date_from, END_OF_JUNE.date_to, at=END_OF_JUNE.at,
                                           by=Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "fostering_mainstream"]
    adoption, fostering = report.splits["adoption"], report.splits["fostering_mainstream"]
    assert (adoption["stage_1"]["total"], adoption["stage_2"]["total"]) == (7, 2)
    assert fostering["stage_1"] == {"total": 0, "buckets": {"<2 months": 0, ">=2 months": 0}}
    assert fostering["stage_2"] == {"total": 1, "buckets": {"<4 months": 0, "4-8 months": 1, "8-12 months": 0,
                                                            ">12 months": 0}}
    assert report.as_json()["by"] == "service_line"
    assert report.tables["snapshot"]["applications"].to_dict() == {
        "Enquiry": 1, "Information event": 0, "Initial visit": 0, "Registration of interest": 1, "Stage 1": 7,
        "Stage 2": 3, "Between Stage 1 and Stage 2": 1, "On hold": 3, "Approved and waiting": 6,
        "Approved and waiting: on hold": 1}
    assert report.tables["approved_waiting"]["applications"].to_dict()["3-6 months"] == 3
    # S23's two placements: mainstream fostering has nothing approved and waiting.
    assert fostering["approved_waiting"]["total"] == 0 and adoption["approved_waiting"]["on_hold"] == 1


def test_lines_behind_the_counts(pipeline):
    lines = snapshot.lines(END_OF_JUNE)
    assert lines["category"].value_counts().to_dict() == {"stage_1": 7, "approved_waiting": 6, "stage_2": 3,
                                                           "on_hold": 3, "between_stages": 1, "enquiry": 1,
                                                           "registration_of_interest": 1}
    on_hold = lines[lines["category"] == "on_hold"].sort_values("held_in")
    assert list(on_hold["held_in"]) == ["enquiry", "stage_1", "stage_2"]
    held = lines[lines["held"] == "yes"]  # S21
    assert (list(held["category"]), list(held["since"].astype(str))) == (["approved_waiting"], ["2028-04-01"])
    panel = lines[lines["since"] == "2027-10-31"]  # S9, timed from its Stage 2 start, not from panel
    assert list(panel["months"]) == [8] and list(panel["bucket"]) == ["8-12 months"]


def test_month_and_quarter_splits_are_refused(app_context):
    for by in (Split.MONTH, Split.QUARTER):
        with pytest.raises(ValueError, match="cannot be split by month or quarter"):
            snapshot.compute(ReportParams(date(2028, 4, 1), date(2028, 6, 30), by=by))


def test_an_empty_snapshot(app_context, officer):
    journey(officer, *to_stage_1(date(2028, 6, 1)))  # after the snapshot date: not there yet
    report = snapshot.compute(ReportParams(date(2028, 4, 1), date(2028, 6, 30), at=date(2028, 4, 30),
                                           by=Split.TEAM))
    assert report.figures == {
        **{early: {"total": 0} for early in ("enquiry", "information_event", "initial_visit",
                                             "registration_of_interest")},
        "stage_1": {"total": 0, "buckets": {"<2 months": 0, ">=2 months": 0}},
        "stage_2": {"total": 0, "buckets": {"<4 months": 0, "4-8 months": 0, "8-12 months": 0, ">12 months": 0}},
        "between_stages": {"total": 0},
        "on_hold": {"total": 0, "by_stage": {"enquiry": 0, "information_event": 0, "initial_visit": 0,
                                             "registration_of_interest": 0, "stage_1": 0, "between_stages": 0,
                                             "stage_2": 0}},
        "approved_waiting": {"total": 0, "on_hold": 0, "buckets": {"<3 months": 0, "3-6 months": 0,
                                                                   "6-9 months": 0, "9-12 months": 0,
                                                                   ">12 months": 0}},
    }
    assert report.splits == {} and report.as_json()["at"] == "2028-04-30"
