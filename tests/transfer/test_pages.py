"""The manager's import page and export downloads: reports, errors, bad uploads, and who may use them."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.households.models import Household
from tests.conftest import csrf_token
from tests.factories import UserFactory
from tests.helpers import count
from tests.transfer.conftest import HOUSEHOLD_HEADER, csv_bytes, household_row


@pytest.fixture
def manager(auth, db_session):
    user = UserFactory(roles=[Role.MANAGER])
    auth.login(user)
    return user


def upload(client, content: bytes | None, filename: str = "tracker.csv", kind: str = "households", dry_run=False):
    page = client.get("/imports")
    data = {"kind": kind, "csrf_token": csrf_token(page.get_data(as_text=True))}
    if content is not None:
        data["upload"] = (io.BytesIO(content), filename)
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/imports", data=data, content_type="multipart/form-data")


def test_a_manager_imports_a_file_and_sees_what_changed(client, manager, db_session, authorities):
    response = upload(client, csv_bytes([HOUSEHOLD_HEADER, household_row("R1"), household_row("R2")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 rows read from tracker.csv" in html and "The file was imported." in html
    assert count(db_session, Household) == 2
    audit = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "import_applied"))
    assert audit.actor_id == manager.id and audit.detail["counts"]["households"]["created"] == 2


def test_a_dry_run_from_the_page_stores_nothing(client, manager, db_session, authorities):
    response = upload(client, csv_bytes([HOUSEHOLD_HEADER, household_row("R1")]), dry_run=True)
    assert response.status_code == 200 and "This was a dry run: nothing was stored." in response.get_data(as_text=True)
    assert count(db_session, Household) == 0


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_stored(client, manager, db_session, authorities):
    rows = [household_row("R1"), household_row("R2", line="adopton"), household_row("R3", first="2999-01-01")]
    response = upload(client, csv_bytes([HOUSEHOLD_HEADER, *rows, [*household_row("R4")[:-1], "<b>maybe</b>"]]))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Import and export" in html and "govuk-error-summary" in html
    assert 'href="#problem-1">Row 3, service_line: Unknown service line' in html
    assert '<td class="govuk-table__cell">first_enquiry_date</td>' in html and "2999-01-01" in html
    assert "&lt;b&gt;maybe&lt;/b&gt;" in html and "<b>maybe</b>" not in html
    assert count(db_session, Household) == 0


@pytest.mark.parametrize(("content", "filename", "message"), [
    (None, "", "Choose a CSV or XLSX file"),
    (b"", "tracker.csv", "The file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "tracker.csv", "The file holds binary data, not CSV text"),
    (b"\xff\xfe\xfa garbage", "tracker.csv", "The file is not UTF-8 text"),
    (b"garbage", "tracker.xlsx", "The file is not an Excel workbook"),
    (b"%PDF-1.7", "tracker.pdf", "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
    (b"a,b\n" + b"x" * 300_000 + b",y\n", "tracker.csv", "field larger than field limit"),
    (b"household_ref\nR1\n", "tracker.csv", "service_line: This required column is missing"),
])
def test_an_unusable_upload_gets_a_message_beside_the_field_not_a_server_error(client, manager, content, filename,
                                                                             message):
    response = upload(client, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "govuk-error-summary" in html and "govuk-file-upload--error" in html


def test_a_manager_downloads_each_export(client, manager, db_session, authorities):
    upload(client, csv_bytes([HOUSEHOLD_HEADER, household_row("R1")]))
    csv_response = client.get("/exports/households.csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert csv_response.headers["Content-Disposition"].startswith('attachment; filename="hearth-households-')
    assert csv_response.data.decode("utf-8-sig").splitlines()[1].startswith("R1,adoption,")
    xlsx_response = client.get("/exports/milestones.xlsx")
    assert xlsx_response.status_code == 200 and xlsx_response.data[:2] == b"PK"
    assert client.get("/exports/people.csv").status_code == 404
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("exported_%"))).all()
    assert sorted(actions) == ["exported_households", "exported_milestones"]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MANAGER])
def test_only_managers_may_import_or_export(client, auth, db_session, role):
    auth.login(UserFactory(roles=[role]))
    assert client.get("/imports").status_code == 403
    assert client.get("/exports/households.csv").status_code == 403
    assert "Import and export" not in client.get("/").get_data(as_text=True)


def test_the_page_offers_the_form_and_the_downloads(client, manager):
    html = client.get("/imports").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and 'name="dry_run"' in html
    assert 'href="/exports/households.xlsx"' in html and 'href="/exports/milestones.csv"' in html
    assert ">Import and export<" in html  # in the navigation
