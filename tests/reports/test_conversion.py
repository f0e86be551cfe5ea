"""Conversion: golden period and cohort figures worked out by hand, splits, tables, charts and drill-down.

Most tests use the activity report's history (tests/reports/test_activity.py, whose docstring tells it in full).
What cohort conversion reads from it, for the financial year 2025-26 as at 30 June 2026:

- A (adoption) first enquiry 10 Apr 2025: information event 20 Apr (10 days), initial visit 10 May (30), ROI 1 Jun
  (52), Stage 1 15 Jun (66), Stage 1 completed 1 Oct (174), Stage 2 20 Oct (193), panel 10 Mar 2026 (334),
  approved 31 Mar 2026 (355).
- C (fast track) first enquiry 1 Apr 2025 (its contact at 23:30 UTC on 31 March was 1 April in London): initial
  visit and ROI 1 Apr (0), Stage 2 1 May (30) with no Stage 1, panel 1 Sep (153), approved 15 Sep (167).
- E first enquiry 5 Apr 2025: initial visit 5 May (30); ROI 5 Jun UNDONE, recorded again 1 Apr 2026 (361 days:
  counted as at 30 June 2026, not as at 31 March 2026).
- B first enquiry 1 Jul 2025, adoption AND fostering: one consultation 15 Jul moves both (14), initial visits 1 Aug
  in both (31), ROI in fostering only 20 Aug (50); adoption withdrawn.
- F first enquiry 3 Nov 2025: on hold, withdrawn before any stage.
- D's first enquiry is 1 Apr 2026 (23:30 UTC on 31 March 2026) and G's Nov 2024: in no cohort of the year.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.funnel.stages import Stage
from crm.households.models import Application, Household, Person
from crm.reports import registry
from crm.reports.base import ReportParams, Split
from crm.reports.families import activity, conversion
from tests.factories import HouseholdFactory, UserFactory
from tests.queues.helpers import StatementCounter
from tests.reports.histories import journey
from tests.reports.test_activity import History, utc

AS_AT = date(2026, 6, 30)
YEAR = ReportParams(date(2025, 4, 1), date(2026, 3, 31), at=AS_AT)
STAGES = ("information_event", "initial_visit", "registration_of_interest", "stage_1", "stage_1_completed",
          "stage_2", "panel", "approved")


def params(by=None, **changes) -> ReportParams:
    return ReportParams(**{"date_from": YEAR.date_from, "date_to": YEAR.date_to, "at": AS_AT, "by": by, **changes})


def cohort(households: int, **reached) -> dict:
    """A cohort's figures: `stage=(reached, median_days)`; share worked out here as reached / households."""
    stages = {}
    for stage in STAGES:
        n, median = reached.get(stage, (0, None))
        stages[stage] = {"reached": n, "share": round(n / households, 4) if households else None, "median_days": median}
    return {"households": households, "stages": stages}


def steps(counts: list[int], from_enquiries: list, from_step_before: list) -> dict:
    return {step: {"count": n, "conversion_from_enquiries": e, "conversion_from_step_before": b}
            for step, n, e, b in zip(conversion.STEPS, counts, from_enquiries, from_step_before, strict=True)}


def counts(period: dict) -> list[int]:
    return [figures["count"] for figures in period.values()]


@pytest.fixture
def history(app_context, db_session):
    return History(db_session).build()


def household_id(db_session, surname: str) -> int:
    return db_session.scalar(select(Person.household_id).where(Person.last_name == surname))


# Period conversion.

def test_period_conversion_counts_are_the_activity_report_s_with_two_rates_per_step(history):
    figures = conversion.compute(YEAR).figures
    # households enquiring A B C E F; information event A B; visits A, B twice, C, E; ROIs A, B fostering, C;
    # Stage 1 A; completed A; Stage 2 A, C (fast track, from ROI), G; panel A C G; approvals A C
    assert figures["period"] == steps(
        [5, 2, 5, 3, 1, 1, 3, 3, 2],
        [1.0, 0.4, 1.0, 0.6, 0.2, 0.2, 0.6, 0.6, 0.4],
        # 2/5, 5/2 (five visits from two households at events: ratios of flows, not shares), 3/5, 1/3, 1/1,
        # 3/1 (fast track skips Stage 1), 3/3, 2/3
        [None, 0.4, 2.5, 0.6, 0.3333, 1.0, 3.0, 1.0, 0.6667])
    year = activity.compute(YEAR).figures
    assert list(figures["period"]) == list(conversion.STEPS)  # in funnel order
    assert counts(figures["period"]) == [
        year["enquiry_households"], year["information_event_households"], year["initial_visits"],
        year["registrations_of_interest"], year["stage_1_starts"], year["stage_1_completions"],
        year["stage_2_starts"], year["panel_presentations"], year["approvals"]["total"]]


