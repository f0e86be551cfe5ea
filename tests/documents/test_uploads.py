"""Uploading a document: only PDF, JPEG and PNG by their first bytes, within the size limit, never empty, stored
outside the web root under a random name, and nothing left on disk when it is refused or its transaction fails."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.config import ROOT
from crm.documents import services
from crm.documents.models import Document, DocumentKind, ScanStatus
from crm.errors import DomainError
from crm.extensions import db
from tests.conftest import csrf_token
from tests.documents.conftest import HTML, JPEG, PDF, PNG, files_in, upload_of
from tests.helpers import count


def post_upload(client, household_id, content=PDF, filename="passport.pdf", **fields):
    url = f"/households/{household_id}/documents/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "kind": "identity", "person": "", "check": "",
            "expires_on": ["", "", ""], **fields}
    if content is not None:
        data["upload"] = (io.BytesIO(content), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("content, filename, content_type, stored_as", [
    (PDF, "passport.pdf", "application/pdf", "passport.pdf"),
    (JPEG, "licence.jpeg", "image/jpeg", "licence.jpg"),
    (PNG, "bill.pdf", "image/png", "bill.png"),  # a PNG named .pdf is a PNG: its bytes decide, not its name
])
def test_a_pdf_jpeg_or_png_is_stored_outside_the_web_root(client, auth, family, upload_folder, db_session, content,
                                                          filename, content_type, stored_as):
    auth.login(family.worker)
    response = post_upload(client, family.household.id, content, filename, person=str(family.applicant.id),
                           expires_on=["1", "3", "2030"])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    document = db_session.scalar(select(Document))
    assert (document.kind, document.content_type, document.original_filename) == (
        DocumentKind.IDENTITY, content_type, stored_as)
    assert document.person_id == family.applicant.id and document.expires_on.isoformat() == "2030-03-01"
    assert document.size_bytes == len(content) and document.uploaded_by_user_id == family.worker.id
    assert document.scan_status is ScanStatus.NOT_SCANNED
    assert files_in(upload_folder) == [document.stored_name] and len(document.stored_name) >= 40
    stored = upload_folder / document.stored_name
    assert stored.read_bytes() == content
    assert ROOT / "static" not in stored.parents and oct(stored.stat().st_mode)[-3:] == "600"
    assert count(db_session, AuditEvent, AuditEvent.action == "document_uploaded",
                 AuditEvent.object_id == str(document.id)) == 1
    page = client.get(f"/households/{family.household.id}").get_data(as_text=True)
    assert 'id="documents"' in page and stored_as in page and "Not scanned" in page
    assert client.get(f"/assets/../uploads/{document.stored_name}").status_code == 404


def test_the_default_folder_is_in_the_instance_folder(app, app_context):
    from pathlib import Path

    from crm.documents import storage

    before = app.config["HEARTH_UPLOAD_DIR"]
    app.config["HEARTH_UPLOAD_DIR"] = ""
    try:
        assert storage.upload_dir() == Path(app.instance_path) / "uploads"
    finally:
        app.config["HEARTH_UPLOAD_DIR"] = before


@pytest.mark.parametrize("content, filename, message", [
    (HTML, "passport.pdf", "The selected file must be a PDF, JPG or PNG"),          # HTML dressed as a PDF
    (b"GIF89a" + b"\x00" * 20, "photo.png", "The selected file must be a PDF, JPG or PNG"),
    (b"PK\x03\x04" + b"\x00" * 20, "form.pdf", "The selected file must be a PDF, JPG or PNG"),
    (b"", "empty.pdf", "The selected file is empty"),
    (None, None, "Select a file"),
])
def test_anything_else_is_refused_with_nothing_stored(client, auth, family, upload_folder, db_session, content,
                                                      filename, message):
    auth.login(family.worker)
    response = post_upload(client, family.household.id, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db_session, Document) == 0 and files_in(upload_folder) == []


def test_a_file_over_the_limit_is_refused(app, client, auth, family, upload_folder, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "HEARTH_UPLOAD_MAX_BYTES", 1024)
    auth.login(family.worker)
    response = post_upload(client, family.household.id, PDF + b"0" * 2000)
    assert response.status_code == 400
    assert "The file must be smaller than" in response.get_data(as_text=True)
    assert count(db_session, Document) == 0 and files_in(upload_folder) == []


def test_a_request_far_over_the_limit_gets_a_clear_page_before_it_is_read(app, client, auth, family, upload_folder,
                                                                          db_session, monkeypatch):
    monkeypatch.setitem(app.config, "HEARTH_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    auth.login(family.worker)
    response = post_upload(client, family.household.id, PDF + b"0" * (12 * 1024 * 1024))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file must be smaller than 10 MB" in page and "Traceback" not in page
    assert count(db_session, Document) == 0 and files_in(upload_folder) == []


@pytest.mark.parametrize("fields", [
    {"kind": "bogus"}, {"kind": ""}, {"person": "abc"}, {"person": "999999999"}, {"person": "9" * 40},
    {"check": "-1"}, {"check": "99999999999999999999999"}, {"expires_on": ["31", "2", "2030"]},
    {"expires_on": ["x", "\x00", "2030"]}, {"expires_on": ["1", "1", "2020"]}, {"expires_on": ["1", "1"]},
])
def test_junk_is_answered_with_a_message_and_nothing_stored(client, auth, family, upload_folder, db_session, fields):
    auth.login(family.worker)
    response = post_upload(client, family.household.id, **fields)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert count(db_session, Document) == 0 and files_in(upload_folder) == []


def test_another_households_person_or_check_is_refused(client, auth, family, upload_folder, db_session):
    from tests.documents.conftest import Family

    other = Family()
    auth.login(family.worker)
    response = post_upload(client, family.household.id, person=str(other.applicant.id))
    assert response.status_code == 400 and "Choose a person in this household" in response.get_data(as_text=True)
    assert count(db_session, Document) == 0 and files_in(upload_folder) == []


def test_a_failed_transaction_leaves_no_file(app, family, upload_folder, services_as, db_session):
    def upload_then_fail():
        services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
        assert len(files_in(upload_folder)) == 1
        db.session.rollback()
        return files_in(upload_folder)

    assert services_as(upload_then_fail) == []
    assert count(db_session, Document) == 0


def test_a_refused_file_leaves_no_temporary_file(app, family, upload_folder, services_as):
    def upload():
        with pytest.raises(DomainError):
            services.add_document(family.household, upload_of(HTML), "identity", user=family.worker)
        return files_in(upload_folder)

    assert services_as(upload) == []


def test_filenames_are_made_safe_to_show(app_context):
    from crm.documents.storage import safe_filename

    assert safe_filename("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert safe_filename('C:\\Users\\ada\\"scan"\r\n.png', "image/png") == "scan.png"
    assert safe_filename("", "image/jpeg") == "document.jpg"
    assert safe_filename("x" * 500 + ".pdf", "application/pdf") == "x" * 100 + ".pdf"
