"""The checks import: people and check types named loosely, due dates, re-import, escalations, problems per row."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from crm.audit.models import AuditEvent
from crm.checks import services as checks
from crm.checks.models import CheckInstance, CheckOutcome
from crm.escalations import services as escalations
from crm.escalations.models import Escalation, EscalationKind
from crm.transfer import checks as checks_format
from crm.transfer import exports
from tests.factories import UserFactory
from tests.transfer.check_data import (CHECK_HEADER, R1_CHECKS, checks_file, household, import_families,
                                       stored_checks)
from tests.transfer.conftest import run_import


@pytest.fixture
def families(app_context, db_session, authorities):
    import_families()


def checks_table(db_session) -> list[tuple]:
    return [tuple(row) for row in db_session.execute(text("SELECT * FROM checks ORDER BY id"))]


def test_a_checks_file_adds_each_check_as_the_catalogue_would(families, db_session):
    report = run_import("checks", checks_file(R1_CHECKS))
    assert report.ok, report.lines()
    assert report.counts() == {"checks": {"created": 7, "updated": 0, "unchanged": 0}}
    found = stored_checks(db_session)
    assert set(found) == {("R1", "Grace", "dbs"), ("R1", "Daniel", "dbs"), ("R1", "Grace", "health"),
                          ("R1", "Ella", "child_health_visitor_school"), ("R1", None, "personal_references"),
                          ("R1", None, "financial_home_pet"), ("R1", "Daniel", "ofsted")}
    dbs = found[("R1", "Grace", "dbs")]
    assert (dbs.requested_on, dbs.due_on, dbs.received_on, dbs.outcome) == (
        date(2025, 2, 18), date(2025, 3, 18), date(2025, 3, 10), CheckOutcome.CLEAR)  # due: requested + 28 days
    assert [part.name for part in dbs.parts][0] == "Applicant completed the online application"
    assert len(dbs.parts) == 3 and dbs.application.service_line_code == "adoption"
    health = found[("R1", "Grace", "health")]
    assert (health.due_on, health.outcome) == (date(2025, 4, 3), CheckOutcome.INFORMATION_DISCLOSED)  # 42 days
    assert found[("R1", "Daniel", "dbs")].received_on is None and found[("R1", "Daniel", "dbs")].outcome is None
    assert found[("R1", None, "personal_references")].outcome is CheckOutcome.CONCERN
    ofsted = found[("R1", "Daniel", "ofsted")]
    assert (ofsted.requested_on, ofsted.due_on, ofsted.outcome) == (None, None, CheckOutcome.NOT_REQUIRED)
    assert found[("R1", None, "financial_home_pet")].requested_on is None


def test_the_same_file_twice_changes_nothing(families, db_session):
    assert run_import("checks", checks_file(R1_CHECKS)).ok
    before = checks_table(db_session)
    again = run_import("checks", checks_file(R1_CHECKS))
    assert again.ok and again.counts() == {"checks": {"created": 0, "updated": 0, "unchanged": 7}}
    assert checks_table(db_session) == before


def test_a_changed_receipt_updates_the_check_and_a_blank_cell_clears_nothing(families, db_session):
    assert run_import("checks", checks_file(R1_CHECKS)).ok
    changed = [
        ["R1", "Applicant 1", "dbs", "2025-02-18", "2025-03-12", "information_disclosed"],  # corrected receipt
        ["R1", "Daniel Mensah", "dbs", "2025-02-21", "", ""],  # request corrected: the due date follows
        ["R1", "Grace Mensah", "health", "", "", ""],  # blanks: what Hearth holds stays
    ]
    report = run_import("checks", checks_file(changed))
    assert report.ok and report.counts() == {"checks": {"created": 0, "updated": 2, "unchanged": 1}}
    found = stored_checks(db_session)
    dbs = found[("R1", "Grace", "dbs")]
    assert (dbs.received_on, dbs.outcome) == (date(2025, 3, 12), CheckOutcome.INFORMATION_DISCLOSED)
    assert (found[("R1", "Daniel", "dbs")].requested_on, found[("R1", "Daniel", "dbs")].due_on) == (
        date(2025, 2, 21), date(2025, 3, 21))
    health = found[("R1", "Grace", "health")]
    assert (health.requested_on, health.received_on, health.outcome) == (
        date(2025, 2, 20), date(2025, 4, 1), CheckOutcome.INFORMATION_DISCLOSED)


def test_a_check_received_by_import_gets_the_default_expiry_as_one_received_in_hearth(families, db_session):
    fostering_dbs = ["R2", "Applicant 1", "dbs", "2025-02-18", "2025-03-10", "clear", "fostering_mainstream"]
    rows = [[*row, ""] for row in R1_CHECKS] + [fostering_dbs]
    report = run_import("checks", checks_file(rows, [*CHECK_HEADER, "service_line"]))
    assert report.ok, report.lines()
    found = stored_checks(db_session)
    assert found[("R1", "Grace", "health")].expires_on == date(2027, 4, 1)  # the medical: received + 2 years
    [r2_dbs] = [check for (ref, _, code), check in found.items() if (ref, code) == ("R2", "dbs")]
    assert r2_dbs.expires_on == date(2028, 3, 10)  # a fostering DBS: received + 3 years
    assert found[("R1", "Grace", "dbs")].expires_on is None  # an adoption DBS has no renewal
    assert found[("R1", "Daniel", "ofsted")].expires_on is None  # not required
    checks.set_expiry(found[("R1", "Grace", "health")], date(2026, 12, 31), actor=UserFactory())
    assert run_import("checks", checks_file([["R1", "Grace Mensah", "health", "", "", "clear"]])).ok
    assert stored_checks(db_session)[("R1", "Grace", "health")].expires_on == date(2026, 12, 31)  # a worker's own
    assert run_import("checks", checks_file([["R1", "Grace Mensah", "health", "", "2025-04-03", ""]])).ok
    assert stored_checks(db_session)[("R1", "Grace", "health")].expires_on == date(2027, 4, 3)  # a new receipt


def test_a_check_received_by_import_is_no_longer_escalated(families, db_session):
    assert run_import("checks", checks_file(R1_CHECKS)).ok
    daniel_dbs = stored_checks(db_session)[("R1", "Daniel", "dbs")]
    manager = UserFactory()
    escalations.raise_all([escalations.Due(EscalationKind.CHECK_OVERDUE, "check", daniel_dbs.id, "owner", manager.id,
                                           daniel_dbs.application.household_id, "Enhanced DBS check for Daniel Mensah",
                                           daniel_dbs.due_on)], run_id=None)
    report = run_import("checks", checks_file([["R1", "Applicant 2", "dbs", "", "2025-03-20", "clear"]]))
    assert report.ok and report.counts() == {"checks": {"created": 0, "updated": 1, "unchanged": 0}}
    escalation = db_session.scalar(select(Escalation).where(Escalation.subject_id == daniel_dbs.id))
    assert escalation.resolved_at is not None and escalation.resolution == "received (import)"


def test_service_line_chooses_among_applications_in_stage_1(families, db_session):
    rows = [["R2", "Applicant 1", "dbs", "2025-02-18", "", "", "fostering_mainstream"],
            ["R2", "Applicant 1", "dbs", "2025-02-19", "", "", "Adoption"],
            ["R1", "Applicant 1", "dbs", "2025-02-18", "", "", ""]]  # blank: the household's one in Stage 1
    report = run_import("checks", checks_file(rows, [*CHECK_HEADER, "service_line"]))
    assert report.ok, report.lines()
    by_line = {(c.application.household.reference, c.application.service_line_code): c.requested_on
               for c in db_session.scalars(select(CheckInstance))}
    assert by_line == {("R2", "fostering_mainstream"): date(2025, 2, 18), ("R2", "adoption"): date(2025, 2, 19),
                       ("R1", "adoption"): date(2025, 2, 18)}


def test_a_dry_run_reports_what_would_change_and_stores_nothing(families, db_session):
    report = run_import("checks", checks_file(R1_CHECKS), dry_run=True)
    assert report.ok and not report.applied
    assert report.lines()[-2:] == ["  checks: 7 created, 0 updated, 0 unchanged", "Dry run: nothing was stored."]


def test_each_kind_of_bad_check_row_is_reported_with_its_row_column_and_value(families, db_session):
    rows = [
        R1_CHECKS[0],
        ["R9", "Applicant 1", "dbs", "2025-02-18", "", ""],
        ["R1", "Grace Smith", "dbs", "2025-02-18", "", ""],
        ["R4", "sam lee", "dbs", "2025-02-18", "", ""],
        ["R1", "Applicant 2", "dbx", "2025-02-18", "", ""],
        ["R1", "Applicant 2", "health", "30/02/2025", "", ""],
        ["R1", "Applicant 2", "la_checks", "2025-03-10", "2025-03-01", "clear"],
        ["R1", "Applicant 2", "probation_nspcc", "2025-02-18", "", "clear"],
        ["R1", "Applicant 2", "ofsted", "2999-01-01", "", ""],
        ["R1", "Applicant 2", "dbs", "2025-02-18", "2025-03-01", ""],
        ["R1", "Applicant 5", "dbs", "2025-02-18", "", ""],
        ["R1", "Applicant 1", "personal_references", "2025-02-18", "", ""],
        ["R1", "", "la_checks", "2025-02-18", "", ""],
        ["R2", "Applicant 1", "dbs", "2025-02-18", "", ""],
        ["R3", "Applicant 1", "dbs", "2025-02-18", "", ""],
        ["R1", "grace mensah", "DBS", "2025-02-18", "", ""],
        ["R1", "Applicant 2", "health", "", "2025-03-01", "clear"],
        ["R1", "Applicant 2", "overseas", "2025-02-18", "", "maybe"],
    ]
    report = run_import("checks", checks_file(rows))
    problems = {(p.row, p.column): (p.message, p.value) for p in report.errors}
    assert set(problems) == {(3, "household_ref"), (4, "person"), (5, "person"), (6, "check_type"),
                             (7, "requested_date"), (8, "received_date"), (9, "outcome"), (10, "requested_date"),
                             (11, "outcome"), (12, "person"), (13, "person"), (14, "person"), (15, "service_line"),
                             (16, "service_line"), (17, "check_type"), (18, "requested_date"), (19, "outcome")}
    assert problems[(3, "household_ref")] == ("No household has this reference: import it in the households file "
                                              "first", "R9")
    assert problems[(4, "person")] == ("No one in household R1 has this name; it has Grace Mensah (applicant 1), "
                                       "Daniel Mensah (applicant 2), Ella Mensah (child)", "Grace Smith")
    assert problems[(5, "person")][0].startswith("More than one person of household R4 has this name: write "
                                                 "applicant 1, applicant 2, ... instead")
    assert problems[(6, "check_type")] == ("Unknown check type: use one of " + ", ".join(
        ["dbs", "la_checks", "health", "overseas", "personal_references", "employer_reference",
         "ex_partner_reference", "child_health_visitor_school", "probation_nspcc", "ofsted", "financial_home_pet",
         "previous_fostering_reference"]), "dbx")
    assert problems[(7, "requested_date")] == ("Must be a real date written YYYY-MM-DD or DD/MM/YYYY, for example "
                                               "2025-03-27", "30/02/2025")
    assert problems[(8, "received_date")] == ("The date received must be on or after 10 March 2025, when the check was "
                                              "requested", "2025-03-01")
    assert problems[(9, "outcome")] == ("An outcome needs the date the check was received", "clear")
    assert problems[(10, "requested_date")] == ("The date is in the future", "2999-01-01")
    assert problems[(11, "outcome")] == ("A received check needs its outcome", "")
    assert problems[(12, "person")][0] == ("Household R1 has 2 applicant(s): Grace Mensah (applicant 1), Daniel "
                                           "Mensah (applicant 2), Ella Mensah (child)")
    assert problems[(13, "person")][0].startswith("personal_references is a check of the application as a whole")
    assert problems[(14, "person")][0].startswith("la_checks is a check of a person")
    assert problems[(15, "service_line")][0] == ("Household R2 has applications in Stage 1 or beyond for adoption "
                                                 "and fostering_mainstream: say which in a service_line column")
    assert problems[(16, "service_line")][0] == ("No application of household R3 has reached Stage 1 (adoption): "
                                                 "import its milestones first")
    assert problems[(17, "check_type")] == ("Row 2 already has this check of this person", "DBS")
    assert problems[(18, "requested_date")][0].startswith("Give the date requested: only a check that was not "
                                                          "required can be received without one")
    assert problems[(19, "outcome")][0].startswith("Must be one of clear, information_disclosed, concern, "
                                                   "not_required")


def test_a_receipt_may_be_dated_before_a_chase_recorded_in_hearth(families, db_session):
    assert run_import("checks", checks_file(R1_CHECKS)).ok
    worker = UserFactory()
    checks.chase_check(stored_checks(db_session)[("R1", "Daniel", "dbs")], date(2025, 3, 25), None, actor=worker)
    report = run_import("checks", checks_file([["R1", "Applicant 2", "dbs", "", "2025-03-20", "clear"]]))
    assert report.ok, report.errors
    assert stored_checks(db_session)[("R1", "Daniel", "dbs")].received_on == date(2025, 3, 20)


def test_a_service_line_the_household_lacks_or_that_has_not_reached_stage_1_is_reported(families, db_session):
    rows = [["R1", "Applicant 1", "dbs", "", "", "", "fostering_mainstream"],
            ["R3", "Applicant 1", "dbs", "", "", "", "adoption"],
            ["R1", "Applicant 1", "dbs", "", "", "", "knitting"]]
    report = run_import("checks", checks_file(rows, [*CHECK_HEADER, "service_line"]))
    assert [(p.row, p.message) for p in report.row_errors] == [
        (2, "Household R1 has no fostering_mainstream application; it has adoption"),
        (3, "The adoption application of household R3 has not reached Stage 1: import its milestones first"),
        (4, "Unknown service line: use one of adoption, early_permanence, fostering_connected, fostering_mainstream")]


def test_the_import_audit_entry_holds_counts_never_outcomes(runner, db_session, families, tmp_path):
    (tmp_path / "checks.csv").write_bytes(checks_file(R1_CHECKS))
    result = runner.invoke(args=["import", "checks", str(tmp_path / "checks.csv")])
    assert result.exit_code == 0, result.output
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import_applied"))
    assert audit.object_id == "checks" and audit.detail["counts"] == {
        "checks": {"created": 7, "updated": 0, "unchanged": 0}}
    assert not {"clear", "concern", "information_disclosed", "not_required"} & set(str(audit.detail).split("'"))
    per_check = db_session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "check"))
    assert per_check == 0


def test_an_export_names_unnamed_applicants_and_namesakes_by_their_number(families, db_session):
    rows = [["R2", "Applicant 1", "dbs", "2025-02-18", "", "", "adoption"],
            ["R4", "Applicant 2", "dbs", "2025-02-18", "", "", "adoption"],
            ["R1", "Grace Mensah", "dbs", "2025-02-18", "", "", "adoption"]]
    assert run_import("checks", checks_file(rows, [*CHECK_HEADER, "service_line"])).ok
    columns, exported, households = exports.check_rows()
    assert columns == [*CHECK_HEADER, "service_line"] and households == 3
    assert exported == [["R1", "Grace Mensah", "dbs", date(2025, 2, 18), None, None, "adoption"],
                        ["R2", "Applicant 1", "dbs", date(2025, 2, 18), None, None, "adoption"],
                        ["R4", "Applicant 2", "dbs", date(2025, 2, 18), None, None, "adoption"]]
    assert checks_format.person_cell(household("R4"), household("R4").applicants[0]) == "Applicant 1"

