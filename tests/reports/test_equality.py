"""Equality monitoring of approvals: golden figures worked out by hand on a small history (SPEC section 5).

The history, for the financial year 2028-29 (1 April 2028 - 31 March 2029):

A  adoption, approved 10 June 2028; "Married". Applicants: P1 White British, born 10 June 1993 (35 on the
   approval day itself: 35-44), Heterosexual, disability "No"; P2 Black Caribbean, born 11 June 1993 (34 the day
   before their birthday: 25-34), sexual orientation not recorded, disability blank (not recorded). A child in the
   household, not an applicant: not counted.
B  fast-track adoption, approved 1 September 2028; no relationship status. One applicant: Asian British, born
   1 September 1963 (65 that day: 65+), "Gay or lesbian", disability "Yes".
C  adoption, withdrawn in Stage 1 (July 2028): no approval. Its applicant (Other) is not counted.
D  adoption, approved 20 March 2028, before the year: not counted.
E  adoption, approved 1 December 2028, the approval UNDONE by a manager: not counted.
F  mainstream fostering, approved 15 January 2029; "Single". One applicant with nothing recorded.

Approvals 3 (A, B, F); applicants 4 (P1, P2, B's, F's). Ethnicity: 1 each of Asian British, Black Caribbean,
White British, Not recorded (25% each). Age bands: 25-34, 35-44, 65+, Not recorded one each. Sexual orientation:
Gay or lesbian 1, Heterosexual 1, Not recorded 2. Disability: No 1, Yes 1, Not recorded 2. Relationship status
(approvals): Married 1, Single 1, Not recorded 1 (33.3% each). First time 2 (66.7%), fast track 1 (33.3%).
"""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from crm.auth.roles import Role
from crm.funnel.stages import Stage
from crm.households.models import PersonRole
from crm.reports import drill
from crm.reports.base import ReportParams, Split
from crm.reports.data.months import as_dates
from crm.reports.families import equality
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.reports.histories import approved, journey, lead_in, to_stage_1

YEAR = ReportParams(date(2028, 4, 1), date(2029, 3, 31))


def adopted(officer, household, on: date, *more, line: str = "adoption"):
    """Stage 1 from five months before the approval `on`, completed, Stage 2, panel and approval."""
    start = date(on.year - 1, on.month, 1)
    return journey(officer, *to_stage_1(start), (Stage.STAGE_1_COMPLETED, date(start.year, start.month, 20)),
                   *approved(date(start.year, start.month, 25), on), *more, household=household, line=line)


def applicant(household, ethnicity=None, born=None, orientation=None, disability=None):
    return PersonFactory(household=household, ethnicity=ethnicity, date_of_birth=born,
                         sexual_orientation=orientation, disability=disability)


def build_history():
    """The households of the module docstring; returns A's reference."""
    officer = UserFactory(roles=[Role.MANAGER])
    a = HouseholdFactory(relationship_status="Married")
    applicant(a, "White British", date(1993, 6, 10), "Heterosexual", "No")
    applicant(a, "Black Caribbean", date(1993, 6, 11), None, "  ")
    PersonFactory(household=a, role=PersonRole.CHILD, ethnicity="White British", date_of_birth=date(2020, 1, 1))
    adopted(officer, a, date(2028, 6, 10))
    b = HouseholdFactory(relationship_status=None)
    applicant(b, "Asian British", date(1963, 9, 1), "Gay or lesbian", "Yes")
    journey(officer, *lead_in(date(2028, 1, 10)), *approved(date(2028, 2, 1), date(2028, 9, 1)), household=b,
            fast_track=True)
    c = HouseholdFactory(relationship_status="Married")
    applicant(c, "Other", date(1980, 1, 1))
    journey(officer, *to_stage_1(date(2028, 5, 1)), ("withdraw", date(2028, 7, 1)), household=c)
    d = HouseholdFactory(relationship_status="Married")
    applicant(d, "Other", date(1980, 1, 1))
    adopted(officer, d, date(2028, 3, 20))
    e = HouseholdFactory(relationship_status="Cohabiting")
    applicant(e, "Other", date(1980, 1, 1))
    adopted(officer, e, date(2028, 12, 1), ("undo",))
    f = HouseholdFactory(relationship_status="Single")
    applicant(f)
    adopted(officer, f, date(2029, 1, 15), line="fostering_mainstream")
    return a.reference


@pytest.fixture
def history(app_context):
    return build_history()


def cells(*pairs) -> dict:
    return {value: {"count": count, "percent": percent} for value, count, percent in pairs}


