"""One uploaded document: whose it is, what it evidences, where its bytes are, whether it is scanned, when it expires."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm import clock
from crm.db import Base, BigIntKey, str_enum


class DocumentKind(StrEnum):
    IDENTITY = "identity"
    PROOF_OF_ADDRESS = "proof_of_address"
    DBS_CERTIFICATE = "dbs_certificate"
    MEDICAL = "medical"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {DocumentKind.IDENTITY: "Identity document", DocumentKind.PROOF_OF_ADDRESS: "Proof of address",
               DocumentKind.DBS_CERTIFICATE: "DBS certificate", DocumentKind.MEDICAL: "Medical",
               DocumentKind.OTHER: "Other"}


class ScanStatus(StrEnum):
    PENDING = "pending"          # held: not downloadable until the virus scanner says clean
    CLEAN = "clean"
    INFECTED = "infected"        # the file is deleted; the row stays as the record of what happened
    NOT_SCANNED = "not_scanned"  # no scanner configured (HEARTH_CLAMDSCAN unset) when it was uploaded

    @property
    def label(self) -> str:
        return {"pending": "Waiting for virus scan", "clean": "Scanned: clean", "infected": "Virus found: deleted",
                "not_scanned": "Not scanned"}[self.value]


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("uploaded_by_user_id IS NULL OR uploaded_by_account_id IS NULL", name="one_uploader"),
        # The scan worker reads only the held documents.
        Index("ix_documents_pending_scan", "id", sqlite_where=text("scan_status = 'pending'"),
              postgresql_where=text("scan_status = 'pending'")),
        # The daily expiry job reads only live documents with an expiry date.
        Index("ix_documents_expires_on", "expires_on",
              sqlite_where=text("deleted_at IS NULL AND expires_on IS NOT NULL"),
              postgresql_where=text("deleted_at IS NULL AND expires_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    check_id: Mapped[int | None] = mapped_column(BigIntKey, ForeignKey("checks.id", ondelete="SET NULL"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    # Shown and offered as the download's name only; never used as a path. None once erased.
    original_filename: Mapped[str | None] = mapped_column(String(255))
    # The random name of the file under HEARTH_UPLOAD_DIR; None once the file is gone (infected, erased).
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))  # from the file's first bytes, never the browser's claim
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # An applicant's portal account (crm/portal), when the applicant uploaded it.
    uploaded_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)
    scan_status: Mapped[ScanStatus] = mapped_column(str_enum(ScanStatus, "document_scan_status"))
    # A scan worker's claim (exactly one scans a document); a claim older than SCAN_CLAIM_SECONDS is taken again.
    scan_claimed_at: Mapped[datetime | None]
    scanned_at: Mapped[datetime | None]
    scan_attempts: Mapped[int] = mapped_column(default=0)
    expires_on: Mapped[date | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household = relationship("Household")
    person = relationship("Person")
    check = relationship("CheckInstance")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_user_id])

    @property
    def downloadable(self) -> bool:
        return (self.deleted_at is None and self.stored_name is not None
                and self.scan_status in (ScanStatus.CLEAN, ScanStatus.NOT_SCANNED))
