"""Activity in period: golden figures for a small history built through the services, worked out by hand.

The history (`build_history`), for the financial year 2025-26 (1 April 2025 - 31 March 2026):

A  adoption; Leeds, team North. Contacts 10 Apr (radio), 2 May (digital > Facebook), 20 Jun 2025 (radio).
   Information event recorded on the household page 20 Apr, initial visit 10 May, ROI 1 Jun, Stage 1 15 Jun,
   Stage 1 completed 1 Oct, Stage 2 20 Oct 2025, panel 10 Mar 2026, approved 31 Mar 2026 (the last day).
B  adoption AND mainstream fostering from one contact on 1 Jul 2025 (digital > Facebook); Bradford, team South.
   A 1:1 consultation on 15 Jul moves both applications; initial visits 1 Aug (both). Adoption: withdrawn by the
   applicant 1 Sep, "Health". Fostering: ROI 20 Aug, withdrawn by the service 5 Sep, "Not suitable".
C  fast-track adoption; Leeds, no team. Its contact came at 23:30 UTC on 31 March 2025, which is 00:30 on 1 April
   in London (summer time began on 30 March 2025): a contact of 1 April. Initial visit and ROI 1 Apr 2025 (the
   first day), Stage 2 1 May (fast track skips Stage 1), panel 1 Sep, approved 15 Sep 2025.
D  mainstream fostering; no authority, team North, no channel. Its only contact came at 23:30 UTC on 31 March 2026:
   1 April 2026 in London, so after the year.
E  adoption; Leeds, team North, radio. Contact 5 Apr 2025, initial visit 5 May, ROI 5 Jun 2025 UNDONE by a manager,
   ROI again on 1 Apr 2026 (the day after the year).
F  adoption; Bradford, team South, word of mouth. Contact 3 Nov 2025, on hold 10 Nov, withdrawn by the applicant
   1 Dec 2025, "Health".
G  adoption; Leeds, team South, radio. Contact 1 Nov 2024; information event, initial visit, ROI, Stage 1 before
   the year; Stage 1 completed 31 Mar 2025 (the day before the year); Stage 2 10 Apr 2025, panel 1 Oct, panel
   deferred 1 Oct, not approved 15 Nov 2025, "Not suitable".
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from crm.auth.roles import Role
from crm.enquiries import services as enquiries
from crm.enquiries.models import ContactMethod
from crm.events import services as events
from crm.events.models import ConsultationMethod
from crm.funnel import services as funnel
from crm.funnel.stages import Stage
from crm.marketing.models import Channel
from crm.reports.base import ReportParams, Split
from crm.reports.families import activity
from tests.factories import HouseholdFactory, PartnerAuthorityFactory, TeamFactory, UserFactory

TODAY = date(2026, 6, 30)  # "today" for the services: every date of the history is in the past
YEAR = ReportParams(date(2025, 4, 1), date(2026, 3, 31))


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def channel(db_session, name: str, parent: str | None = None) -> int:
    query = select(Channel).where(Channel.name == name)
    found = [c for c in db_session.scalars(query) if (c.parent.name if c.parent else None) == parent]
    return found[0].id


class History:
    """The households of the module docstring, built through the services with explicit dates."""

    def __init__(self, db_session, authorities: dict[str, str] | None = None):
        self.session = db_session
        self.officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
        self.manager = UserFactory(roles=[Role.MANAGER])
        names = {"leeds": "Leeds City Council", "bradford": "Bradford Council", **(authorities or {})}
        self.authority = {key: PartnerAuthorityFactory(name=name).id for key, name in names.items()}
        self.team = {name: TeamFactory(name=name).id for name in ("North", "South")}
        self.radio = channel(db_session, "radio")
        self.facebook = channel(db_session, "Facebook", "digital")
        self.word_of_mouth = channel(db_session, "word of mouth")

    def enquire(self, surname, lines, received, *, household=None, authority=None, team=None, channel_id=None):
        details = enquiries.EnquiryDetails(
            first_name="Test", last_name=surname, service_lines=lines, method=ContactMethod.PHONE,
            email=f"{surname.lower()}@hearth.example", received_at=received, channel_id=channel_id,
            partner_authority_id=self.authority.get(authority))
        household = enquiries.log_enquiry(details, actor=self.officer, household=household).household
        if team:
            household.team_id = self.team[team]
        return household

    def move(self, application, *steps):
        for stage, on in steps:
            funnel.advance(application, stage, on, actor=self.officer, today=TODAY)

    def application(self, household, line="adoption"):
        return next(a for a in household.applications if a.service_line_code == line)

    def build(self):
        for build in (self.ada, self.bea, self.cai, self.dee, self.eve, self.fay, self.gus):
            build()
        self.session.flush()
        return self

    def ada(self):
        a = self.enquire("Adams", ["adoption"], utc(2025, 4, 10, 9), authority="leeds", team="North",
                         channel_id=self.radio)
        self.enquire("Adams", ["adoption"], utc(2025, 5, 2, 12), household=a, channel_id=self.facebook)
        self.enquire("Adams", ["adoption"], utc(2025, 6, 20, 12), household=a, channel_id=self.radio)
        self.move(self.application(a), (Stage.INFORMATION_EVENT, date(2025, 4, 20)),
                  (Stage.INITIAL_VISIT, date(2025, 5, 10)), (Stage.REGISTRATION_OF_INTEREST, date(2025, 6, 1)),
                  (Stage.STAGE_1, date(2025, 6, 15)), (Stage.STAGE_1_COMPLETED, date(2025, 10, 1)),
                  (Stage.STAGE_2, date(2025, 10, 20)), (Stage.PANEL, date(2026, 3, 10)),
                  (Stage.APPROVED, date(2026, 3, 31)))

    def bea(self):
        b = self.enquire("Brown", ["adoption", "fostering_mainstream"], utc(2025, 7, 1, 10), authority="bradford",
                         team="South", channel_id=self.facebook)
        events.record_consultation(b, events.ConsultationDetails(ConsultationMethod.PHONE, date(2025, 7, 15), None),
                                   actor=self.officer, today=TODAY)
        adoption, fostering = self.application(b), self.application(b, "fostering_mainstream")
        self.move(adoption, (Stage.INITIAL_VISIT, date(2025, 8, 1)))
        self.move(fostering, (Stage.INITIAL_VISIT, date(2025, 8, 1)),
                  (Stage.REGISTRATION_OF_INTEREST, date(2025, 8, 20)))
        funnel.withdraw(adoption, date(2025, 9, 1), "applicant", "Health", actor=self.officer, today=TODAY)
        funnel.withdraw(fostering, date(2025, 9, 5), "service", "Not suitable", actor=self.officer, today=TODAY)

    def cai(self):
        c = HouseholdFactory(partner_authority_id=self.authority["leeds"], first_enquiry_on=date(2025, 4, 1))
        application = funnel.open_application(c, "adoption", date(2025, 4, 1), actor=self.officer, fast_track=True,
                                              today=TODAY)
        self.enquire("Clark", ["adoption"], utc(2025, 3, 31, 23, 30), household=c, channel_id=self.word_of_mouth)
        self.move(application, (Stage.INITIAL_VISIT, date(2025, 4, 1)),
                  (Stage.REGISTRATION_OF_INTEREST, date(2025, 4, 1)), (Stage.STAGE_2, date(2025, 5, 1)),
                  (Stage.PANEL, date(2025, 9, 1)), (Stage.APPROVED, date(2025, 9, 15)))

    def dee(self):
        self.enquire("Davies", ["fostering_mainstream"], utc(2026, 3, 31, 23, 30), team="North")

    def eve(self):
        e = self.enquire("Evans", ["adoption"], utc(2025, 4, 5, 12), authority="leeds", team="North",
                         channel_id=self.radio)
        application = self.application(e)
        self.move(application, (Stage.INITIAL_VISIT, date(2025, 5, 5)),
                  (Stage.REGISTRATION_OF_INTEREST, date(2025, 6, 5)))
        funnel.undo(application, "Recorded against the wrong household", actor=self.manager)
        self.move(application, (Stage.REGISTRATION_OF_INTEREST, date(2026, 4, 1)))

    def fay(self):
        f = self.enquire("Foster", ["adoption"], utc(2025, 11, 3, 12), authority="bradford", team="South",
                         channel_id=self.word_of_mouth)
        application = self.application(f)
        funnel.hold(application, date(2025, 11, 10), "Family illness", actor=self.officer, today=TODAY)
        funnel.withdraw(application, date(2025, 12, 1), "applicant", "Health", actor=self.officer, today=TODAY)

    def gus(self):
        g = self.enquire("Green", ["adoption"], utc(2024, 11, 1, 12), authority="leeds", team="South",
                         channel_id=self.radio)
        application = self.application(g)
        self.move(application, (Stage.INFORMATION_EVENT, date(2024, 11, 15)), (Stage.INITIAL_VISIT, date(2024, 12, 1)),
                  (Stage.REGISTRATION_OF_INTEREST, date(2025, 1, 10)), (Stage.STAGE_1, date(2025, 1, 20)),
                  (Stage.STAGE_1_COMPLETED, date(2025, 3, 31)), (Stage.STAGE_2, date(2025, 4, 10)),
                  (Stage.PANEL, date(2025, 10, 1)))
        funnel.defer_at_panel(application, date(2025, 10, 1), "More information needed", actor=self.officer,
                              today=TODAY)
        funnel.decide_not_approved(application, date(2025, 11, 15), "Not suitable", actor=self.officer, today=TODAY)


def zero() -> dict:
    """The figures of a split value where nothing happened."""
    return {"enquiry_contacts": 0, "enquiry_households": 0, "information_event_households": 0,
            "information_event_sources": {"event": 0, "consultation": 0, "recorded": 0}, "initial_visits": 0,
            "registrations_of_interest": 0, "stage_1_starts": 0, "stage_1_completions": 0, "stage_2_starts": 0,
            "panel_presentations": 0, "panel_deferrals": 0, "stage_2_completions": 0, "not_approved": 0,
            "approvals": {"total": 0, "fast_track": 0},
            "withdrawals": {"total": 0, "by_party": {"applicant": 0, "service": 0}, "by_reason": {}}}


def figures(**changes) -> dict:
    """zero() with some figures set; nested ones as `approvals__total=1`."""
    result = zero()
    for key, value in changes.items():
        *parents, leaf = key.split("__")
        target = result
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return result


@pytest.fixture
def history(app_context, db_session):
    return History(db_session).build()


# The year's figures, each worked out from the module docstring.
YEAR_FIGURES = figures(
    enquiry_contacts=7,  # A 3 (one household enquiring three times), B 1, C 1 (1 April in London), E 1, F 1; D after
    enquiry_households=5,  # A, B, C, E, F
    information_event_households=2,  # A (recorded), B (one consultation moving two applications: 1 household)
    information_event_sources__recorded=1,  # A
    information_event_sources__consultation=1,  # B
    initial_visits=5,  # A, B adoption, B fostering (applications: B counts twice), C, E
    registrations_of_interest=3,  # A, B fostering, C (on the first day); E's was undone, and redone after the year
    stage_1_starts=1,  # A (G's was before the year)
    stage_1_completions=1,  # A (G's, on 31 March 2025, is the day before the year)
    stage_2_starts=3,  # A, C (fast track, from ROI), G
    panel_presentations=3,  # A, C, G
    panel_deferrals=1,  # G
    stage_2_completions=3,  # the decisions: A approved (on the last day), C approved, G not approved
    not_approved=1,  # G
    approvals__total=2,  # A, C
    approvals__fast_track=1,  # C
    withdrawals={"total": 3,  # B adoption, B fostering, F (withdrawn while on hold)
                 "by_party": {"applicant": 2, "service": 1},  # B adoption and F; B fostering
                 "by_reason": {"Health": 2, "Not suitable": 1}},  # B adoption and F; B fostering
)


def test_the_year_s_figures(history):
    report = activity.compute(YEAR)
    assert report.name == "activity" and report.splits == {}
    assert report.figures == YEAR_FIGURES


def test_the_json_has_the_issue_s_keys_in_its_shape(history):
    body = activity.compute(YEAR).as_json()
    issue_keys = {"enquiry_contacts", "enquiry_households", "information_event_households", "initial_visits",
                  "registrations_of_interest", "stage_1_starts", "stage_1_completions", "stage_2_starts", "approvals",
                  "withdrawals"}
    assert issue_keys <= set(body["figures"]) and set(body["figures"]["approvals"]) == {"total", "fast_track"}
    assert (body["report"], body["from"], body["to"]) == ("activity", "2025-04-01", "2026-03-31")


def test_split_by_month_counts_each_thing_in_the_month_of_its_own_date(history):
    report = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.MONTH))
    assert list(report.splits) == ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10",
                                   "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]  # empty months too
    assert report.splits == {
        # contacts A 10 Apr, C 1 Apr (23:30 UTC on 31 March), E 5 Apr; A's information event; C's visit and ROI
        # on 1 April; G's Stage 2
        "2025-04": figures(enquiry_contacts=3, enquiry_households=3, information_event_households=1,
                           information_event_sources__recorded=1, initial_visits=1, registrations_of_interest=1,
                           stage_2_starts=1),
        # A's second contact; visits A and E; C's Stage 2
        "2025-05": figures(enquiry_contacts=1, enquiry_households=1, initial_visits=2, stage_2_starts=1),
        # A's third contact, ROI and Stage 1 (E's ROI was undone)
        "2025-06": figures(enquiry_contacts=1, enquiry_households=1, registrations_of_interest=1, stage_1_starts=1),
        # B's one contact and consultation
        "2025-07": figures(enquiry_contacts=1, enquiry_households=1, information_event_households=1,
                           information_event_sources__consultation=1),
        # B's two visits, B fostering's ROI
        "2025-08": figures(initial_visits=2, registrations_of_interest=1),
        # C's panel and fast-track approval; B's two withdrawals
        "2025-09": figures(panel_presentations=1, stage_2_completions=1, approvals__total=1, approvals__fast_track=1,
                           withdrawals={"total": 2, "by_party": {"applicant": 1, "service": 1},
                                        "by_reason": {"Health": 1, "Not suitable": 1}}),
        # A's Stage 1 completion and Stage 2; G at panel, deferred
        "2025-10": figures(stage_1_completions=1, stage_2_starts=1, panel_presentations=1, panel_deferrals=1),
        # F's contact; G not approved
        "2025-11": figures(enquiry_contacts=1, enquiry_households=1, stage_2_completions=1, not_approved=1),
        # F withdrawn (from on hold)
        "2025-12": figures(withdrawals={"total": 1, "by_party": {"applicant": 1, "service": 0},
                                        "by_reason": {"Health": 1}}),
        "2026-01": zero(),
        "2026-02": zero(),
        # A at panel, and approved on 31 March (the last day counts)
        "2026-03": figures(panel_presentations=1, stage_2_completions=1, approvals__total=1),
    }


def test_split_by_quarter_uses_calendar_quarters_named_by_their_months(history):
    report = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.QUARTER))
    assert list(report.splits) == ["2025 Q2 (Apr-Jun)", "2025 Q3 (Jul-Sep)", "2025 Q4 (Oct-Dec)", "2026 Q1 (Jan-Mar)"]
    # April-June: contacts A x3, C, E (4 households); visits C, A, E; ROIs C, A
    assert report.splits["2025 Q2 (Apr-Jun)"]["enquiry_contacts"] == 5
    assert report.splits["2025 Q2 (Apr-Jun)"]["enquiry_households"] == 3
    assert report.splits["2025 Q2 (Apr-Jun)"]["initial_visits"] == 3
    assert report.splits["2026 Q1 (Jan-Mar)"]["approvals"] == {"total": 1, "fast_track": 0}  # A


def test_split_by_service_line_counts_a_household_in_two_lines_under_both(history):
    report = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.SERVICE_LINE))
    assert list(report.splits) == ["adoption", "fostering_mainstream"]  # D's fostering had nothing in the year
    assert report.splits["fostering_mainstream"] == figures(
        enquiry_contacts=1, enquiry_households=1,  # B's one contact was about both lines
        information_event_households=1, information_event_sources__consultation=1,  # B
        initial_visits=1, registrations_of_interest=1,  # B fostering
        withdrawals={"total": 1, "by_party": {"applicant": 0, "service": 1}, "by_reason": {"Not suitable": 1}})
    adoption = report.splits["adoption"]
    # every contact of the year was about adoption (B's too): 7 contacts from 5 households, so the lines add up to
    # 8 contacts against a total of 7
    assert (adoption["enquiry_contacts"], adoption["enquiry_households"]) == (7, 5)
    assert adoption["information_event_households"] == 2  # A and B: B counts once here, once in fostering, once in all
    assert adoption["initial_visits"] == 4  # A, B adoption, C, E
    assert adoption["withdrawals"] == {"total": 2, "by_party": {"applicant": 2, "service": 0}, "by_reason": {"Health": 2}}
    assert adoption["approvals"] == {"total": 2, "fast_track": 1}


def test_split_by_channel_contacts_by_their_own_channel_and_events_by_the_household_s_first(history):
    report = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.CHANNEL))
    assert list(report.splits) == ["digital", "radio", "word of mouth"]
    radio, digital, word = (report.splits[k] for k in ("radio", "digital", "word of mouth"))
    # contacts: radio A 10 Apr and 20 Jun, E; digital (Facebook) A 2 May and B; word of mouth C and F
    assert (radio["enquiry_contacts"], radio["enquiry_households"]) == (3, 2)
    assert (digital["enquiry_contacts"], digital["enquiry_households"]) == (2, 2)
    assert (word["enquiry_contacts"], word["enquiry_households"]) == (2, 2)
    # events go by the household's first contact: A, E and G radio; B digital; C and F word of mouth
    assert radio["approvals"] == {"total": 1, "fast_track": 0} and radio["not_approved"] == 1  # A; G
    assert word["approvals"] == {"total": 1, "fast_track": 1}  # C
    assert digital["withdrawals"]["total"] == 2 and word["withdrawals"]["total"] == 1  # B twice; F


def test_split_by_team_and_authority_names_a_missing_one_not_recorded(history):
    by_team = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.TEAM)).splits
    assert list(by_team) == ["North", "Not recorded", "South"]
    assert by_team["Not recorded"]["approvals"] == {"total": 1, "fast_track": 1}  # C has no team
    assert by_team["North"]["enquiry_contacts"] == 4  # A 3, E 1 (D's contact is after the year)
    assert by_team["South"]["stage_2_completions"] == 1  # G not approved
    by_authority = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.PARTNER_AUTHORITY)).splits
    assert list(by_authority) == ["Bradford Council", "Leeds City Council"]
    assert by_authority["Leeds City Council"]["enquiry_households"] == 3  # A, C, E
    assert by_authority["Bradford Council"]["withdrawals"]["by_reason"] == {"Health": 2, "Not suitable": 1}  # B, F


def test_period_edges_and_london_dates(history):
    march_2025 = activity.compute(ReportParams(date(2025, 3, 1), date(2025, 3, 31))).figures
    # G's Stage 1 completion on 31 March (the last day) counts; C's contact at 23:30 UTC on 31 March does not,
    # it was 1 April in London
    assert march_2025 == figures(stage_1_completions=1)
    april_2026 = activity.compute(ReportParams(date(2026, 4, 1), date(2026, 4, 30))).figures
    # D's contact at 23:30 UTC on 31 March 2026 is 1 April in London (BST); E's ROI redone on 1 April (the first
    # day); D's application opening is not a counted event
    assert april_2026 == figures(enquiry_contacts=1, enquiry_households=1, registrations_of_interest=1)
    one_day = activity.compute(ReportParams(date(2025, 4, 1), date(2025, 4, 1))).figures
    assert one_day == figures(enquiry_contacts=1, enquiry_households=1, initial_visits=1,
                              registrations_of_interest=1)  # C only: a one-day period includes its day


def test_the_tables_hold_the_same_figures(history):
    report = activity.compute(ReportParams(YEAR.date_from, YEAR.date_to, by=Split.MONTH))
    table = report.tables["activity"].set_index("measure")
    assert table.loc["enquiry_contacts", "total"] == 7 and table.loc["enquiry_contacts", "2025-04"] == 3
    assert table.loc["approvals.fast_track", "2025-09"] == 1 and table.loc["approvals.fast_track", "total"] == 1
    assert table.loc["withdrawals.by_party.applicant", "label"] == "Withdrawals by the applicant"
    assert list(table.columns[:2]) == ["label", "total"] and len(table.columns) == 2 + 12
    reasons = report.tables["withdrawal_reasons"]
    assert reasons[["label", "total", "2025-09", "2025-12"]].values.tolist() == [["Health", 2, 1, 1],
                                                                               ["Not suitable", 1, 1, 0]]


def test_an_empty_period_gives_zeros(app_context, db_session):
    report = activity.compute(ReportParams(date(2020, 1, 1), date(2020, 12, 31), by=Split.SERVICE_LINE))
    assert report.figures == zero() and report.splits == {}