NO_AGE = {band: {"count": 0, "percent": 0.0} for band in (*equality.AGE_BANDS, "Not recorded")}


def test_the_year_s_equality_figures(history):
    figures = equality.compute(YEAR).figures
    assert figures["approvals"] == 3
    assert figures["applicants"] == 4
    assert figures["ethnicity"] == cells(("Asian British", 1, 25.0), ("Black Caribbean", 1, 25.0),
                                         ("White British", 1, 25.0), ("Not recorded", 1, 25.0))
    assert figures["age_band"] == {**NO_AGE, **cells(("25-34", 1, 25.0), ("35-44", 1, 25.0), ("65+", 1, 25.0),
                                                     ("Not recorded", 1, 25.0))}
    assert list(figures["age_band"]) == [*equality.AGE_BANDS, "Not recorded"]
    assert figures["sexual_orientation"] == cells(("Gay or lesbian", 1, 25.0), ("Heterosexual", 1, 25.0),
                                                  ("Not recorded", 2, 50.0))
    assert figures["disability"] == cells(("No", 1, 25.0), ("Yes", 1, 25.0), ("Not recorded", 2, 50.0))
    assert figures["relationship_status"] == cells(("Married", 1, 33.3), ("Single", 1, 33.3),
                                                   ("Not recorded", 1, 33.3))
    assert figures["fast_track"] == cells(("First time", 2, 66.7), ("Fast track", 1, 33.3))


def test_approvals_are_the_activity_report_s(history):
    from crm.reports.families import activity

    assert equality.compute(YEAR).figures["approvals"] == activity.compute(YEAR).figures["approvals"]["total"]


def test_age_is_whole_years_on_the_approval_day():
    born = as_dates([date(1993, 6, 10), date(1993, 6, 11), date(2000, 2, 29), date(2000, 2, 29),
                     date(2010, 5, 1), None])
    on = as_dates([date(2028, 6, 10)] * 2 + [date(2025, 2, 28), date(2025, 3, 1), date(2028, 4, 30),
                                             date(2028, 1, 1)])
    # 29 February birthdays come round on 1 March in other years; a 17-year-old applicant is a data slip to see.
    assert list(equality.age_bands(born, on)) == ["35-44", "25-34", "18-24", "25-34", "Under 18", "Not recorded"]


def test_split_by_service_line_and_by_quarter(history):
    by_line = equality.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.SERVICE_LINE))
    assert list(by_line.splits) == ["adoption", "fostering_mainstream"]
    assert [(s["approvals"], s["applicants"]) for s in by_line.splits.values()] == [(2, 3), (1, 1)]
    # Every split shows the same values as the total, zeros included.
    assert by_line.splits["fostering_mainstream"]["ethnicity"] == cells(
        ("Asian British", 0, 0.0), ("Black Caribbean", 0, 0.0), ("White British", 0, 0.0), ("Not recorded", 1, 100.0))
    by_quarter = equality.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.QUARTER))
    assert {key: split["applicants"] for key, split in by_quarter.splits.items()} == {
        "2028 Q2 (Apr-Jun)": 2, "2028 Q3 (Jul-Sep)": 1, "2028 Q4 (Oct-Dec)": 0, "2029 Q1 (Jan-Mar)": 1}
    assert by_quarter.splits["2028 Q4 (Oct-Dec)"]["fast_track"] == cells(("First time", 0, None),
                                                                          ("Fast track", 0, None))


def test_each_table_names_its_unit_and_holds_the_json_s_figures(history):
    report = equality.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.SERVICE_LINE))
    assert list(report.tables) == ["totals", *equality.DIMENSIONS]
    ethnicity = report.tables["ethnicity"]
    assert list(ethnicity.columns) == ["ethnicity", "applicants", "percent", "adoption", "fostering_mainstream"]
    assert ethnicity.to_dict("records")[0] == {"ethnicity": "Asian British", "applicants": 1, "percent": 25.0,
                                                "adoption": 1, "fostering_mainstream": 0}
    assert list(report.tables["fast_track"].columns[:3]) == ["fast_track", "approvals", "percent"]
    assert report.tables["totals"]["total"].tolist() == [3, 4]
    for key in equality.DIMENSIONS:
        table = report.tables[key]
        unit = equality.DIMENSIONS[key][1]
        assert dict(zip(table[key], table[unit])) == {v: c["count"] for v, c in report.figures[key].items()}


