"""Downloading and removing documents: only those who may see the household's checks, on households they may see;
every download audited; the file sent as an attachment the browser must not sniff."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit.models import AuditEvent
from crm.auth.roles import Role
from crm.documents import services
from crm.documents.models import Document, ScanStatus
from tests.documents.conftest import PDF, Family, files_in, upload_of
from tests.factories import UserFactory
from tests.helpers import count, post


@pytest.fixture
def document(family, upload_folder, services_as):
    return services_as(lambda: services.add_document(family.household, upload_of(PDF, 'Ada "passport".pdf'),
                                                     "identity", person_id=family.applicant.id, user=family.worker))


def test_a_download_is_an_audited_attachment(client, auth, family, document, db_session):
    auth.login(family.worker)
    response = client.get(f"/documents/{document.id}/download")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "passport.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    client.get(f"/documents/{document.id}/download")
    downloads = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "document_downloaded",
                                                            AuditEvent.object_id == str(document.id))).all()
    assert len(downloads) == 2 and {event.actor_id for event in downloads} == {family.worker.id}


def test_the_household_page_lists_documents_for_those_who_see_checks_only(client, auth, family, document,
                                                                           db_session):
    auth.login(family.worker)
    page = client.get(f"/households/{family.household.id}").get_data(as_text=True)
    assert 'id="household-documents"' in page and f"/documents/{document.id}/download" in page
    auth.logout()
    officer = UserFactory(roles=[Role.RECRUITMENT_OFFICER])
    family.household.allocated_worker_id = officer.id  # an officer who may see the household...
    db_session.flush()
    auth.login(officer)
    page = client.get(f"/households/{family.household.id}")
    assert page.status_code == 200
    assert 'id="documents"' not in page.get_data(as_text=True)  # ...sees no documents


@pytest.mark.parametrize("role", [Role.MARKETING_OFFICER, Role.ADMINISTRATOR, Role.RECRUITMENT_OFFICER])
def test_roles_without_check_access_are_refused(client, auth, family, document, upload_folder, db_session, role):
    auth.login(UserFactory(roles=[role]))
    for url in (f"/documents/{document.id}/download", f"/documents/{document.id}/remove",
                f"/households/{family.household.id}/documents/new"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert PDF not in response.data
    assert count(db_session, AuditEvent, AuditEvent.action == "document_downloaded") == 0


def test_a_worker_of_another_household_gets_404(client, auth, family, document, db_session):
    stranger = Family()
    auth.login(stranger.worker)
    for url in (f"/documents/{document.id}/download", f"/documents/{document.id}/remove",
                f"/households/{family.household.id}/documents/new", "/documents/999999/download"):
        assert client.get(url).status_code == 404, url
    response = post(client, f"/households/{stranger.household.id}/documents/new",
                    f"/documents/{document.id}/remove", {})
    assert response.status_code == 404
    assert count(db_session, AuditEvent, AuditEvent.action == "document_downloaded") == 0
    assert db_session.get(Document, document.id).deleted_at is None


def test_a_held_document_cannot_be_downloaded(client, auth, family, document, db_session):
    document.scan_status = ScanStatus.PENDING
    db_session.flush()
    auth.login(family.worker)
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    page = client.get(f"/households/{family.household.id}").get_data(as_text=True)
    assert "Waiting for virus scan" in page and f"/documents/{document.id}/download" not in page


def test_removing_deletes_the_file_and_keeps_the_record(client, auth, family, document, upload_folder, db_session):
    auth.login(family.manager)
    page = f"/documents/{document.id}/remove"
    assert "Remove Ada" in client.get(page).get_data(as_text=True)
    assert post(client, page, None, {}).status_code == 302
    db_session.expire_all()
    removed = db_session.get(Document, document.id)
    assert removed.deleted_at is not None and removed.deleted_by_user_id == family.manager.id
    assert removed.stored_name is None and files_in(upload_folder) == []
    assert count(db_session, AuditEvent, AuditEvent.action == "document_removed") == 1
    assert client.get(f"/documents/{document.id}/download").status_code == 404
    assert client.get(page).status_code == 404
    assert 'id="household-documents"' not in client.get(f"/households/{family.household.id}").get_data(as_text=True)