def test_a_period_without_enquiries_gives_no_rates_and_no_division_by_zero(app_context, db_session):
    report = conversion.compute(ReportParams(date(2020, 1, 1), date(2020, 3, 31), at=AS_AT, by=Split.CHANNEL))
    assert report.figures["period"] == steps([0] * 9, [None] * 9, [None] * 9)
    assert report.figures["cohorts"] == {"as_at": "2026-06-30", "grouped_by": "month", "all": cohort(0),
                                         "groups": {"2020-01": cohort(0), "2020-02": cohort(0), "2020-03": cohort(0)}}
    assert report.splits == {}
    assert len(conversion.charts(report)) == 1  # the funnel; no cohort had anyone to chart
    assert conversion.drill_lines(report.params).empty


def test_rates_over_a_step_of_zero_are_none_not_zero(history):
    # April-June 2025 (calendar Q2): no Stage 1 completion, so Stage 2 starts have no step before to be a share of
    q2 = conversion.compute(params(date_from=date(2025, 4, 1), date_to=date(2025, 6, 30))).figures["period"]
    assert q2["stage_1_completions"] == {"count": 0, "conversion_from_enquiries": 0.0,
                                         "conversion_from_step_before": 0.0}  # 0 of A's one Stage 1 start
    assert q2["stage_2_starts"] == {"count": 2,  # G, C
                                    "conversion_from_enquiries": 0.6667,  # over the 3 households enquiring (A C E)
                                    "conversion_from_step_before": None}


# Cohort conversion.

APRIL = cohort(3, information_event=(1, 10.0), initial_visit=(3, 30.0), registration_of_interest=(3, 52.0),
               stage_1=(1, 66.0), stage_1_completed=(1, 174.0), stage_2=(2, 111.5), panel=(2, 243.5),
               approved=(2, 261.0))  # A C E; even counts: (193 + 30) / 2, (334 + 153) / 2, (355 + 167) / 2
JULY = cohort(1, information_event=(1, 14.0), initial_visit=(1, 31.0), registration_of_interest=(1, 50.0))  # B
NOVEMBER = cohort(1)  # F, withdrawn before ROI: a household that reached nothing


def test_cohorts_by_month_of_first_enquiry(history):
    cohorts = conversion.compute(YEAR).figures["cohorts"]
    assert cohorts["as_at"] == "2026-06-30" and cohorts["grouped_by"] == "month"
    assert list(cohorts["groups"]) == ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10",
                                       "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    empty = {key: cohort(0) for key in cohorts["groups"] if key not in ("2025-04", "2025-07", "2025-11")}
    assert cohorts["groups"] == {**empty, "2025-04": APRIL, "2025-07": JULY, "2025-11": NOVEMBER}
    # B's two applications: one household in July, its two initial visits one household reaching the stage
    # C is fast track: it reached Stage 2 (counted there) without Stage 1 (not counted there)
    assert cohorts["all"] == cohort(5, information_event=(2, 12.0), initial_visit=(4, 30.0),
                                    registration_of_interest=(4, 51.0),  # median of 0, 50, 52, 361
                                    stage_1=(1, 66.0), stage_1_completed=(1, 174.0), stage_2=(2, 111.5),
                                    panel=(2, 243.5), approved=(2, 261.0))


def test_events_count_up_to_the_as_at_date_and_undone_ones_never(history):
    at_year_end = conversion.compute(params(at=date(2026, 3, 31))).figures["cohorts"]
    # E's undone ROI of 5 June 2025 never counts; its ROI of 1 April 2026 is after the as-at date: A and C only
    assert at_year_end["as_at"] == "2026-03-31"
    assert at_year_end["groups"]["2025-04"]["stages"]["registration_of_interest"] == {
        "reached": 2, "share": 0.6667, "median_days": 26.0}  # (0 + 52) / 2
    # with no `at`, the period's end when it has passed; today while it runs: everything recorded (the history is
    # all before today)
    assert conversion.compute(params(at=None)).figures["cohorts"] == at_year_end
    running = ReportParams(YEAR.date_from, clock.today() + timedelta(days=1))
    assert conversion.compute(running).figures["cohorts"]["groups"]["2025-04"] == APRIL


