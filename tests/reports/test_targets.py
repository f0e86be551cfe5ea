"""Targets report: actuals, straight-line expectation and the pipeline projection, worked out by hand.

The year 2028-29 as at 30 September 2028 (the period's end; "today" is later): 365 days in the year, 183 elapsed
(1 April - 30 September, both included), 182 left. History window: events after 30 September 2025.

Adoption, fast track (ROI straight to Stage 2):
H1 Stage 2 1 Jan 2028, approved 15 Jun 2028 (166 days)     H2 Stage 2 1 Feb 2028, approved 30 Sep 2028 (242 days)
H3 Stage 2 1 Dec 2027, withdrawn 10 Dec 2027 (9 days)      H5 Stage 2 1 Mar 2028, approved 1 Apr 2028 (31 days)
H6 Stage 2 1 Jan 2025, approved 1 Mar 2025: nothing in the three years, not history
H7 Stage 2 1 Jan 2028, approved 15 Jan 2028 (14 days)      X1 Stage 2 since 1 Sep 2028: in the pipeline, 29 days
Y  Stage 2 since 1 Sep 2028, on hold since 10 Sep: not in the pipeline
Adoption:
G1 Stage 1 1 Oct 2027, Stage 2 1 Dec 2027 (61 days), approved 1 May 2028 (213 days after Stage 1, 152 after Stage 2)
G2 Stage 1 1 Nov 2027, withdrawn 1 Mar 2028 (121 days)    G3 Stage 1 since 1 Dec 2027: pipeline, 304 days
X3 Stage 1 since 1 Aug 2028: pipeline, 60 days
Mainstream fostering:
F1 Stage 1 1 Oct 2027, Stage 2 1 Dec 2027, approved 1 May 2028    F2 Stage 2 since 1 Sep 2028: pipeline, 29 days
Enquiries (no application): K1 contacts 10 Apr and 1 May 2028, K2 30 Sep 2028, K3 31 Mar 2028 (before the year).

Approvals, from Stage 2 (X1, t = 29, D = 182): comparable = adoption entered Stage 2 at least 211 days before
30 Sep 2028 and after 30 Sep 2025, not approved or left by day 29: H1 (age 273), H2 (242), H5 (213), G1 (304);
not H3 (left day 9), H7 (approved day 14), H6 (outside the window), X1, Y (29 days ago). Approved within days
30-211: H1 (166), H5 (31), G1 (152), not H2 (242): 3/4 = 0.75.
From Stage 1 (X3, t = 60): entered Stage 1 at least 242 days before: G1 (365), G2 (334), G3 (304); approved by
day 242: G1 (213): 1/3. G3 (t = 304) needs 486 days of follow-up: nobody; 0, without history.
F2 (fostering, t = 29): F1 only (Stage 2 304 days ago, approved day 152): 1/1.
Approvals so far: H1, H2, H5, G1 (adoption) and F1 (fostering) = 5. All lines: 5 + 0.75 + 1/3 + 1 = 7.08 -> 7.
Fostering: 1 + 1 = 2. Adoption: 4 + 1.08 -> 5.
Stage 2 starts so far: X1, Y (adoption), F2 (fostering) = 3; adoption's pipeline (X3: G1 reached Stage 2 on day
61, after day 60 and by day 242; G2, G3 did not: 1/3; G3: 0) = 2 + 0.33 -> 2.
Enquiry households so far: K1, K2 = 2; pace 2 x 365 / 183 = 3.99 -> 4.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.extensions import db
from crm.funnel.stages import Stage
from crm.reports.base import ReportParams, Split
from crm.reports.families import activity, projection, targets
from crm.targets import services as target_services
from tests.factories import HouseholdFactory, UserFactory
from tests.reports.histories import approval, journey, lead_in, to_stage_1

AS_AT = ReportParams(date(2028, 4, 1), date(2028, 9, 30))
YEAR_START = date(2028, 4, 1)


@pytest.fixture(autouse=True)
def later_today(travel):
    travel(date(2030, 1, 1))


def fast_track(officer, stage_2: date, *more):
    """ROI 12 days before Stage 2, which it goes straight to."""
    return journey(officer, *lead_in(stage_2 - timedelta(days=12)), (Stage.STAGE_2, stage_2), *more, fast_track=True)


def contact(household, when: datetime):
    db.session.add(EnquiryContact(household_id=household.id, received_at=when, method=ContactMethod.PHONE))
    db.session.flush()


def build_history():
    """The histories and contacts of the module docstring, and four targets for 2028-29; returns the manager."""
    officer = UserFactory(roles=[Role.MANAGER])
    fast_track(officer, date(2028, 1, 1), *approval(date(2028, 6, 15)))                # H1
    fast_track(officer, date(2028, 2, 1), *approval(date(2028, 9, 30)))                # H2
    fast_track(officer, date(2027, 12, 1), ("withdraw", date(2027, 12, 10)))           # H3
    fast_track(officer, date(2028, 3, 1), *approval(date(2028, 4, 1)))                 # H5
    fast_track(officer, date(2025, 1, 1), *approval(date(2025, 3, 1)))                 # H6
    fast_track(officer, date(2028, 1, 1), *approval(date(2028, 1, 15)))                # H7
    fast_track(officer, date(2028, 9, 1))                                              # X1
    fast_track(officer, date(2028, 9, 1), ("hold", date(2028, 9, 10)))                 # Y
    for line in ("adoption", "fostering_mainstream"):                                  # G1, F1
        journey(officer, *to_stage_1(date(2027, 10, 1)), (Stage.STAGE_1_COMPLETED, date(2027, 11, 1)),
                (Stage.STAGE_2, date(2027, 12, 1)), *approval(date(2028, 5, 1)), line=line)
    journey(officer, *to_stage_1(date(2027, 11, 1)), ("withdraw", date(2028, 3, 1)))   # G2
    journey(officer, *to_stage_1(date(2027, 12, 1)))                                   # G3
    journey(officer, *to_stage_1(date(2028, 8, 1)))                                    # X3
    journey(officer, *to_stage_1(date(2028, 6, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 8, 1)),
            (Stage.STAGE_2, date(2028, 9, 1)), line="fostering_mainstream")            # F2
    k1, k2, k3 = HouseholdFactory(), HouseholdFactory(), HouseholdFactory()
    contact(k1, datetime(2028, 4, 10, 10, tzinfo=timezone.utc))
    contact(k1, datetime(2028, 5, 1, 10, tzinfo=timezone.utc))
    contact(k2, datetime(2028, 9, 30, 10, tzinfo=timezone.utc))
    contact(k3, datetime(2028, 3, 31, 10, tzinfo=timezone.utc))
    for measure, line, value in (("approvals", None, 10), ("approvals", "fostering_mainstream", 3),
                                 ("stage_2_starts", "adoption", 5), ("enquiry_households", None, 50)):
        target_services.set_target(YEAR_START, measure, line, value, actor=officer)
    return officer


@pytest.fixture
def history(app_context):
    return build_history()


def test_the_year_and_each_target_against_actual_expected_and_projection(history):
    figures = targets.compute(AS_AT).figures
    assert {k: figures[k] for k in ("year", "year_start", "year_end", "as_at", "days_in_year", "days_elapsed",
                                    "days_left")} == {
        "year": "2028-29", "year_start": "2028-04-01", "year_end": "2029-03-31", "as_at": "2028-09-30",
        "days_in_year": 365, "days_elapsed": 183, "days_left": 182}
    assert figures["targets"] == {
        "enquiry_households": {"all": {"target": 50, "actual": 2, "percent_of_target": 4.0, "expected_by_now": 25.1,
                                       "projection": 4, "projection_method": "pace so far"}},
        "stage_2_starts": {"adoption": {"target": 5, "actual": 2, "percent_of_target": 40.0, "expected_by_now": 2.5,
                                        "projection": 2, "projection_method": "pipeline"}},
        "approvals": {"all": {"target": 10, "actual": 5, "percent_of_target": 50.0, "expected_by_now": 5.0,
                              "projection": 7, "projection_method": "pipeline"},
                      "fostering_mainstream": {"target": 3, "actual": 1, "percent_of_target": 33.3,
                                               "expected_by_now": 1.5, "projection": 2, "projection_method": "pipeline"}},
    }


def test_the_pipeline_detail_shows_how_each_projection_is_made(history):
    assert targets.compute(AS_AT).figures["pipeline"] == {
        "stage_2_starts": {"adoption": {"stage_1": {"in_stage": 2, "without_history": 1, "expected": 0.3}}},
        "approvals": {"adoption": {"stage_1": {"in_stage": 2, "without_history": 1, "expected": 0.3},
                                   "stage_2": {"in_stage": 1, "without_history": 0, "expected": 0.8}},
                      "fostering_mainstream": {"stage_2": {"in_stage": 1, "without_history": 0, "expected": 1.0}}},
    }


def test_each_application_s_probability_worked_by_hand(history):
    rows = projection.pipeline(date(2028, 9, 30), 182, ["approvals"])
    got = {(r.service_line, r.stage.value, r.days_in_stage): (r.reached, r.comparable) for r in rows.itertuples()}
    assert got == {("adoption", "stage_2", 29): (3, 4), ("adoption", "stage_1", 60): (1, 3),
                   ("adoption", "stage_1", 304): (0, 0), ("fostering_mainstream", "stage_2", 29): (1, 1)}


def test_actuals_are_the_activity_report_s(history):
    done = activity.compute(AS_AT).figures
    got = targets.compute(AS_AT).figures["targets"]
    assert got["approvals"]["all"]["actual"] == done["approvals"]["total"]
    assert got["enquiry_households"]["all"]["actual"] == done["enquiry_households"]


def test_split_by_service_line_shows_each_line_against_its_own_target(history):
    report = targets.compute(ReportParams(AS_AT.date_from, AS_AT.date_to, by=Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "early_permanence", "fostering_connected", "fostering_mainstream"]
    adoption = report.splits["adoption"]["targets"]
    assert list(adoption) == ["enquiry_households", "stage_2_starts", "approvals"]
    approvals = adoption["approvals"]["adoption"]
    assert (approvals["target"], approvals["actual"], approvals["projection"], approvals["percent_of_target"]) == (
        None, 4, 5, None)
    fostering = report.splits["fostering_mainstream"]["targets"]
    assert [(r["target"], r["actual"], r["projection"]) for r in targets.flat(fostering)] == [
        (None, 0, 0), (None, 1, 1), (3, 1, 2)]
    assert report.splits["fostering_mainstream"]["pipeline"] == {
        "approvals": {"fostering_mainstream": {"stage_2": {"in_stage": 1, "without_history": 0, "expected": 1.0}}}}
    assert report.tables["by_service_line"].shape[0] == 12


def test_other_splits_are_refused_with_a_clear_message(app_context):
    with pytest.raises(ValueError, match="split them by service line, or not at all"):
        targets.compute(ReportParams(AS_AT.date_from, AS_AT.date_to, by=Split.MONTH))


def test_the_year_is_the_one_the_period_ends_in(history):
    figures = targets.compute(ReportParams(date(2027, 1, 1), date(2028, 9, 30))).figures
    assert (figures["year"], figures["as_at"]) == ("2028-29", "2028-09-30")


def test_a_finished_year_projects_its_actuals(history):
    report = targets.compute(ReportParams(YEAR_START, date(2029, 3, 31)))
    assert report.figures["days_left"] == 0 and report.figures["pipeline"] == {}
    assert all(r["projection"] == r["actual"] for r in targets.flat(report.figures["targets"])
               if r["projection_method"] == "pipeline")


def test_a_year_not_started_has_no_actuals_and_no_projection(history, travel):
    travel(date(2028, 3, 1))
    rows = targets.flat(targets.compute(ReportParams(YEAR_START, date(2029, 3, 31))).figures["targets"])
    assert [(r["actual"], r["expected_by_now"], r["projection"]) for r in rows] == [(0, 0.0, None)] * 4


def test_tables_hold_the_json_s_figures(history):
    report = targets.compute(AS_AT)
    assert list(report.tables) == ["year", "targets", "projection_from_pipeline"]
    table = report.tables["targets"]
    assert list(table.columns) == ["measure", "label", "applies_to", "target", "actual", "percent_of_target",
                                   "expected_by_now", "projection", "projection_method"]
    assert table.iloc[2][["label", "applies_to", "target", "actual", "projection"]].tolist() == [
        "Approvals", "All service lines", 10, 5, 7]
    assert report.tables["projection_from_pipeline"]["stage"].tolist() == ["Stage 1", "Stage 1", "Stage 2", "Stage 2"]


def test_the_households_behind_each_count_number_exactly_that_count(history):
    for params in (AS_AT, ReportParams(AS_AT.date_from, AS_AT.date_to, by=Split.SERVICE_LINE)):
        report = targets.compute(params)
        lines = targets.drill_lines(params)
        selectors = targets.drill(report)
        assert len(selectors) == 4 + 4 + (12 if params.by else 0)
        for (table, position, column), selector in selectors.items():
            chosen = lines
            for key, value in selector.items():
                chosen = chosen[chosen[key].astype(str) == value]
            assert len(chosen) == report.tables[table].iloc[position][column], (table, position, column, selector)


def test_charts_show_target_expected_actual_and_projection(history):
    shown = targets.charts(targets.compute(AS_AT))
    assert len(shown) == 4
    caption, svg = shown[2]
    assert caption == "Approvals, all service lines: target, actual and projection"
    assert "Projection (pipeline)" in svg and "(50% of the target)" in svg


def test_the_page_its_downloads_and_the_list_behind_a_count(client, auth, db_session, services_as):
    from tests.reports.test_page_matches_exports import as_page, caption, check_json, page_tables, xlsx_tables

    manager = services_as(lambda: build_history())
    auth.login(manager)
    query = "date_from=2028-04-01&date_to=2028-09-30"
    for split in ("", "&by=service_line"):
        page = client.get(f"/reports/targets?{query}{split}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Approvals, all service lines: target, actual and projection" in html and "<svg" in html
        on_page = page_tables(html)
        sheets = xlsx_tables(client.get(f"/reports/targets/export.xlsx?{query}{split}").get_data())
        body = client.get(f"/reports/targets/export.json?{query}{split}").get_json()
        for table, rows in sheets.items():
            assert on_page[caption(table)] == as_page(rows), table
            check_json(body, rows, split.removeprefix("&by=") or None)
    listed = client.get(f"/reports/targets/households?{query}&what=actual&measure=approvals&scope=fostering_mainstream")
    assert listed.status_code == 200 and "1 application" in listed.get_data(as_text=True)
    refused = client.get(f"/reports/targets?{query}&by=month")
    assert refused.status_code == 400 and "split them by service line, or not at all" in refused.get_data(as_text=True)
