"""`crm authorities add` and `crm authorities list`: partner authorities set up before an import, audited."""
from __future__ import annotations

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.households.models import PartnerAuthority
from tests.factories import PartnerAuthorityFactory
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row


def names(db_session) -> list[str]:
    return list(db_session.scalars(select(PartnerAuthority.name).order_by(PartnerAuthority.name)))


def test_add_trims_each_name_and_audits_each_one(runner, db_session):
    result = runner.invoke(args=["authorities", "add", "  Leeds City Council ", "Bradford   Council"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Added Leeds City Council.", "Added Bradford Council."]
    assert names(db_session) == ["Bradford Council", "Leeds City Council"]
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "partner_authority_created")
                               .order_by(AuditEvent.id)).all()
    assert [(a.detail, a.actor_label) for a in audit] == [({"name": "Leeds City Council"}, "command line"),
                                                         ({"name": "Bradford Council"}, "command line")]


def test_a_blank_or_a_name_already_taken_in_any_capitalisation_adds_nothing(runner, db_session):
    PartnerAuthorityFactory(name="Leeds City Council")
    result = runner.invoke(args=["authorities", "add", "York Council", "LEEDS city council", " ", "york council"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'Error: "LEEDS city council" is already a partner authority ("Leeds City Council")',
        "A partner authority needs a name: a blank one was given",
        '"york council" is already a partner authority ("York Council")']
    assert names(db_session) == ["Leeds City Council"]
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "partner_authority_created")) is None


def test_add_needs_at_least_one_name_that_fits(runner, db_session):
    result = runner.invoke(args=["authorities", "add"])
    assert result.exit_code == 2 and "Missing argument 'NAMES...'" in result.output
    result = runner.invoke(args=["authorities", "add", "x" * 121])
    assert result.exit_code == 1 and "can be at most 120 characters" in result.stderr


def test_list_prints_each_authority_by_name(runner, db_session):
    assert runner.invoke(args=["authorities", "list"]).stdout == (
        "No partner authorities yet: add them with crm authorities add NAME.\n")
    for name in ("York Council", "Bradford Council"):
        PartnerAuthorityFactory(name=name)
    assert runner.invoke(args=["authorities", "list"]).stdout == "Bradford Council\nYork Council\n"


def test_an_added_authority_is_one_an_import_can_name(runner, db_session, tmp_path):
    assert runner.invoke(args=["authorities", "add", "Leeds City Council"]).exit_code == 0
    rows = [HOUSEHOLD_HEADER, household_row("R1", authority="leeds  CITY council")]
    (tmp_path / "h.csv").write_bytes(csv_bytes(rows))
    result = runner.invoke(args=["import", "households", str(tmp_path / "h.csv")])
    assert result.exit_code == 0, result.output
