"""A tracker listing each household's first enquiry among its milestones: that row is the first contact, not a second."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm import clock
from crm.enquiries.models import EnquiryContact
from crm.households.models import Household
from crm.reports.base import ReportParams
from crm.reports.families import activity
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import

YEAR = ReportParams(date(2025, 4, 1), date(2026, 3, 31))
HOUSEHOLDS = [
    HOUSEHOLD_HEADER,
    household_row("R1", "adoption", first="2025-04-07"),
    household_row("R2", "fostering_mainstream", first="2025-05-12"),
    household_row("R2", "adoption", first="2025-06-02"),  # a second line, asked about later
]
MILESTONES = [
    MILESTONE_HEADER,
    ["R1", "adoption", "enquiry", "2025-04-07", ""],  # R1's first enquiry: the contact the households file made
    ["R1", "adoption", "information_event", "2025-04-20", ""],
    ["R1", "", "enquiry", "2025-05-01", "email: asked about the support group"],  # a repeat contact
    ["R2", "fostering_mainstream", "enquiry", "12/05/2025", ""],  # R2's first enquiry
    ["R2", "adoption", "enquiry", "2025-06-02", "phone: now asking about adoption"],  # a contact of its own
]


@pytest.fixture
def imported(app_context, db_session, authorities, travel):
    travel(date(2026, 11, 23))
    assert run_import("households", csv_bytes(HOUSEHOLDS)).ok
    return run_import("milestones", csv_bytes(MILESTONES))


def contact_days(db_session) -> dict[str, list[date]]:
    query = (select(Household.reference, EnquiryContact.received_at).join(EnquiryContact.household)
             .order_by(Household.reference, EnquiryContact.received_at))
    days: dict[str, list[date]] = {}
    for reference, at in db_session.execute(query):
        days.setdefault(reference, []).append(clock.london_date(at))
    return days


def test_the_first_enquiry_row_is_the_first_contact_and_a_later_one_is_a_repeat(imported, db_session):
    assert imported.applied, imported.errors
    # The households file made R1's and R2's first contacts and R2's first enquiry about adoption (a contact of its
    # own, SPEC section 2); the milestones file adds R1's repeat contact only.
    assert imported.counts()["contacts"] == {"created": 1, "updated": 0, "unchanged": 3}
    assert contact_days(db_session) == {"R1": [date(2025, 4, 7), date(2025, 5, 1)],
                                        "R2": [date(2025, 5, 12), date(2025, 6, 2)]}


def test_the_activity_report_counts_each_contact_once(imported):
    figures = activity.compute(YEAR).figures
    # R1: first enquiry 7 April and the repeat on 1 May; R2: 12 May (fostering) and 2 June (adoption).
    assert (figures["enquiry_contacts"], figures["enquiry_households"]) == (4, 2)
    assert figures["information_event_households"] == 1


def test_importing_the_milestones_again_adds_no_contact(imported, db_session):
    again = run_import("milestones", csv_bytes(MILESTONES))
    assert again.counts()["contacts"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert sum(len(days) for days in contact_days(db_session).values()) == 4


def test_a_repeat_contact_on_the_first_enquiry_date_is_still_a_contact(imported, db_session):
    same_day = [MILESTONE_HEADER, ["R1", "", "enquiry", "2025-04-07", "email: a second message that day"]]
    assert run_import("milestones", csv_bytes(same_day)).counts()["contacts"]["created"] == 1
    assert contact_days(db_session)["R1"] == [date(2025, 4, 7), date(2025, 4, 7), date(2025, 5, 1)]


def test_a_second_service_line_s_first_enquiry_is_a_contact_from_the_households_file_alone(app_context, db_session,
                                                                                         authorities, travel):
    travel(date(2026, 11, 23))
    households = [HOUSEHOLD_HEADER, household_row("R9", "adoption", first="2025-05-05"),
                  household_row("R9", "fostering_mainstream", first="2025-07-07")]
    first = run_import("households", csv_bytes(households))
    assert first.ok and first.counts()["contacts"]["created"] == 2
    assert contact_days(db_session) == {"R9": [date(2025, 5, 5), date(2025, 7, 7)]}
    figures = activity.compute(YEAR).figures
    assert (figures["enquiry_contacts"], figures["enquiry_households"]) == (2, 1)
    # Imported again: nothing new.
    again = run_import("households", csv_bytes(households))
    assert again.ok and again.counts()["contacts"]["created"] == 0
    # A third line added to the stored household later: its first enquiry is a contact too, once.
    third = [*households, household_row("R9", "early_permanence", first="2025-09-01")]
    assert run_import("households", csv_bytes(third)).counts()["contacts"]["created"] == 1
    assert run_import("households", csv_bytes(third)).counts()["contacts"]["created"] == 0
    assert contact_days(db_session) == {"R9": [date(2025, 5, 5), date(2025, 7, 7), date(2025, 9, 1)]}
