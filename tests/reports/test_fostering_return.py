"""Annual fostering return: golden figures worked out by hand on small histories (SPEC section 5).

The histories (`year`), for the financial year 2028-29 (1 April 2028 - 31 March 2029); mainstream unless said:

M1  contacts 10 and 20 Apr 2028; enquiry 10 Apr, ROI 15 May, approved 1 Dec 2028. Team North.
M2  contact 1 Jun; enquiry 1 Jun, ROI 1 Jul, withdrawn by the applicant 1 Sep, "Health".
M3  contact 5 Jul; enquiry 5 Jul, withdrawn by the applicant 20 Jul before any ROI, "Chose another agency".
M4  contact 15 Jan 2028 (before the year); ROI 1 Feb 2028, Stage 1 since 8 Feb 2028: in progress at the end.
M5  ROI 1 Aug, withdrawn by the service 1 Oct, "Not suitable".
M6  ROI 1 Sep, withdrawn by the applicant 1 Nov, "Health".
M7  ROI 1 Jan 2028, not approved 10 Oct 2028.
M8  ROI 1 Nov 2028, undone by a manager: never received.
H   adoption AND mainstream fostering. Contacts 1 May (adoption only then: not counted), 1 Aug (the day fostering
    opened) and 1 Oct 2028. Fostering: ROI 1 Sep, in progress at the end.
K   mainstream AND connected persons, its only applications, both opened 1 Jun 2028; its contact on 25 May came
    before either opened and counts under both (once in the total). Mainstream: an enquiry still. Connected:
    opened at Stage 1 on 1 Jun (received then, without an ROI), approved 1 Sep 2028.
C2  connected: contact 1 Jul; enquiry 1 Jul, initial visit 5 Jul, ROI 10 Jul: in progress.
C3  connected: opened at Stage 2 on 1 Mar 2028, before the year: in progress, not received in the year.
C4  connected: enquiry 1 Mar 2029, straight to Stage 1 on 15 Mar 2029: received then; in progress.
A   adoption only: contact 1 Jun 2028: not in the return.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from crm.auth.roles import Role
from crm.enquiries.models import ContactMethod, EnquiryContact
from crm.funnel import services
from crm.funnel.stages import Stage, WithdrawingParty
from crm.reports.base import ReportParams, Split
from crm.reports.families import fostering_return
from tests.factories import HouseholdFactory, TeamFactory, UserFactory
from tests.reports.histories import TODAY, approval, journey, lead_in
from tests.reports.test_asglb import follow_counts

YEAR = ReportParams(date(2028, 4, 1), date(2029, 3, 31))
MAINSTREAM, CONNECTED = "fostering_mainstream", "fostering_connected"


@pytest.fixture
def officer(db_session):
    return UserFactory(roles=[Role.MANAGER])


def household_with_contacts(session, *days: date, team=None):
    household = HouseholdFactory(team_id=team.id if team else None)
    for day in days:  # midday UTC: the same day in London
        session.add(EnquiryContact(household_id=household.id, method=ContactMethod.PHONE,
                                   received_at=datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)))
    session.flush()
    return household


def withdraw(application, on: date, party: WithdrawingParty, reason: str, officer) -> None:
    services.withdraw(application, on, party, reason, actor=officer, today=TODAY)


def assessed(officer, roi: date, *more, line=MAINSTREAM, household=None):
    """ROI, Stage 1 a week later, completed 2 months on, Stage 2 a week after that, then `more`."""
    stage_1 = roi + timedelta(days=7)
    completed = stage_1 + timedelta(days=60)
    return journey(officer, *lead_in(roi), (Stage.STAGE_1, stage_1), (Stage.STAGE_1_COMPLETED, completed),
                   (Stage.STAGE_2, completed + timedelta(days=7)), *more, line=line, household=household)


@pytest.fixture
def year(app_context, db_session, officer):
    build_year(db_session, officer)


def build_year(db_session, officer) -> None:
    north = TeamFactory(name="North")
    m1 = household_with_contacts(db_session, date(2028, 4, 10), date(2028, 4, 20), team=north)
    journey(officer, (Stage.ENQUIRY, date(2028, 4, 10)), (Stage.INITIAL_VISIT, date(2028, 5, 1)),
            (Stage.REGISTRATION_OF_INTEREST, date(2028, 5, 15)), (Stage.STAGE_1, date(2028, 5, 20)),
            (Stage.STAGE_1_COMPLETED, date(2028, 7, 20)), (Stage.STAGE_2, date(2028, 7, 25)),
            *approval(date(2028, 12, 1)), household=m1, line=MAINSTREAM)
    m2 = household_with_contacts(db_session, date(2028, 6, 1))
    withdraw(journey(officer, (Stage.ENQUIRY, date(2028, 6, 1)), (Stage.INITIAL_VISIT, date(2028, 6, 10)),
                     (Stage.REGISTRATION_OF_INTEREST, date(2028, 7, 1)), household=m2, line=MAINSTREAM),
             date(2028, 9, 1), WithdrawingParty.APPLICANT, "Health", officer)
    m3 = household_with_contacts(db_session, date(2028, 7, 5))
    withdraw(journey(officer, (Stage.ENQUIRY, date(2028, 7, 5)), household=m3, line=MAINSTREAM),
             date(2028, 7, 20), WithdrawingParty.APPLICANT, "Chose another agency", officer)
    m4 = household_with_contacts(db_session, date(2028, 1, 15))
    journey(officer, *lead_in(date(2028, 2, 1)), (Stage.STAGE_1, date(2028, 2, 8)), household=m4, line=MAINSTREAM)
    withdraw(journey(officer, *lead_in(date(2028, 8, 1)), line=MAINSTREAM), date(2028, 10, 1),
             WithdrawingParty.SERVICE, "Not suitable", officer)  # M5
    withdraw(journey(officer, *lead_in(date(2028, 9, 1)), line=MAINSTREAM), date(2028, 11, 1),
             WithdrawingParty.APPLICANT, "Health", officer)  # M6
    assessed(officer, date(2028, 1, 1), (Stage.PANEL, date(2028, 10, 1)), ("not_approved", date(2028, 10, 10)))
    journey(officer, *lead_in(date(2028, 11, 1)), ("undo",), line=MAINSTREAM)  # M8
    h = household_with_contacts(db_session, date(2028, 5, 1), date(2028, 8, 1), date(2028, 10, 1))
    journey(officer, (Stage.ENQUIRY, date(2028, 5, 1)), household=h)  # adoption
    journey(officer, (Stage.ENQUIRY, date(2028, 8, 1)), (Stage.INITIAL_VISIT, date(2028, 8, 10)),
            (Stage.REGISTRATION_OF_INTEREST, date(2028, 9, 1)), household=h, line=MAINSTREAM)
    k = household_with_contacts(db_session, date(2028, 5, 25))
    journey(officer, (Stage.ENQUIRY, date(2028, 6, 1)), household=k, line=MAINSTREAM)
    journey(officer, (Stage.STAGE_1, date(2028, 6, 1)), (Stage.STAGE_1_COMPLETED, date(2028, 7, 1)),
            (Stage.STAGE_2, date(2028, 7, 5)), *approval(date(2028, 9, 1)), household=k, line=CONNECTED)
    c2 = household_with_contacts(db_session, date(2028, 7, 1))
    journey(officer, (Stage.ENQUIRY, date(2028, 7, 1)), (Stage.INITIAL_VISIT, date(2028, 7, 5)),
            (Stage.REGISTRATION_OF_INTEREST, date(2028, 7, 10)), household=c2, line=CONNECTED)
    journey(officer, (Stage.STAGE_2, date(2028, 3, 1)), line=CONNECTED)  # C3
    journey(officer, (Stage.ENQUIRY, date(2029, 3, 1)), (Stage.STAGE_1, date(2029, 3, 15)), line=CONNECTED)  # C4
    a = household_with_contacts(db_session, date(2028, 6, 1))
    journey(officer, (Stage.ENQUIRY, date(2028, 6, 1)), household=a)


def column(contacts, households, received, approved, not_approved, withdrawn, by_party, reasons, before, open_):
    return {"enquiries": {"contacts": contacts, "households": households}, "applications_received": received,
            "approvals": approved, "not_approved": not_approved,
            "withdrawals": {"total": withdrawn, "by_party": by_party, "by_reason": reasons},
            "withdrawn_before_applying": before, "in_progress_at_end": open_}


def test_the_return_for_the_year(year):
    figures = fostering_return.compute(YEAR).figures
    # Contacts: M1 2, M2 1, M3 1, H 2 (not its adoption-only contact of 1 May), K 1. Received: M1, M2, M5, M6, H.
    # Withdrawn after applying: M2, M5, M6; M3 before. In progress: M4, H.
    assert figures[MAINSTREAM] == column(7, 5, 5, 1, 1, 3, {"applicant": 2, "service": 1},
                                         {"Health": 2, "Not suitable": 1}, 1, 2)
    # Contacts: K (before any application opened: its applications are all fostering), C2. Received: K at Stage 1,
    # C2 by its ROI, C4 at Stage 1 straight from an enquiry. Approved: K. In progress: C2, C3, C4.
    assert figures[CONNECTED] == column(2, 2, 3, 1, 0, 0, {"applicant": 0, "service": 0}, {}, 0, 3)
    # K's one contact and K itself count once in the total.
    assert figures["total"] == column(8, 6, 8, 2, 1, 3, {"applicant": 2, "service": 1},
                                      {"Health": 2, "Not suitable": 1}, 1, 5)


def test_the_csv_tables_read_as_the_return(year):
    report = fostering_return.compute(YEAR)
    table = report.tables["fostering_return"]
    assert list(table.columns) == ["Figure", "Mainstream fostering", "Connected persons (family and friends)", "Total"]
    rows = table.set_index("Figure")
    assert rows.loc["Applications received"].tolist() == [5, 3, 8]
    assert rows.loc["Applications withdrawn by the service"].tolist() == [1, 0, 1]
    assert rows.loc["Applications in progress at the end of the period"].tolist() == [2, 3, 5]
    reasons = report.tables["withdrawal_reasons"]
    assert reasons[["Reason", "Mainstream fostering", "Total"]].values.tolist() == [["Health", 2, 2],
                                                                                 ["Not suitable", 1, 1]]
    assert_drill_matches(report)


def assert_drill_matches(report):
    lines = fostering_return.drill_lines(report.params)
    selectors = fostering_return.drill(report)
    for (table, row, column_), selector in selectors.items():
        chosen = lines
        for key, value in selector.items():
            chosen = chosen[chosen[key].astype(str) == value]
        assert len(chosen) == report.tables[table].loc[row, column_], (table, row, column_, selector)
    cells = sum(len(table) * 3 for table in report.tables.values())
    assert len(selectors) == cells


def test_split_by_team(year):
    report = fostering_return.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.TEAM))
    assert list(report.splits) == ["North", "Not recorded"]
    north = report.splits["North"][MAINSTREAM]
    assert (north["enquiries"]["contacts"], north["applications_received"], north["approvals"]) == (2, 1, 1)
    assert report.splits["Not recorded"]["total"]["applications_received"] == 7
    table = report.tables["by_team"]
    assert list(table.columns[:2]) == ["Team", "Figure"]
    assert len(table) == 2 * len(fostering_return.LABELS)
    assert_drill_matches(report)


@pytest.mark.parametrize("by", [Split.PARTNER_AUTHORITY, Split.CHANNEL])
def test_other_splits_add_up_to_the_whole(year, by):
    report = fostering_return.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=by))
    assert list(report.splits) == ["Not recorded"]  # no household has an authority or a contact with a channel
    assert report.splits["Not recorded"] == report.figures
    assert_drill_matches(report)


def test_splits_by_time_or_service_line_are_refused(app_context):
    for by in (Split.MONTH, Split.QUARTER, Split.SERVICE_LINE):
        with pytest.raises(ValueError, match="set the period to the quarter"):
            fostering_return.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=by))


def test_an_empty_year_and_the_charts(year):
    empty = fostering_return.compute(ReportParams(date(2030, 4, 1), date(2031, 3, 31)))
    # Applications received before the year and never decided are still in progress at its end.
    assert empty.figures[MAINSTREAM] == column(0, 0, 0, 0, 0, 0, {"applicant": 0, "service": 0}, {}, 0, 2)
    assert empty.tables["withdrawal_reasons"].empty
    shown = fostering_return.charts(fostering_return.compute(YEAR))
    assert [caption.split(":")[0] for caption, _ in shown] == ["Mainstream fostering",
                                                              "Connected persons (family and friends)"]
    assert "(100% of the step before)" in shown[0][1]  # 5 households, 5 applications, 1 approval (20%)


def test_every_count_on_the_page_lists_its_households(client, auth, services_as, db_session):
    manager = UserFactory(roles=[Role.MANAGER])
    services_as(lambda: build_year(db_session, manager))
    auth.login(manager)
    page = client.get("/reports/fostering-return?date_from=2028-04-01&date_to=2029-03-31&by=team")
    assert page.status_code == 200
    assert follow_counts(client, page.get_data(as_text=True), "fostering-return") >= 50


def test_the_page_and_its_csv(client, auth, services_as):
    manager = UserFactory(roles=[Role.MANAGER])
    services_as(lambda: journey(manager, (Stage.STAGE_1, date(2028, 6, 1)), line=CONNECTED))
    auth.login(manager)
    page = client.get("/reports/fostering-return?date_from=2028-04-01&date_to=2029-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "Connected persons (family and friends)" in html
    csv = client.get("/reports/fostering-return/export.csv?date_from=2028-04-01&date_to=2029-03-31")
    rows = csv.get_data(as_text=True).splitlines()
    assert rows[0] == "\ufefftable,Figure,Reason,Mainstream fostering,Connected persons (family and friends),Total"
    assert "fostering_return,Applications received,,0,1,1" in rows
    refused = client.get("/reports/fostering-return?by=quarter")
    assert refused.status_code == 400 and "set the period to the quarter" in refused.get_data(as_text=True)
