"""The checks format through `crm import/export checks`, the manager's page, and a round trip into an empty database."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.checks.models import CheckInstance
from crm.extensions import db
from crm.transfer import services
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.helpers import count
from tests.transfer.check_data import R1_CHECKS, checks_file, import_families
from tests.transfer.conftest import build_history
from tests.transfer.test_round_trip import cells

BAD_ROWS = [R1_CHECKS[0], ["R1", "Applicant 2", "dbs", "2025-03-10", "2025-03-01", "clear"],
            ["R1", "Grace Smith", "health", "2025-02-18", "", ""]]


@pytest.fixture
def families(services_as, authorities):
    services_as(import_families)


def test_import_shows_a_progress_bar_and_a_summary(runner, db_session, families, tmp_path):
    (tmp_path / "checks.csv").write_bytes(checks_file(R1_CHECKS))
    result = runner.invoke(args=["import", "checks", str(tmp_path / "checks.csv")])
    assert result.exit_code == 0, result.output
    assert "Importing checks" in result.stderr and "7/7" in result.stderr
    assert result.stdout.splitlines() == ["Checks import of checks.csv: 7 rows read.",
                                          "  checks: 7 created, 0 updated, 0 unchanged", "Stored."]
    assert count(db_session, CheckInstance) == 7


def test_a_file_with_a_bad_row_stores_nothing_and_exits_1(runner, db_session, families, tmp_path):
    (tmp_path / "bad.csv").write_bytes(checks_file(BAD_ROWS))
    result = runner.invoke(args=["import", "checks", str(tmp_path / "bad.csv")])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "2 problem(s); nothing from the file was stored.",
        '  row 3, column received_date: The date received must be on or after 10 March 2025, when the check was '
        'requested (value: "2025-03-01")',
        '  row 4, column person: No one in household R1 has this name; it has Grace Mensah (applicant 1), Daniel '
        'Mensah (applicant 2), Ella Mensah (child) (value: "Grace Smith")']
    assert count(db_session, CheckInstance) == 0  # not even row 2, which was fine
    refused = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import_refused"))
    assert refused.detail["problems"] == 2 and refused.detail["counts"] == {"checks": {"created": 1, "updated": 0,
                                                                                        "unchanged": 0}}


def test_a_dry_run_on_the_command_line_stores_nothing(runner, db_session, families, tmp_path):
    (tmp_path / "checks.csv").write_bytes(checks_file(R1_CHECKS))
    result = runner.invoke(args=["import", "checks", str(tmp_path / "checks.csv"), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-2:] == ["  checks: 7 created, 0 updated, 0 unchanged",
                                               "Dry run: nothing was stored."]
    assert count(db_session, CheckInstance) == 0


def test_unknown_columns_are_reported(runner, db_session, families, tmp_path):
    header = ["household_ref", "person", "check_type", "requested_date", "received_date", "outcome", "Owner"]
    (tmp_path / "checks.csv").write_bytes(checks_file([[*R1_CHECKS[0], "Wendy"]], header))
    result = runner.invoke(args=["import", "checks", str(tmp_path / "checks.csv")])
    assert result.exit_code == 0 and "Warning: owner: Unknown column: its values were not imported" in result.stdout


def test_export_writes_the_format_and_is_audited(runner, db_session, families, tmp_path):
    (tmp_path / "checks.csv").write_bytes(checks_file(R1_CHECKS))
    assert runner.invoke(args=["import", "checks", str(tmp_path / "checks.csv")]).exit_code == 0
    result = runner.invoke(args=["export", "checks"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "household_ref,person,check_type,requested_date,received_date,outcome,service_line",
        "R1,Grace Mensah,dbs,2025-02-18,2025-03-10,clear,adoption",
        "R1,Grace Mensah,health,2025-02-20,2025-04-01,information_disclosed,adoption",
        "R1,Daniel Mensah,dbs,2025-02-18,,,adoption",
        "R1,Daniel Mensah,ofsted,,2025-02-25,not_required,adoption",
        "R1,Ella Mensah,child_health_visitor_school,2025-02-20,,,adoption",
        "R1,,personal_references,2025-02-19,2025-03-30,concern,adoption",
        "R1,,financial_home_pet,,,,adoption"]
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "exported_checks"))
    assert audit.detail == {"format": "csv", "rows": 7, "households": 1} and audit.actor_label == "command line"


@pytest.fixture
def manager(auth, db_session):
    user = UserFactory(roles=[Role.MANAGER])
    auth.login(user)
    return user


def upload(client, content: bytes, dry_run=False):
    page = client.get("/imports")
    data = {"kind": "checks", "csrf_token": csrf_token(page.get_data(as_text=True)),
            "upload": (io.BytesIO(content), "checks.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/imports", data=data, content_type="multipart/form-data")


def test_a_manager_uploads_a_checks_file(client, manager, db_session, families):
    html = client.get("/imports").get_data(as_text=True)
    assert 'value="checks"' in html and 'href="/exports/checks.csv"' in html and 'href="/exports/checks.xlsx"' in html
    assert "This was a dry run: nothing was stored." in upload(client, checks_file(R1_CHECKS), dry_run=True).get_data(
        as_text=True)
    assert count(db_session, CheckInstance) == 0
    response = upload(client, checks_file(R1_CHECKS))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "7 rows read from checks.csv" in page and "The file was imported." in page
    assert '<th scope="row" class="govuk-table__header">Checks</th>' in page
    assert count(db_session, CheckInstance) == 7
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import_applied"))
    assert audit.actor_id == manager.id and audit.detail["counts"] == {"checks": {"created": 7, "updated": 0,
                                                                                 "unchanged": 0}}
    download = client.get("/exports/checks.csv")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith(
        'attachment; filename="hearth-checks-')
    assert download.data.decode("utf-8-sig").splitlines()[1] == "R1,Grace Mensah,dbs,2025-02-18,2025-03-10,clear,adoption"


def test_a_bad_checks_upload_lists_its_problems_and_stores_nothing(client, manager, db_session, families):
    response = upload(client, checks_file(BAD_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem: nothing from the file was stored" in html
    assert 'href="#problem-1">Row 3, received_date: The date received must be on or after 10 March 2025' in html
    assert '<td class="govuk-table__cell">person</td>' in html and "Grace Smith" in html
    assert count(db_session, CheckInstance) == 0


def _check_details(session) -> list[tuple]:
    """What each check holds, as the format carries it and as the import derives it (due date, parts)."""
    return sorted(((c.application.household.reference, c.person.full_name if c.person else None, c.check_type.code,
                    c.requested_on, c.due_on, c.received_on, c.outcome, len(c.parts))
                   for c in session.scalars(select(CheckInstance))), key=str)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_of_checks_into_an_empty_database(services_as, db_session, authorities, empty_app, tmp_path, fmt):
    services_as(lambda: build_history(db_session))
    files = services_as(lambda: {kind: services.export(kind, fmt, actor=None)[0] for kind in services.KINDS})
    original = _check_details(db_session)
    runner = empty_app.test_cli_runner()
    for kind in services.KINDS:
        (tmp_path / f"{kind}.{fmt}").write_bytes(files[kind])
        assert runner.invoke(args=["import", kind, str(tmp_path / f"{kind}.{fmt}")]).exit_code == 0
    with empty_app.app_context():
        assert _check_details(db.session) == original
        assert len(original) == 12 and sum(1 for row in original if row[6] is not None) == 4
        again, _rows = services.export("checks", fmt, actor=None)
        db.session.commit()
    assert cells(again, fmt) == cells(files["checks"], fmt)
