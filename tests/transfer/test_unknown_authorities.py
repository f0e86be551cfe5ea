"""A households file naming partner authorities Hearth does not hold: each listed once, or added first on request."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.households.models import Household, PartnerAuthority
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row

ROWS = [HOUSEHOLD_HEADER, household_row("R1", authority="York Council"),
        household_row("R2", authority="Leeds City Council"), household_row("R3", authority="york  COUNCIL"),
        household_row("R4", authority="Hull Council"), household_row("R5", authority="York Council")]
MESSAGE = ("Unknown partner authority, named in {rows}: an administrator adds it before the import "
           "(crm authorities add NAME, or crm import households --add-authorities)")


def authority_names(db_session) -> list[str]:
    return list(db_session.scalars(select(PartnerAuthority.name).order_by(PartnerAuthority.name)))


def write(tmp_path, rows=ROWS):
    (tmp_path / "h.csv").write_bytes(csv_bytes(rows))
    return str(tmp_path / "h.csv")


def test_each_unknown_authority_is_listed_once_with_its_rows(runner, db_session, authorities, tmp_path):
    for dry_run in ([], ["--dry-run"]):
        result = runner.invoke(args=["import", "households", write(tmp_path), *dry_run])
        assert result.exit_code == 1
        assert result.stdout.splitlines()[1:] == [
            "2 problem(s); nothing from the file was stored.",
            "  file, column partner_authority: "
            f'{MESSAGE.format(rows="3 rows, the first row 2")} (value: "York Council")',
            f'  file, column partner_authority: {MESSAGE.format(rows="row 5")} (value: "Hull Council")']
    assert db_session.scalar(select(Household)) is None


def test_add_authorities_adds_each_unknown_once_then_imports(runner, db_session, authorities, tmp_path):
    result = runner.invoke(args=["import", "households", write(tmp_path), "--add-authorities"])
    assert result.exit_code == 0, result.output
    assert "  partner_authorities: 2 created, 0 updated, 0 unchanged" in result.stdout.splitlines()
    assert "  households: 5 created, 0 updated, 0 unchanged" in result.stdout.splitlines()
    assert authority_names(db_session) == ["Bradford Council", "Hull Council", "Leeds City Council", "York Council"]
    york = db_session.scalar(select(PartnerAuthority).where(PartnerAuthority.name == "York Council"))
    in_york = db_session.scalars(select(Household.reference).where(Household.partner_authority_id == york.id))
    assert set(in_york) == {"R1", "R3", "R5"}
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "partner_authority_created")).all()
    assert sorted(a.detail["name"] for a in audit) == ["Hull Council", "York Council"]
    again = runner.invoke(args=["import", "households", write(tmp_path), "--add-authorities"])
    assert "partner_authorities" not in again.stdout and "households: 0 created, 0 updated, 5 unchanged" in again.stdout


def test_a_dry_run_with_add_authorities_shows_them_and_stores_nothing(runner, db_session, authorities, tmp_path):
    result = runner.invoke(args=["import", "households", write(tmp_path), "--add-authorities", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "  partner_authorities: 2 created, 0 updated, 0 unchanged" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "Dry run: nothing was stored."
    assert authority_names(db_session) == ["Bradford Council", "Leeds City Council"]


def test_added_authorities_go_when_another_row_refuses_the_file(runner, db_session, authorities, tmp_path):
    rows = [*ROWS, household_row("R6", first="not a date")]
    result = runner.invoke(args=["import", "households", write(tmp_path, rows), "--add-authorities"])
    assert result.exit_code == 1 and "row 7, column first_enquiry_date" in result.stdout
    assert authority_names(db_session) == ["Bradford Council", "Leeds City Council"]


def test_a_name_too_long_to_add_is_a_problem_with_the_file(runner, db_session, authorities, tmp_path):
    result = runner.invoke(args=["import", "households", write(tmp_path, [HOUSEHOLD_HEADER,
                                                                          household_row(authority="x" * 121)]),
                                 "--add-authorities"])
    assert result.exit_code == 1 and "file, column partner_authority: A partner authority's name can be at most" \
        in result.stdout
    assert authority_names(db_session) == ["Bradford Council", "Leeds City Council"]
