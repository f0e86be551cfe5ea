"""Stage 1 checks, waiting on the applicant or on others: golden figures worked out by hand (issue 18).

The financial year 2028-29, snapshot at its last day, 31 March 2029. Each household has one applicant, so its
application's Stage 1 starts an enhanced DBS check (three parts, the first the applicant's online form) and an adult
health assessment, among others; only the checks named here are ever requested, so only they count.

A  Stage 1 from 1 May 2028. DBS requested 2 May, applicant's form done 12 May, received 1 June: 30 days, 10 on the
   applicant, 20 on others. Medical requested 2 May, received 11 June: 40 days, all on others.
B  Stage 1 from 1 February 2029. DBS requested 11 February, the applicant's form not done: open at 31 March, 48
   days, all on the applicant. Medical requested 11 February, open: 48 days on others.
C  Stage 1 from 1 May 2028, withdrawn 1 July 2028: its DBS, requested 2 May and never received, is not open.
D  Stage 1 from 1 February 2028: its DBS received 20 March 2028, before the year: not counted.
E  Stage 1 from 1 July 2028: DBS requested 1 July, received 21 July with its parts never recorded: 20 days, none
   guessed to be the applicant's.
F  Stage 1 from 1 May 2028: DBS requested 2 May, the stage undone (check withdrawn): not counted.

Received: 3 checks, days 30, 40, 20 (median 30); on the applicant 10, 0, 0 (median 0, sum 10); on others 20, 40, 20
(median 20, sum 80): 10 of 90 days, 11.1%. DBS: 2 checks, days 30 and 20 (median 25), applicant 10 and 0 (5),
others 20 and 20 (20), 10 of 50 days = 20.0%. Medical: 1 check, 40 days, 0 and 40, 0.0%.
Open: 2 checks, 48 days each, applicant 48 and 0 (median 24, sum 48), others 0 and 48 (24, 48): 50.0%.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm import clock
from crm.auth.roles import Role
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.reports import drill
from crm.reports.base import ReportParams, Split
from crm.reports.families import check_waits
from tests.factories import HouseholdFactory, PersonFactory, UserFactory
from tests.reports.histories import journey, to_stage_1

YEAR = ReportParams(date(2028, 4, 1), date(2029, 3, 31), at=date(2029, 3, 31))
DBS = "Enhanced DBS check"
MEDICAL = "Adult health assessment (GP medical, then agency medical adviser)"


def _checks(application) -> dict[str, CheckInstance]:
    found = db.session.scalars(select(CheckInstance).where(CheckInstance.application_id == application.id))
    return {check.check_type.name: check for check in found}


def _request(check, on: date, received: date | None = None, applicant_done: date | None = None):
    check.requested_on, check.due_on = on, on + timedelta(days=28)
    if received:
        check.received_on, check.outcome = received, "clear"
    if applicant_done:
        check.parts[0].completed_on = applicant_done


def _household(officer, start: date, *more, line="adoption"):
    household = HouseholdFactory()
    PersonFactory(household=household, date_of_birth=date(1985, 1, 1))
    application = journey(officer, *to_stage_1(start), *more, household=household, line=line)
    return household, _checks(application)


def build_history():
    officer = UserFactory(roles=[Role.MANAGER])
    a, checks = _household(officer, date(2028, 5, 1))
    _request(checks[DBS], date(2028, 5, 2), date(2028, 6, 1), applicant_done=date(2028, 5, 12))
    _request(checks[MEDICAL], date(2028, 5, 2), date(2028, 6, 11))
    _, checks = _household(officer, date(2029, 2, 1))
    _request(checks[DBS], date(2029, 2, 11))
    _request(checks[MEDICAL], date(2029, 2, 11))
    _, checks = _household(officer, date(2028, 5, 1), ("withdraw", date(2028, 7, 1)))
    _request(checks[DBS], date(2028, 5, 2))
    _, checks = _household(officer, date(2028, 2, 1))
    _request(checks[DBS], date(2028, 2, 2), date(2028, 3, 20), applicant_done=date(2028, 2, 3))
    _, checks = _household(officer, date(2028, 7, 1))
    _request(checks[DBS], date(2028, 7, 1), date(2028, 7, 21))
    _, checks = _household(officer, date(2028, 5, 1))
    _request(checks[DBS], date(2028, 5, 2))
    checks[DBS].withdrawn_at = clock.now()
    db.session.commit()
    return a


@pytest.fixture
def history(app_context):
    return build_history()


def cell(checks, days, applicant, others, on_applicant, on_others, percent):
    return {"checks": checks, "median_days": days, "median_on_applicant": applicant, "median_on_others": others,
            "days_on_applicant": on_applicant, "days_on_others": on_others, "percent_on_applicant": percent}


def test_days_waiting_on_the_applicant_and_on_others(history):
    figures = check_waits.compute(YEAR).figures
    assert figures["received"]["all"] == cell(3, 30.0, 0.0, 20.0, 10, 80, 11.1)
    assert figures["received"]["by_check"][DBS] == cell(2, 25.0, 5.0, 20.0, 10, 40, 20.0)
    assert figures["received"]["by_check"][MEDICAL] == cell(1, 40.0, 0.0, 40.0, 0, 40, 0.0)
    assert figures["open"]["all"] == cell(2, 48.0, 24.0, 24.0, 48, 48, 50.0)
    assert figures["open"]["by_check"][DBS] == cell(1, 48.0, 48.0, 0.0, 48, 0, 100.0)
    # Every check type found is in both sets, with nothing to give a median of where it has no checks.
    assert set(figures["received"]["by_check"]) == set(figures["open"]["by_check"]) == {DBS, MEDICAL}


def test_each_count_lists_its_checks(history):
    report = check_waits.compute(YEAR)
    table = report.tables["received"]
    assert list(table["check"]) == ["All checks", MEDICAL, DBS]  # check types alphabetically
    assert list(table["checks"]) == [3, 1, 2]
    lines = check_waits.drill_lines(YEAR)
    selectors = check_waits.drill(report)
    for (name, position, column), wanted in selectors.items():
        chosen = lines
        for key, value in wanted.items():
            chosen = chosen[chosen[key].astype(str) == value]
        assert len(chosen) == report.tables[name][column][position]
    dbs = lines[(lines["state"] == "received") & (lines["check"] == DBS)].sort_values("days")
    assert list(dbs["on_applicant"]) == [0, 10] and list(dbs["on_others"]) == [20, 20]
    listing = drill.listing("check-waits", YEAR, {"state": "open", "check": DBS}, 1)
    assert listing.page.total == 1 and listing.unit


def test_split_by_service_line(app_context):
    officer = UserFactory(roles=[Role.MANAGER])
    _, checks = _household(officer, date(2028, 5, 1))
    _request(checks[DBS], date(2028, 5, 2), date(2028, 5, 22), applicant_done=date(2028, 5, 7))
    _, checks = _household(officer, date(2028, 5, 1), line="fostering_mainstream")
    _request(checks[DBS], date(2028, 5, 2), date(2028, 6, 1))
    db.session.commit()
    report = check_waits.compute(ReportParams(YEAR.date_from, YEAR.date_to, at=YEAR.at, by=Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "fostering_mainstream"]
    assert report.splits["adoption"]["received"]["all"] == cell(1, 20.0, 5.0, 15.0, 5, 15, 25.0)
    assert list(report.tables["received"]["fostering_mainstream"]) == [1, 1]


def test_no_checks_no_figures(app_context):
    figures = check_waits.compute(YEAR).figures
    assert figures == {"received": {"all": cell(0, None, None, None, 0, 0, None), "by_check": {}},
                       "open": {"all": cell(0, None, None, None, 0, 0, None), "by_check": {}}}


def test_the_page_shows_the_figures(history, client, auth):
    auth.login(UserFactory(roles=[Role.MANAGER]))
    page = client.get("/reports/check-waits?date_from=2028-04-01&date_to=2029-03-31&at=2029-03-31")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "waiting on the applicant" in text and DBS in text


def test_consents_and_referees_given_through_the_portal(app_context):
    """G uses the portal (an applicant took up the invitation). Requested 2 May 2028, each:
    medical: consent given 23:30 UTC on 6 May (7 May in London), received 1 June: 30 days, 5 on the applicant;
    local authority: no consent recorded, received 22 May: 20 days, none guessed to be the applicant's;
    DBS: consent 4 May, online form 9 May (the later ends their part), received 30 May: 28 days, 7 on the applicant;
    personal references: a family referee named 5 May, others 10 and 20 May (enough then), received 11 June: 40
    days, 18 on the applicant."""
    from datetime import datetime, timezone

    from crm.portal.models import ConsentKind, PortalAccount, PortalConsent
    from crm.references.models import Referee, RefereeKind

    officer = UserFactory(roles=[Role.MANAGER])
    household, checks = _household(officer, date(2028, 5, 1))
    person = household.people[0]
    db.session.add(PortalAccount(household_id=household.id, person_id=person.id, email="g@example.org",
                                 activated_at=datetime(2028, 5, 1, 9, tzinfo=timezone.utc)))

    def consent(kind, when):
        db.session.add(PortalConsent(person_id=person.id, kind=kind, given_at=when))

    consent(ConsentKind.MEDICAL, datetime(2028, 5, 6, 23, 30, tzinfo=timezone.utc))
    consent(ConsentKind.DBS, datetime(2028, 5, 4, 10, tzinfo=timezone.utc))
    local = "Local authority checks (each council lived in, last 10 years)"
    references = "Personal references (at least 3, 2 non-family), with visits"
    _request(checks[MEDICAL], date(2028, 5, 2), date(2028, 6, 1))
    _request(checks[local], date(2028, 5, 2), date(2028, 5, 22))
    _request(checks[DBS], date(2028, 5, 2), date(2028, 5, 30), applicant_done=date(2028, 5, 9))
    _request(checks[references], date(2028, 5, 2), date(2028, 6, 11))
    for name, family, day in (("Aunt", True, 5), ("Friend", False, 10), ("Neighbour", False, 20)):
        db.session.add(Referee(application_id=checks[references].application_id, check_id=checks[references].id,
                               kind=RefereeKind.PERSONAL, name=name, is_family=family,
                               named_at=datetime(2028, 5, day, 12, tzinfo=timezone.utc)))
    db.session.commit()
    lines = check_waits.drill_lines(YEAR).set_index("check")
    assert lines.loc[MEDICAL, ["days", "on_applicant"]].tolist() == [30, 5]
    assert lines.loc[local, ["days", "on_applicant"]].tolist() == [20, 0]
    assert lines.loc[DBS, ["days", "on_applicant"]].tolist() == [28, 7]
    assert lines.loc[references, ["days", "on_applicant", "on_others"]].tolist() == [40, 18, 22]
