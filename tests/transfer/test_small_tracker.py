"""A small tracker, worked by hand: six households imported from CSV, then the activity report for 2025-26.

The year is 1 April 2025 - 31 March 2026. Leeds City Council and Bradford Council are set up; York Council is not,
and the households file is imported with the option that adds it.

A  adoption, Leeds, first enquiry 7 Apr 2025. Its milestones list that first enquiry (the same contact, not a
   second), then information event 20 Apr, initial visit 5 May, ROI 2 Jun, Stage 1 16 Jun, Stage 1 completed
   1 Sep, Stage 2 15 Sep 2025, panel 12 Jan, approved 2 Feb 2026.
B  adoption, Leeds, first enquiry 1 May 2025; a repeat contact by email on 10 Jun; initial visit 20 May,
   withdrawn by the applicant 1 Jul 2025.
C  mainstream fostering, York (unknown: added), first enquiry 3 Jun 2025. The tracker never recorded an information
   event, an initial visit or a panel: ROI 1 Jul, Stage 1 15 Jul, Stage 1 completed 1 Oct, Stage 2 10 Oct 2025,
   approved 2 Mar 2026. Imported with the warning "stages not recorded: initial visit, panel" (the information
   event is optional on the route; the initial visit and the panel are not).
D  adoption, Bradford, first enquiry 20 Mar 2025 (before the year); initial visit 10 Apr, withdrawn by the service
   1 May 2025.
E  adoption (first enquiry 4 Aug 2025) and mainstream fostering (first enquiry 6 Oct 2025: a later contact about a
   second service line, listed among the milestones); adoption initial visit 20 Aug 2025.
F  mainstream fostering, York, first enquiry 2 Apr 2026 (after the year); nothing else.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.households.models import PartnerAuthority
from crm.reports.base import ReportParams
from crm.reports.families import activity
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import

YEAR = ReportParams(date(2025, 4, 1), date(2026, 3, 31))
HOUSEHOLDS = [
    HOUSEHOLD_HEADER,
    household_row("A", "adoption", first="2025-04-07"),
    household_row("B", "adoption", first="2025-05-01"),
    household_row("C", "fostering_mainstream", authority="York Council", first="2025-06-03"),
    household_row("D", "adoption", authority="Bradford Council", first="2025-03-20"),
    household_row("E", "adoption", first="2025-08-04"),
    household_row("E", "fostering_mainstream", first="2025-10-06"),
    household_row("F", "fostering_mainstream", authority="York Council", first="2026-04-02"),
]
MILESTONES = [
    MILESTONE_HEADER,
    ["A", "adoption", "enquiry", "2025-04-07", ""],  # A's first enquiry, listed: the contact the households file made
    ["A", "adoption", "information_event", "2025-04-20", ""],
    ["A", "adoption", "initial_visit", "2025-05-05", ""],
    ["A", "adoption", "registration_of_interest", "2025-06-02", ""],
    ["A", "adoption", "stage_1", "2025-06-16", ""],
    ["A", "adoption", "stage_1_completed", "2025-09-01", ""],
    ["A", "adoption", "stage_2", "2025-09-15", ""],
    ["A", "adoption", "panel", "2026-01-12", ""],
    ["A", "adoption", "approved", "2026-02-02", ""],
    ["B", "adoption", "initial_visit", "2025-05-20", ""],
    ["B", "", "enquiry", "2025-06-10", "email: asked about the support group"],  # a repeat contact
    ["B", "adoption", "withdrawn", "2025-07-01", "applicant: Finances / cost of living"],
    ["C", "fostering_mainstream", "registration_of_interest", "2025-07-01", ""],  # row 14: no initial visit
    ["C", "fostering_mainstream", "stage_1", "2025-07-15", ""],
    ["C", "fostering_mainstream", "stage_1_completed", "2025-10-01", ""],
    ["C", "fostering_mainstream", "stage_2", "2025-10-10", ""],
    ["C", "fostering_mainstream", "approved", "2026-03-02", ""],  # no panel
    ["D", "adoption", "initial_visit", "2025-04-10", ""],
    ["D", "adoption", "withdrawn", "2025-05-01", "service: Not suitable"],
    ["E", "adoption", "initial_visit", "2025-08-20", ""],
    ["E", "fostering_mainstream", "enquiry", "2025-10-06", "phone: now asking about fostering"],  # a contact of its own
]


@pytest.fixture
def imported(app_context, db_session, authorities, travel):
    travel(date(2026, 6, 1))
    households = run_import("households", csv_bytes(HOUSEHOLDS), add_authorities=True)
    assert households.ok, households.lines()
    milestones = run_import("milestones", csv_bytes(MILESTONES))
    assert milestones.ok, milestones.lines()
    return households, milestones


def test_the_imports_report_what_they_did(imported, db_session):
    households, milestones = imported
    assert households.counts() == {
        "partner_authorities": {"created": 1, "updated": 0, "unchanged": 0},  # York Council, named twice, added once
        "households": {"created": 6, "updated": 0, "unchanged": 0},  # A to F
        "applications": {"created": 7, "updated": 0, "unchanged": 0},  # E has two
        # each household's first contact, and E's first enquiry about fostering (a second line: a contact of its own)
        "contacts": {"created": 7, "updated": 0, "unchanged": 0},
    }
    assert "York Council" in db_session.scalars(select(PartnerAuthority.name)).all()
    assert milestones.counts() == {
        "applications": {"created": 0, "updated": 5, "unchanged": 0},  # A, B, C, D, E's adoption
        # B's repeat; E's second line (made by the households file) and A's listed first enquiry were there already
        "contacts": {"created": 1, "updated": 0, "unchanged": 2},
        "events": {"created": 18, "updated": 0, "unchanged": 0},  # A 8, B 2, C 5, D 2, E 1
    }
    assert [(g.row, g.household_ref, g.message) for g in milestones.gaps] == [
        (14, "C", "stages not recorded: initial visit, panel")]


def test_the_activity_report_counts_what_the_tracker_recorded(imported):
    figures = activity.compute(YEAR).figures
    # Contacts: A 1 (7 Apr; its listed first enquiry is that same contact), B 2 (1 May, and the repeat on 10 Jun),
    # C 1 (3 Jun), E 2 (4 Aug, and 6 Oct about its second service line); D's (20 Mar 2025) and F's (2 Apr 2026)
    # fall outside the year: 1 + 2 + 1 + 2 = 6.
    assert figures["enquiry_contacts"] == 6
    assert figures["enquiry_households"] == 4  # A, B, C, E
    assert figures["information_event_households"] == 1  # A; C's was never recorded
    assert figures["initial_visits"] == 4  # A, B, D (10 Apr, in the year), E's adoption; not C (never recorded)
    assert figures["registrations_of_interest"] == 2  # A, C
    assert figures["stage_1_starts"] == 2 and figures["stage_1_completions"] == 2  # A, C
    assert figures["stage_2_starts"] == 2  # A, C
    assert figures["panel_presentations"] == 1  # A; C's missing panel date is not a presentation
    assert figures["approvals"] == {"total": 2, "fast_track": 0}  # A (2 Feb 2026), C (2 Mar 2026)
    assert figures["withdrawals"]["total"] == 2  # B (1 Jul, the applicant), D (1 May, the service)
    assert figures["withdrawals"]["by_party"] == {"applicant": 1, "service": 1}
    # By the managed list's names, matched from the detail column (crm.funnel.reasons): one each.
    assert figures["withdrawals"]["by_reason"] == {"Finances / cost of living": 1, "Not suitable": 1}