@pytest.fixture
def edges(app_context, db_session):
    """Households whose first enquiries fall at month edges (London dates):
    jan31 12:00 UTC 31 Jan 2025; late 23:30 UTC 31 Jan (winter: London is UTC, still January); feb1 00:30 UTC 1 Feb;
    summer 23:30 UTC 31 Mar 2025 (London 00:30 on 1 April: summer time began 30 March);
    backdated first logged 3 Feb, then an older contact of 20 Jan logged on it (the household keeps
    first_enquiry_on 3 Feb: the earlier contact wins), initial visit 10 Feb, ROI 19 Feb 2025 (30 days from 20 Jan);
    no_contact has no contact at all: first_enquiry_on 28 Feb 2025, initial visit 10 Mar (10 days)."""
    h = History(db_session)
    for surname, received in (("Jan31", utc(2025, 1, 31, 12)), ("Late", utc(2025, 1, 31, 23, 30)),
                              ("Feb1", utc(2025, 2, 1, 0, 30)), ("Summer", utc(2025, 3, 31, 23, 30))):
        h.enquire(surname, ["adoption"], received)
    backdated = h.enquire("Backdated", ["adoption"], utc(2025, 2, 3, 10))
    h.enquire("Backdated", ["adoption"], utc(2025, 1, 20, 10), household=backdated)
    h.move(h.application(backdated), (Stage.INITIAL_VISIT, date(2025, 2, 10)),
           (Stage.REGISTRATION_OF_INTEREST, date(2025, 2, 19)))
    no_contact = HouseholdFactory(first_enquiry_on=date(2025, 2, 28))
    journey(h.officer, (Stage.ENQUIRY, date(2025, 2, 28)), (Stage.INITIAL_VISIT, date(2025, 3, 10)),
            household=no_contact)
    db_session.flush()
    assert backdated.first_enquiry_on == date(2025, 2, 3)
    return h


def test_cohorts_at_month_edges_go_by_the_london_date_of_the_first_enquiry(edges):
    cohorts = conversion.compute(ReportParams(date(2025, 1, 1), date(2025, 4, 30), at=AS_AT)).figures["cohorts"]
    assert cohorts["groups"] == {
        "2025-01": cohort(3, initial_visit=(1, 21.0), registration_of_interest=(1, 30.0)),  # jan31, late, backdated
        "2025-02": cohort(2, initial_visit=(1, 10.0)),  # feb1, no_contact
        "2025-03": cohort(0),
        "2025-04": cohort(1),  # summer
    }
    february = conversion.compute(ReportParams(date(2025, 2, 1), date(2025, 3, 31), at=AS_AT)).figures["cohorts"]
    assert february["all"]["households"] == 2  # backdated's first enquiry is in January, before this period
    april = conversion.compute(ReportParams(date(2025, 4, 1), date(2025, 4, 1), at=AS_AT)).figures["cohorts"]
    assert april["groups"] == {"2025-04": cohort(1)}  # a one-day period: summer's 1 April


# Splits.

