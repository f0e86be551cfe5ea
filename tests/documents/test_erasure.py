"""An anonymised or erased household keeps no document: the files are deleted once the change commits and the rows'
filenames cleared; subject access lists the documents held (never the stored file's name) and their audit entries."""
from __future__ import annotations

from sqlalchemy import select

from crm.dataprotection.anonymise import anonymise_household
from crm.dataprotection.erasure import erase_household
from crm.documents import services
from crm.documents.models import Document
from crm.extensions import db
from crm.funnel.stages import Status
from tests.documents.conftest import PDF, PNG, files_in, upload_of


def test_anonymising_deletes_the_files_and_their_names(app_context, family, upload_folder, db_session):
    services.add_document(family.household, upload_of(PDF, "Ada Lovelace passport.pdf"), "identity",
                          person_id=family.applicant.id, user=family.worker)
    services.add_document(family.household, upload_of(PNG, "bill.png"), "proof_of_address", user=family.worker)
    db.session.commit()
    assert len(files_in(upload_folder)) == 2
    counts = anonymise_household(family.household, "withdrawn_or_not_approved")
    assert counts["documents"] == 2
    assert len(files_in(upload_folder)) == 2  # kept until the anonymisation commits...
    db.session.commit()
    assert files_in(upload_folder) == []  # ...then gone
    rows = db_session.scalars(select(Document)).all()
    assert [(row.original_filename, row.stored_name) for row in rows] == [(None, None), (None, None)]
    assert all(row.deleted_at is not None for row in rows)


def test_a_rolled_back_anonymisation_keeps_the_files(app_context, family, upload_folder, db_session):
    services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    db.session.commit()
    anonymise_household(family.household, "withdrawn_or_not_approved")
    db.session.rollback()
    assert len(files_in(upload_folder)) == 1


def test_erasure_deletes_the_files(app_context, family, upload_folder, db_session):

    services.add_document(family.household, upload_of(PDF), "identity", user=family.worker)
    db.session.commit()
    from crm.funnel import machine
    from crm.funnel.stages import EventKind, WithdrawingParty
    from crm.funnel.reasons.models import WithdrawalReason

    other = db_session.scalar(select(WithdrawalReason).where(WithdrawalReason.name == "Other"))
    machine.record(family.application, EventKind.WITHDRAWN, family.application.stage_entered_on,
                   party=WithdrawingParty.APPLICANT, reason="Moving away", withdrawal_reason=other,
                   today=family.application.stage_entered_on)
    assert family.application.status is Status.WITHDRAWN
    erase_household(family.household, "Asked to be forgotten", actor=family.manager)
    db.session.commit()
    assert files_in(upload_folder) == [] and db_session.scalar(select(Document.original_filename)) is None


def test_subject_access_holds_the_documents_audit_entries(app_context, family, upload_folder, db_session):
    from crm.dataprotection.subject_access import export_subject_access

    theirs = services.add_document(family.household, upload_of(PDF), "identity", person_id=family.applicant.id,
                                   user=family.worker)
    partners = services.add_document(family.household, upload_of(PNG, "bill.png"), "identity",
                                     person_id=family.partner.id, user=family.worker)
    services.record_download(theirs, user=family.manager)

    def audited(export) -> set[tuple[str, str]]:
        return {(row["action"], row["object_id"]) for row in export.sections["audit_events"]
                if row["object_type"] == "document"}

    household = export_subject_access(family.household, actor=family.manager)
    assert audited(household) == {("document_uploaded", str(theirs.id)), ("document_uploaded", str(partners.id)),
                                  ("document_downloaded", str(theirs.id))}
    applicant = export_subject_access(family.household, family.applicant, actor=family.manager)
    assert audited(applicant) == {("document_uploaded", str(theirs.id)), ("document_downloaded", str(theirs.id))}
