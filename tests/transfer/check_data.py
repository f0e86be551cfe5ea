"""Households in Stage 1 made by the households and milestones imports (which start no checks), for the checks tests."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.households.models import Household, PersonRole
from tests.factories import PersonFactory
from tests.transfer.conftest import HOUSEHOLD_HEADER, MILESTONE_HEADER, csv_bytes, household_row, run_import

CHECK_HEADER = ["household_ref", "person", "check_type", "requested_date", "received_date", "outcome"]
NAMES = ["applicant_1_first_name", "applicant_1_last_name", "applicant_2_first_name", "applicant_2_last_name"]
STAGE_1_ON = date(2025, 2, 17)
# R1: Grace and Daniel Mensah, and their daughter Ella; R2: an unnamed applicant in Stage 1 of two service lines;
# R3: an adoption enquiry only; R4: two applicants with the same name.
HOUSEHOLDS = [
    household_row("R1", count="2") + ["Grace", "Mensah", "Daniel", "Mensah"],
    household_row("R2") + ["", "", "", ""],
    household_row("R2", line="fostering_mainstream") + ["", "", "", ""],
    household_row("R3") + ["", "", "", ""],
    household_row("R4", count="2") + ["Sam", "Lee", "Sam", "Lee"],
]
IN_STAGE_1 = (("R1", "adoption"), ("R2", "adoption"), ("R2", "fostering_mainstream"), ("R4", "adoption"))
# A good checks file for R1: people named every way the format allows, a check type by its name.
R1_CHECKS = [
    ["R1", "Applicant 1", "dbs", "2025-02-18", "2025-03-10", "clear"],
    ["R1", "daniel  MENSAH", "DBS", "18/02/2025", "", ""],
    ["R1", "Grace Mensah", "Adult health assessment (GP medical, then agency medical adviser)", "2025-02-20",
     "2025-04-01", "information_disclosed"],
    ["R1", "Ella Mensah", "child_health_visitor_school", "2025-02-20", "", ""],
    ["R1", "household", "personal_references", "2025-02-19", "2025-03-30", "Concern"],
    ["R1", "", "financial_home_pet", "", "", ""],
    ["R1", "applicant 2", "ofsted", "", "2025-02-25", "Not required"],
]


def import_families() -> None:
    """R1 to R4 through the households and milestones imports, and R1's child added as the household page would."""
    assert run_import("households", csv_bytes([HOUSEHOLD_HEADER + NAMES, *HOUSEHOLDS])).ok
    events = [[ref, line, event, day, ""] for ref, line in IN_STAGE_1
              for event, day in (("initial_visit", "2025-01-20"), ("registration_of_interest", "2025-02-03"),
                                 ("stage_1", STAGE_1_ON.isoformat()))]
    report = run_import("milestones", csv_bytes([MILESTONE_HEADER, *events]))
    assert report.ok, report.lines()
    r1 = household("R1")
    PersonFactory(household=r1, role=PersonRole.CHILD, first_name="Ella", last_name="Mensah",
                  date_of_birth=date(2016, 5, 5))


def household(ref: str) -> Household:
    return db.session.scalar(select(Household).where(Household.reference == ref))


def checks_file(rows: list[list], header: list[str] = CHECK_HEADER) -> bytes:
    return csv_bytes([header, *rows])


def stored_checks(db_session) -> dict[tuple[str, str | None, str], CheckInstance]:
    """Every check by (household, person's first name or None, check type code)."""
    db_session.expire_all()
    return {(c.application.household.reference, c.person.first_name if c.person else None, c.check_type.code): c
            for c in db_session.scalars(select(CheckInstance))}