def test_the_households_behind_each_count_number_exactly_that_count(history):
    for params in (YEAR, ReportParams(YEAR.date_from, YEAR.date_to, by=Split.SERVICE_LINE)):
        report = equality.compute(params)
        lines = equality.drill_lines(params)
        selectors = equality.drill(report)
        # 2 totals + 4 + 8 age bands + 3 + 3 + 1 (religion) + 3 + 2 values, each once for the total and once per
        # split value.
        assert len(selectors) == 26 * (1 + len(report.splits))
        for (table, position, column), selector in selectors.items():
            chosen = lines
            for key, value in selector.items():
                chosen = chosen[chosen[key].astype(str) == value]
            assert len(chosen) == report.tables[table].iloc[position][column], (table, position, column)


def test_the_list_behind_a_count_shows_nothing_beyond_the_characteristic_asked_about(history):
    wanted = {"dimension": "ethnicity", "value": "White British"}
    lines = drill.chosen("equality", YEAR, wanted)
    assert len(lines) == 1
    assert drill.unit(lines) == ("person", "people")
    assert drill.columns("equality", lines, wanted) == {"approved_on": "Approved on"}
    assert drill.unit(drill.chosen("equality", YEAR, {"dimension": "relationship_status", "value": "Married"})) == (
        "application", "applications")


def test_the_page_and_the_list_behind_a_count(client, auth, services_as):
    reference = services_as(build_history)
    auth.login(UserFactory(roles=[Role.MANAGER]))
    query = "date_from=2028-04-01&date_to=2029-03-31"
    page = client.get(f"/reports/equality?{query}&by=service_line")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Black Caribbean" in html and "Age band at approval" in html and "<svg" in html
    links = re.findall(r'href="(/reports/equality/households\?[^"]*)"', html)
    # Every count that is not 0 links: 22 of the 26 in the total column, 19 for adoption, 9 for fostering.
    assert len(links) == 22 + 19 + 9
    assert any("dimension=ethnicity&amp;value=White" in link and "split" not in link for link in links)
    listed = client.get(f"/reports/equality/households?{query}&dimension=ethnicity&value=White+British")
    text = listed.get_data(as_text=True)
    assert listed.status_code == 200
    assert reference in text and "1 person" in text
    assert "Heterosexual" not in text and "Black Caribbean" not in text


def test_other_roles_cannot_see_the_report_or_its_lists(client, auth):
    for role in (Role.RECRUITMENT_OFFICER, Role.ASSESSING_SOCIAL_WORKER, Role.MARKETING_OFFICER, Role.ADMINISTRATOR):
        auth.login(UserFactory(roles=[role]))
        assert client.get("/reports/equality").status_code == 403
        assert client.get("/reports/equality/households?dimension=ethnicity&value=Other").status_code == 403
        auth.logout()


def test_charts_draw_a_bar_per_value(history):
    shown = equality.charts(equality.compute(YEAR))
    assert len(shown) == len(equality.DIMENSIONS)
    caption, svg = shown[0]
    assert caption == "Ethnicity: applicants approved in the period"
    assert "Black Caribbean" in svg and "(25%)" in svg


def test_an_empty_period_gives_zeros_and_no_percentages(app_context):
    figures = equality.compute(ReportParams(date(2001, 4, 1), date(2002, 3, 31))).figures
    assert (figures["approvals"], figures["applicants"]) == (0, 0)
    assert figures["ethnicity"] == {"Not recorded": {"count": 0, "percent": None}}
    assert figures["fast_track"] == cells(("First time", 0, None), ("Fast track", 0, None))
    assert pd.isna(equality.compute(ReportParams(date(2001, 4, 1), date(2002, 3, 31))).tables["age_band"]
                   ["percent"]).all()


def test_religion_is_counted_and_an_applicant_who_left_before_approval_is_not(app_context):
    officer = UserFactory(roles=[Role.MANAGER])
    household = HouseholdFactory(relationship_status="Married")
    PersonFactory(household=household, sexual_orientation="Bisexual", religion="Prefers not to say")
    PersonFactory(household=household, sexual_orientation="Gay or lesbian", religion="Sikh",
                  left_on=date(2028, 6, 1))
    adopted(officer, household, date(2028, 6, 10))
    figures = equality.compute(YEAR).figures
    assert figures["applicants"] == 1
    assert figures["religion"] == cells(("Prefers not to say", 1, 100.0), ("Not recorded", 0, 0.0))
    assert figures["sexual_orientation"] == cells(("Bisexual", 1, 100.0), ("Not recorded", 0, 0.0))
