"""A checked upload kept for an hour, so that "Import these rows" after a clean dry run needs no second upload; and
the import runs (background imports and their undo log)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from crm import clock
from crm.db import Base, str_enum


class PendingImport(Base):
    """The file's bytes, readable only by the user who uploaded it (the id is random and looked up with the user's
    id); deleted once imported, and refused (then deleted) after an hour."""

    __tablename__ = "pending_imports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)


class ImportRunStatus(str, enum.Enum):
    QUEUED = "queued"  # waiting for a worker (a background import from the page)
    RUNNING = "running"  # claimed by one worker (or run by the page or `crm import` itself)
    DONE = "done"  # finished: `result` holds the report (applied, checked or refused)
    FAILED = "failed"  # stopped by an error or a crash: whatever it had committed was undone


class ImportRun(Base):
    """One import of one file. A background run is claimed by exactly one worker (UPDATE ... WHERE status='queued');
    a running one whose heartbeat is old has crashed. Every run commits in batches, each batch logged in
    `import_undo_steps` until the run ends, so an unfinished or refused run can be undone (all or nothing)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    dry_run: Mapped[bool] = mapped_column(default=False)
    add_authorities: Mapped[bool] = mapped_column(default=False)
    # The held upload a background run reads (a clean dry run keeps it for "Import these rows").
    pending_id: Mapped[str | None] = mapped_column(ForeignKey("pending_imports.id", ondelete="SET NULL"))
    status: Mapped[ImportRunStatus] = mapped_column(str_enum(ImportRunStatus, "import_run_status"), index=True)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict | None] = mapped_column(JSON)  # the report (crm.transfer.report.ImportReport.to_dict)
    held_id: Mapped[str | None] = mapped_column(String(64))  # the upload kept for "Import these rows" afterwards


class ImportUndoStep(Base):
    """What one committed batch of a run did: the rows it inserted and the old values of the rows it changed
    (pickled: dates, enums). Deleted when the run is kept; replayed backwards when it is undone."""

    __tablename__ = "import_undo_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
