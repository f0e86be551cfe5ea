"""The applicant's documents at /my/documents: the same upload rules, the task's status, their own documents only
(another household's, or a worker's papers, answer 404), and every upload and download audited."""
from __future__ import annotations

import io

from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.documents import services
from crm.documents.models import Document, DocumentKind
from crm.households.models import Household
from crm.portal.tasks import COMPLETED, IN_PROGRESS, NOT_STARTED
from tests.conftest import csrf_token
from tests.documents.conftest import EICAR, HTML, PDF, PNG, files_in, upload_of
from tests.factories import UserFactory
from tests.helpers import count
from tests.portal.helpers import portal_applicant, sign_in


def send(client, content=PDF, kind="identity", filename="passport.pdf", expires=("", "", "")):
    token = csrf_token(client.get("/my/documents").get_data(as_text=True))
    data = {"csrf_token": token, "kind": kind, "expires_on": list(expires)}
    if content is not None:
        data["upload"] = (io.BytesIO(content), filename)
    return client.post("/my/documents", data=data, content_type="multipart/form-data")


def status_of(client) -> str:
    page = client.get("/my/").get_data(as_text=True)
    start = page.index("Upload documents")
    return page[start:start + 900]


def test_the_applicant_uploads_what_is_asked_and_the_task_completes(client, db_session, upload_folder):
    account = portal_applicant(db_session)
    assert sign_in(client, account).status_code == 302
    assert NOT_STARTED in status_of(client)
    assert send(client).status_code == 302
    assert IN_PROGRESS in status_of(client)
    assert send(client, PNG, "proof_of_address", "bill.png").status_code == 302
    assert COMPLETED in status_of(client)
    documents = db_session.scalars(select(Document).order_by(Document.id)).all()
    assert [(d.kind, d.person_id, d.uploaded_by_account_id, d.uploaded_by_user_id) for d in documents] == [
        (DocumentKind.IDENTITY, account.person_id, account.id, None),
        (DocumentKind.PROOF_OF_ADDRESS, None, account.id, None)]
    uploads = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "document_uploaded")).all()
    assert [(e.actor_id, e.actor_label, e.object_type) for e in uploads] == [
        (None, account.audit_label, "household")] * 2
    page = client.get("/my/documents").get_data(as_text=True)
    assert "passport.pdf" in page and "bill.png" in page
    response = client.get(f"/my/documents/{documents[0].id}/download")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert count(db_session, AuditEvent, AuditEvent.action == "document_downloaded",
                 AuditEvent.actor_label == account.audit_label) == 1


def test_the_same_rules_refuse_bad_files(client, db_session, upload_folder):
    account = portal_applicant(db_session)
    sign_in(client, account)
    for content, kind, message in ((HTML, "identity", "must be a PDF, JPG or PNG"), (b"", "identity", "is empty"),
                                   (None, "identity", "Select a file"), (PDF, "dbs_certificate", "Choose"),
                                   (PDF, "", "Choose what kind")):
        response = send(client, content, kind)
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    assert count(db_session, Document) == 0 and files_in(upload_folder) == []


def test_a_held_upload_is_in_progress_until_clean(client, db_session, upload_folder, scanner, services_as):
    account = portal_applicant(db_session)
    sign_in(client, account)
    scanner.touch()  # the scanner is down: the upload stays held
    send(client)
    send(client, PDF, "proof_of_address")
    assert IN_PROGRESS in status_of(client) and "Being checked" in client.get("/my/documents").get_data(as_text=True)
    scanner.unlink()
    send(client, EICAR, "identity", "virus.pdf")
    page = client.get("/my/documents").get_data(as_text=True)
    assert "virus found" in page.lower()
    from crm.documents.scanning import scan_pending

    assert services_as(scan_pending)["clean"] == 2
    assert COMPLETED in status_of(client)


def test_another_households_or_a_workers_documents_answer_404(client, db_session, upload_folder, services_as):
    account = portal_applicant(db_session)
    other = portal_applicant(db_session)
    worker = UserFactory()
    household = db_session.get(Household, account.household_id)
    theirs = services_as(lambda: services.add_document(db_session.get(Household, other.household_id),
                                                       upload_of(PDF), "identity", person_id=other.person_id,
                                                       account=other))
    dbs = services_as(lambda: services.add_document(household, upload_of(PDF), "dbs_certificate",
                                                    person_id=account.person_id, user=worker))
    mine = services_as(lambda: services.add_document(household, upload_of(PDF), "identity",
                                                     person_id=account.person_id, user=worker))
    sign_in(client, account)
    assert client.get(f"/my/documents/{mine.id}/download").status_code == 200
    for document in (theirs, dbs):
        assert client.get(f"/my/documents/{document.id}/download").status_code == 404
    assert client.get("/my/documents/999999/download").status_code == 404
    page = client.get("/my/documents").get_data(as_text=True)
    assert "DBS certificate" not in page
    # ...and staff pages stay shut to an applicant, and /my/ to staff.
    assert client.get(f"/documents/{mine.id}/download").status_code in (302, 403)
    assert count(db_session, AuditEvent, AuditEvent.action == "document_downloaded") == 1


def test_staff_and_visitors_are_sent_to_the_portal_sign_in(client, auth, db_session, upload_folder):
    account = portal_applicant(db_session)
    for url in ("/my/documents", "/my/documents/1/download"):
        assert "/my/sign-in" in client.get(url).headers["Location"]
    from crm.auth.roles import Role

    auth.login(UserFactory(roles=[Role.MANAGER]))
    assert "/my/sign-in" in client.get("/my/documents").headers["Location"]
    assert "/my/sign-in" in client.post("/my/documents", data={}).headers["Location"]
    assert account.id