def test_split_by_service_line_counts_a_household_in_each_line_with_that_line_s_events(history):
    report = conversion.compute(params(Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "fostering_mainstream"]
    adoption, fostering = report.splits["adoption"]["cohorts"], report.splits["fostering_mainstream"]["cohorts"]
    assert adoption["groups"]["2025-04"] == APRIL
    # B: the consultation and visits moved both lines; only fostering had a registration of interest
    assert adoption["groups"]["2025-07"] == cohort(1, information_event=(1, 14.0), initial_visit=(1, 31.0))
    assert fostering["groups"]["2025-07"] == JULY
    assert fostering["all"]["households"] == 1 and adoption["all"]["households"] == 5  # A C E B F; B in both
    # period: as the activity report splits it (every contact of the year was about adoption)
    fostering_period = report.splits["fostering_mainstream"]["period"]
    assert counts(fostering_period) == [1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert fostering_period["registrations_of_interest"]["conversion_from_enquiries"] == 1.0


def test_split_by_channel_team_and_authority(history):
    by_channel = conversion.compute(params(Split.CHANNEL)).splits
    assert list(by_channel) == ["digital", "radio", "word of mouth"]
    # cohorts by the household's first contact's channel: A E radio, B digital, C F word of mouth
    assert by_channel["radio"]["cohorts"]["all"] == cohort(
        2, information_event=(1, 10.0), initial_visit=(2, 30.0), registration_of_interest=(2, 206.5),  # (52+361)/2
        stage_1=(1, 66.0), stage_1_completed=(1, 174.0), stage_2=(1, 193.0), panel=(1, 334.0), approved=(1, 355.0))
    assert by_channel["word of mouth"]["cohorts"]["groups"]["2025-11"] == NOVEMBER  # F
    assert by_channel["digital"]["cohorts"]["groups"]["2025-07"] == JULY  # B
    by_team = conversion.compute(params(Split.TEAM)).splits
    assert list(by_team) == ["North", "Not recorded", "South"]
    assert by_team["Not recorded"]["cohorts"]["all"]["households"] == 1  # C
    assert by_team["Not recorded"]["cohorts"]["all"]["stages"]["stage_2"] == {"reached": 1, "share": 1.0,
                                                                               "median_days": 30.0}
    by_authority = conversion.compute(params(Split.PARTNER_AUTHORITY)).splits
    assert {key: split["cohorts"]["all"]["households"] for key, split in by_authority.items()} == {
        "Bradford Council": 2, "Leeds City Council": 3}  # B F; A C E


def test_split_by_month_gives_each_month_its_own_report(history):
    report = conversion.compute(params(Split.MONTH))
    assert len(report.splits) == 12
    for month, start, end in (("2025-04", date(2025, 4, 1), date(2025, 4, 30)),
                              ("2025-07", date(2025, 7, 1), date(2025, 7, 31)),
                              ("2026-02", date(2026, 2, 1), date(2026, 2, 28))):
        assert report.splits[month] == conversion.compute(params(date_from=start, date_to=end)).figures
    assert report.splits["2025-07"]["cohorts"]["groups"] == {"2025-07": JULY}


def test_split_by_quarter_groups_the_cohorts_by_quarter(history):
    report = conversion.compute(params(Split.QUARTER))
    cohorts = report.figures["cohorts"]
    assert cohorts["grouped_by"] == "quarter"
    assert {key: group["households"] for key, group in cohorts["groups"].items()} == {
        "2025 Q2 (Apr-Jun)": 3, "2025 Q3 (Jul-Sep)": 1, "2025 Q4 (Oct-Dec)": 1, "2026 Q1 (Jan-Mar)": 0}
    assert cohorts["groups"]["2025 Q2 (Apr-Jun)"] == APRIL
    assert list(report.splits["2025 Q3 (Jul-Sep)"]["cohorts"]["groups"]) == ["2025 Q3 (Jul-Sep)"]
    assert report.tables["cohort_conversion"]["cohort"].tolist() == [*cohorts["groups"], "All"]
    assert "cohort_conversion_by_quarter" not in report.tables  # the cohort table is already by quarter


@pytest.mark.parametrize("by", list(Split))
def test_every_split_s_period_counts_are_the_activity_report_s(history, by):
    splits, counted = conversion.compute(params(by)).splits, activity.compute(params(by)).splits
    for key, figures in counted.items():
        assert counts(splits[key]["period"]) == [
            figures[k]["total"] if k == "approvals" else figures[k] for k in conversion.STEPS]


def test_a_split_the_report_cannot_make_is_refused_clearly(app_context, db_session):
    with pytest.raises(ValueError, match="cannot be split by 'weekday': choose one of month, quarter, service line"):
        conversion.compute(params("weekday"))
    with pytest.raises(ValueError, match="cannot be split"):
        conversion.drill_lines(params("weekday"))


# Tables, charts, the page.

def test_the_tables_hold_the_figures(history):
    report = conversion.compute(params(Split.SERVICE_LINE))
    period = report.tables["period_conversion"]
    assert list(period.columns) == ["measure", "step", "count", "conversion_from_enquiries",
                                    "conversion_from_step_before"]
    assert period.iloc[3].tolist() == ["period.registrations_of_interest", "Registrations of interest", 3, 0.6, 0.6]
    cohorts = report.tables["cohort_conversion"]
    assert list(cohorts.columns[:5]) == ["cohort", "households", "Information event: reached",
                                         "Information event: share", "Information event: median days"]
    assert len(cohorts.columns) == 2 + 3 * 8 and len(cohorts) == 12 + 1
    all_row = cohorts.iloc[-1]
    assert (all_row["cohort"], all_row["households"], all_row["ROI: reached"], all_row["ROI: share"],
            all_row["ROI: median days"], all_row["Stage 2: median days"]) == ("All", 5, 4, 0.8, 51.0, 111.5)
    by_line = report.tables["period_conversion_by_service_line"]
    assert by_line.columns[0] == "service_line" and len(by_line) == 2 * 9
    cohort_by_line = report.tables["cohort_conversion_by_service_line"]
    assert len(cohort_by_line) == 2 * 13
    july_fostering = cohort_by_line[(cohort_by_line["service_line"] == "fostering_mainstream")
                                    & (cohort_by_line["cohort"] == "2025-07")].iloc[0]
    assert (july_fostering["households"], july_fostering["ROI: reached"], july_fostering["ROI: median days"]) == (1, 1, 50.0)


def test_the_charts_are_a_funnel_with_drop_off_and_the_cohorts_roi_shares(history):
    (funnel_caption, funnel), (cohort_caption, columns) = conversion.charts(conversion.compute(YEAR))
    assert "each step" in funnel_caption and "<svg" in funnel
    assert "(250% of the step before)" in funnel and "(60% of the step before)" in funnel  # visits; ROIs
    assert "first enquiry was in each month" in cohort_caption
    assert ">100<" in columns and ">0<" in columns and ">2025-05<" not in columns  # April, July; November; no one


def test_the_page_and_the_json_download(client, auth, services_as, db_session):
    services_as(lambda: History(db_session).build())
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get("/reports/conversion?date_from=2025-04-01&date_to=2026-03-31&by=service_line")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Conversion in the period" in html and "Cohort conversion" in html
    body = client.get("/reports/conversion/export.json?date_from=2025-04-01&date_to=2026-03-31").get_json()
    assert body["report"] == "conversion" and body["figures"]["period"]["registrations_of_interest"]["count"] == 3
    assert registry.family("conversion") is conversion


# Drill-down.

@pytest.mark.parametrize("by", [None, *Split])
def test_the_lines_behind_each_count_number_exactly_that_count(history, by):
    report = conversion.compute(params(by))
    lines = conversion.drill_lines(report.params).astype({"household_id": str, "application_id": str})
    cells = conversion.drill(report)
    expected = sum(len(t) * (1 if name.startswith("period") else 9) for name, t in report.tables.items())
    assert len(cells) == expected  # every count cell has its households
    for (table, position, column), selector in cells.items():
        chosen = lines
        for key, value in selector.items():
            chosen = chosen[chosen[key].astype(str) == value]
        assert len(chosen) == report.tables[table].iloc[position][column], (table, position, column, selector)


def test_the_lines_name_the_households_and_applications_counted(history, db_session):
    lines = conversion.drill_lines(YEAR)
    rois = lines[(lines["section"] == "period") & (lines["step"] == "registrations_of_interest")]
    ada, bea = (household_id(db_session, name) for name in ("Adams", "Brown"))
    cai = db_session.scalar(select(Application.household_id).where(Application.fast_track.is_(True)))  # unnamed
    assert sorted(rois["household_id"]) == sorted([ada, bea, cai])
    fostering = db_session.get(Household, bea).applications[1]
    assert fostering.service_line_code == "fostering_mainstream"
    assert rois.loc[rois["household_id"] == bea, "application_id"].tolist() == [fostering.id]
    july = lines[(lines["section"] == "cohort") & (lines["cohort"] == "2025-07")]
    assert july["household_id"].tolist() == [bea] * 4  # the household, information event, visit, ROI
    roi = july[july["step"] == "registration_of_interest"].iloc[0]
    # households are what cohorts count (no application), with the line that reached the stage
    assert (roi["days"], roi["service_line"], roi["application_id"]) == (50, "fostering_mainstream", None)


def test_a_count_s_link_lists_its_households(client, auth, services_as, db_session):
    services_as(lambda: History(db_session).build())
    auth.login(UserFactory(roles=[Role.MANAGER]))
    year = "date_from=2025-04-01&date_to=2026-03-31&at=2026-06-30"
    page = client.get(f"/reports/conversion?{year}").get_data(as_text=True)
    roi_link = (f"/reports/conversion/households?{year.replace('&', '&amp;')}&amp;scope=total&amp;section=period"
                "&amp;step=registrations_of_interest")
    assert roi_link in page
    listed = client.get(roi_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "3 applications" in listed  # A, B fostering, C
    july = client.get(f"/reports/conversion/households?{year}&scope=total&section=cohort&cohort=2025-07"
                      "&step=registration_of_interest").get_data(as_text=True)
    assert "1 household," in july and "Days from the first enquiry" in july and ">50<" in july


def test_a_fixed_number_of_queries_whatever_the_number_of_households(app, history, db_session):
    with StatementCounter(app) as counter:
        conversion.compute(YEAR)
    assert counter.count == 3  # activity's contacts and events, and the cohorts
    for surname in ("More", "Still more"):
        household = history.enquire(surname, ["adoption"], utc(2025, 5, 1, 12))
        journey(history.officer, (Stage.ENQUIRY, date(2025, 5, 1)), (Stage.INITIAL_VISIT, date(2025, 5, 2)),
                line="fostering_mainstream", household=household)
    db_session.flush()
    with StatementCounter(app) as counter:
        conversion.compute(params(Split.SERVICE_LINE))
    assert counter.count == 4  # and activity's contacts per service line
