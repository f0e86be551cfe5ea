"""Import runs: every import commits in batches, all or nothing kept by an undo log; large ones from the page run in
the background, claimed by exactly one worker.

**Batches.** An import used to be one transaction, which on SQLite held the write lock (every transaction is
BEGIN IMMEDIATE) for the whole file: a 34 s import made concurrent enquiries fail with "database is locked". Now the
importer's writes go through `Batches`: each batch (about 1,000 households or applications) is written and committed
on its own, and what it did (the ids it inserted, the old values of the columns it changed) is committed with it as
an `ImportUndoStep`. Between batches the import holds no transaction, so other writers wait at most one batch.

**All or nothing** is kept by undoing, not by hiding: committed batches are visible to other users while the run
lasts (seconds), and when the file turns out to have a problem, a batch fails, or the run crashes (its heartbeat
stops), the run's undo steps are replayed backwards (old values put back, inserted rows deleted, children first) and
the run is marked failed; only a run that finishes cleanly deletes its undo steps, in the same transaction that marks
it done. Once the importer has found a problem it writes nothing more (it goes on checking, for the report). A dry
run writes nothing at all: its inserts are counted, not executed (made-up negative ids), and its changes to stored
rows stay in the session and are rolled back; so a dry run holds no lock either.

**Background.** A run is queued with its file held in `pending_imports`; `work()` (every few seconds in the scheduler
process and in `crm run`'s in-process scheduler) claims one with UPDATE ... WHERE status = 'queued' (one worker wins),
runs it with a heartbeat, and stores its report for the page. A running run whose heartbeat is older than STALE has
crashed: the next worker marks it failed and undoes it.
"""
from __future__ import annotations

import io
import os
import pickle
import socket
import time
from datetime import timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import delete, event, func, inspect, select, text, update
from sqlalchemy.exc import OperationalError

from crm import clock
from crm.db import Base
from crm.extensions import db
from crm.transfer.models import ImportRun, ImportRunStatus, ImportUndoStep, PendingImport
from crm.transfer.report import ImportReport

STALE = timedelta(minutes=10)  # a running run without a heartbeat for this long has crashed
PROGRESS_EVERY = 1.0  # seconds between progress writes
NOT_UNDONE = {"audit_events", "import_runs", "import_undo_steps"}  # the audit log is append-only
CHUNK = 900
CRASHED = "The import stopped before it finished (the worker ended). Nothing from the file was kept: import it again"
FAILED = "The import failed before it finished. Nothing from the file was kept: import it again"


class Batches:
    """How an importer writes. `write`: a real import (else a dry run: nothing is executed). `run_id`: commit batch by
    batch under that run's undo log (else write in the caller's transaction, which the caller commits or rolls back,
    as every import did before runs)."""

    def __init__(self, report: ImportReport, *, write: bool, run_id: int | None = None):
        self.report, self.write, self.run_id = report, write, run_id
        self.inserted: dict[str, list[int]] = {}
        self.restored: list[tuple[str, Any, dict[str, Any]]] = []
        self.children: list[tuple[str, str, list[int]]] = []  # (table, parent column, parent ids)
        self.made_up = 0
        self.flushed = False
        self.stopped = False  # the importer knows of a problem it reports later
        self.on_commit = None  # called after each batch commit (the run's heartbeat)

    @property
    def live(self) -> bool:
        """Whether writes are executed now: a real import that has found no problem yet."""
        return self.write and self.report.ok and not self.stopped

    def stop(self) -> None:
        """Write nothing more: the importer has found a problem that it will report once the file is read."""
        self.stopped = True

    def insert(self, table, rows: list[dict[str, Any]], under: str | None = None) -> list[int]:
        """One multi-row insert; the new ids in the order of `rows` (made up, negative, when nothing is written).
        `under`: the rows are children of rows this run inserted, through that column: no ids are read back (much
        faster), and the undo deletes them by their parents."""
        if not rows:
            return []
        if not self.live:
            start = self.made_up
            self.made_up += len(rows)
            return list(range(-start - 1, -start - 1 - len(rows), -1))
        if under is not None:
            _executemany(table, rows)
            self.children.append((table.name, under, sorted({row[under] for row in rows})))
            return []
        ids = _next_ids(table, len(rows))
        for row, id_ in zip(rows, ids):
            row["id"] = id_
        _executemany(table, rows)  # a plain executemany: RETURNING in order goes row by row on SQLite
        self.inserted.setdefault(table.name, []).extend(ids)
        return ids

    def update(self, model, rows: list[dict[str, Any]], before: list[dict[str, Any]]) -> None:
        """Update stored rows by primary key (`rows` and `before`, their old values, both keyed by "id")."""
        if not rows or not self.live:
            return
        db.session.execute(update(model).execution_options(render_nulls=True), rows)
        for old in before:
            self.restored.append((model.__table__.name, old["id"], {k: v for k, v in old.items() if k != "id"}))

    def reads_done(self) -> None:
        """The importer has read what it needs up front: end the transaction, so that no lock is held while rows are
        checked (SQLite). Only with a run, or for a dry run that has written nothing."""
        if self.run_id is not None and self.live:
            self.commit()
        elif not self.write and not self.flushed and not (db.session.new or db.session.dirty):
            db.session.commit()

    def commit(self) -> None:
        """End a batch: flush the session's own changes, log what the batch did, commit (with a run); else flush."""
        if not self.live:
            return
        db.session.flush()
        if self.run_id is None:
            return
        if self.inserted or self.restored or self.children:
            db.session.add(ImportUndoStep(run_id=self.run_id, payload=pickle.dumps(
                {"inserted": self.inserted, "restored": self.restored, "children": self.children})))
        db.session.execute(update(ImportRun).where(ImportRun.id == self.run_id).values(heartbeat_at=clock.now())
                           .execution_options(synchronize_session=False))
        db.session.commit()
        self.inserted, self.restored, self.children = {}, [], []
        if self.on_commit:
            self.on_commit()

    # The session's own writes (ORM objects changed or added by the importer), seen at every flush.
    def watch(self) -> None:
        event.listen(db.session, "before_flush", self._before_flush)
        event.listen(db.session, "after_flush", self._after_flush)

    def unwatch(self) -> None:
        for name, hook in (("before_flush", self._before_flush), ("after_flush", self._after_flush)):
            if event.contains(db.session, name, hook):
                event.remove(db.session, name, hook)

    def _before_flush(self, session, _context, _instances) -> None:
        for thing in session.dirty:
            state = inspect(thing)
            if not state.persistent or thing.__table__.name in NOT_UNDONE:
                continue
            old = {}
            for prop in state.mapper.column_attrs:
                history = state.attrs[prop.key].history
                if history.deleted:
                    old[prop.columns[0].name] = history.deleted[0]
            if old:
                self.restored.append((thing.__table__.name, state.identity[0], old))

    def _after_flush(self, session, _context) -> None:
        self.flushed = True
        for thing in session.new:
            if thing.__table__.name not in NOT_UNDONE:
                self.inserted.setdefault(thing.__table__.name, []).append(inspect(thing).mapper.primary_key_from_instance(thing)[0])


def _executemany(table, rows: list[dict[str, Any]]) -> None:
    """One INSERT executed for every row on the driver's cursor, in the session's transaction, the values converted by
    the columns' own types (enums, dates and timestamps as SQLAlchemy would bind them). SQLAlchemy's executemany
    processed each row's parameters at about 50 us a row, more than the rest of the households import."""
    connection = db.session.connection()
    keys = tuple(key for key in rows[0] if key in table.c)  # as SQLAlchemy's insert, other keys are ignored
    sql, processors = _insert_sql(table, keys, connection.dialect)
    params = [tuple([value if process is None or value is None else process(value)
                     for process, value in zip(processors, map(row.__getitem__, keys))]) for row in rows]
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


@cache
def _insert_sql(table, keys: tuple[str, ...], dialect) -> tuple[str, tuple]:
    preparer = dialect.identifier_preparer
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(preparer.quote(table.c[key].name) for key in keys)
    sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({', '.join([mark] * len(keys))})"
    return sql, tuple(table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys)


def _next_ids(table, count: int) -> list[int]:
    """Ids for `count` new rows, taken before the insert. PostgreSQL: from the table's sequence (other sessions'
    inserts take others). SQLite: after the largest, safe because the transaction holds the write lock from its
    BEGIN IMMEDIATE, so nobody else inserts until it commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sorted(db.session.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                                               "FROM generate_series(1, :count)"),
                                          {"table": table.name, "count": count}))
    start = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + count))


def undo(run_id: int) -> None:
    """Replay the run's undo log backwards in the caller's transaction: old values put back, then the rows it inserted
    deleted, children before parents."""
    inserted: dict[str, list] = {}
    children: dict[str, list[tuple[str, list]]] = {}
    steps = db.session.scalars(select(ImportUndoStep.payload).where(ImportUndoStep.run_id == run_id)
                               .order_by(ImportUndoStep.id.desc())).all()
    for payload in steps:
        step = pickle.loads(payload)
        for table_name, key, old in reversed(step["restored"]):
            table = Base.metadata.tables[table_name]
            db.session.execute(update(table).where(table.c.id == key).values(**old))
        for table_name, ids in step["inserted"].items():
            inserted.setdefault(table_name, []).extend(ids)
        for table_name, column, ids in step.get("children", []):
            children.setdefault(table_name, []).append((column, ids))
    for table in reversed(Base.metadata.sorted_tables):
        for column, parents in children.get(table.name, []):
            for start in range(0, len(parents), CHUNK):
                db.session.execute(delete(table).where(table.c[column].in_(parents[start:start + CHUNK])))
        ids = inserted.get(table.name, [])
        for start in range(0, len(ids), CHUNK):
            db.session.execute(delete(table).where(table.c.id.in_(ids[start:start + CHUNK])))
    db.session.execute(delete(ImportUndoStep).where(ImportUndoStep.run_id == run_id))


def start(kind: str, filename: str, *, user, dry_run: bool, add_authorities: bool = False,
          pending_id: str | None = None, queued: bool = False) -> int:
    """A new run, committed: queued for a worker, or running now in this process. Its id."""
    db.session.flush()  # the held file first (no relationship tells the session the order)
    now = clock.now()
    run = ImportRun(user_id=getattr(user, "id", None), kind=kind, filename=(filename or "")[:255], dry_run=dry_run,
                    add_authorities=add_authorities, pending_id=pending_id,
                    status=ImportRunStatus.QUEUED if queued else ImportRunStatus.RUNNING,
                    claimed_by=None if queued else worker_name(), started_at=None if queued else now,
                    heartbeat_at=None if queued else now)
    db.session.add(run)
    db.session.flush()
    run_id = run.id
    db.session.commit()  # and no reading `run` again: on SQLite that would begin a transaction holding the write lock
    return run_id


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class Progress:
    """Rows done, written to the run at most once a second on a connection of its own, and only while the import's
    session holds no transaction (on SQLite the import's own transaction would block it: the write is skipped)."""

    def __init__(self, run_id: int):
        self.run_id, self.total, self.done, self.written = run_id, 0, 0, 0.0

    def start(self, total: int):
        self.total = total
        self._write(force=True)
        return self.step

    def step(self, rows: int) -> None:
        self.done += rows
        self._write()

    def _write(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.written < PROGRESS_EVERY:
            return
        self.written = time.monotonic()
        transaction = db.session.get_transaction()
        if transaction is not None and transaction._connections:  # noqa: SLF001 (no public "has a connection")
            return
        try:
            with db.engine.connect() as connection:
                # On SQLite, wait a moment at most (set on the driver's connection: no transaction is begun for it).
                raw = connection.connection.driver_connection if connection.dialect.name == "sqlite" else None
                if raw is not None:
                    raw.execute("PRAGMA busy_timeout=200")
                try:
                    connection.execute(update(ImportRun).where(ImportRun.id == self.run_id).values(
                        rows_total=self.total, rows_done=self.done, heartbeat_at=clock.now()))
                    connection.commit()
                finally:
                    if raw is not None:
                        connection.rollback()
                        raw.execute("PRAGMA busy_timeout=15000")
        except OperationalError:
            pass  # busy: the next step tries again; the batch commits beat the heartbeat anyway


def run_import(run_id: int, stream, *, actor, max_rows: int | None = None, progress=None) -> ImportReport:
    """Apply a file under a run that is RUNNING in this process: batches, then kept (undo log dropped) or undone;
    audited; the run finished with its report. Commits."""
    from crm.transfer import services

    run = db.session.get(ImportRun, run_id)
    kind, filename, dry_run, adding = run.kind, run.filename, run.dry_run, run.add_authorities
    db.session.commit()  # no transaction (on SQLite, the write lock) while the file is read
    report = ImportReport(kind=kind, filename=filename, dry_run=dry_run)
    batches = Batches(report, write=not dry_run, run_id=run_id)
    try:
        services.import_file(kind, filename, stream, actor=actor, dry_run=dry_run, progress=progress,
                             add_authorities=adding, max_rows=max_rows, batches=batches, report=report)
        if report.applied:
            batches.commit()
    except Exception:
        db.session.rollback()
        undo(run_id)
        _finish(run_id, ImportRunStatus.FAILED, _failure(report, FAILED))
        db.session.commit()
        raise
    if report.applied:
        db.session.execute(delete(ImportUndoStep).where(ImportUndoStep.run_id == run_id))
    else:
        db.session.rollback()  # a dry run's changes, or the batch that found the problem
        undo(run_id)
    services.audit_import(report, actor=actor)
    _finish(run_id, ImportRunStatus.DONE, report)
    db.session.commit()
    return report


def _failure(report: ImportReport, message: str) -> ImportReport:
    failed = ImportReport(kind=report.kind, filename=report.filename, dry_run=report.dry_run, rows_read=report.rows_read)
    failed.error(None, None, message)
    return failed


def failure_report(run: ImportRun, message: str) -> ImportReport:
    return _failure(ImportReport(kind=run.kind, filename=run.filename, dry_run=run.dry_run), message)


def _finish(run_id: int, status: ImportRunStatus, report: ImportReport) -> None:
    db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(
        status=status, finished_at=clock.now(), result=report.to_dict(), rows_done=report.rows_read,
        rows_total=report.rows_read).execution_options(synchronize_session=False))


def claim(worker: str | None = None, session=None) -> int | None:
    """Claim the oldest queued run for this worker; None when there is none. Exactly one of two racing workers gets
    a run: the UPDATE's WHERE status = 'queued' matches for the first only (PostgreSQL re-checks it after the lock)."""
    session = session or db.session
    while True:
        run_id = session.scalar(select(ImportRun.id).where(ImportRun.status == ImportRunStatus.QUEUED)
                                   .order_by(ImportRun.id).limit(1))
        if run_id is None:
            session.rollback()
            return None
        now = clock.now()
        claimed = session.execute(
            update(ImportRun).where(ImportRun.id == run_id, ImportRun.status == ImportRunStatus.QUEUED)
            .values(status=ImportRunStatus.RUNNING, claimed_by=worker or worker_name(), started_at=now,
                    heartbeat_at=now).execution_options(synchronize_session=False)).rowcount
        session.commit()
        if claimed == 1:
            return run_id


def recover_crashed() -> list[int]:
    """Runs whose heartbeat stopped: marked failed (once, by whoever gets there first) and undone."""
    cutoff = clock.now() - STALE
    recovered = []
    for run_id in db.session.scalars(select(ImportRun.id).where(ImportRun.status == ImportRunStatus.RUNNING,
                                                                ImportRun.heartbeat_at < cutoff)).all():
        run = db.session.get(ImportRun, run_id)
        report = _failure(ImportReport(kind=run.kind, filename=run.filename, dry_run=run.dry_run), CRASHED)
        taken = db.session.execute(
            update(ImportRun).where(ImportRun.id == run_id, ImportRun.status == ImportRunStatus.RUNNING,
                                    ImportRun.heartbeat_at < cutoff)
            .values(status=ImportRunStatus.FAILED, finished_at=clock.now(), result=report.to_dict())
            .execution_options(synchronize_session=False)).rowcount
        if taken:
            undo(run_id)
            recovered.append(run_id)
        db.session.commit()
    return recovered


def perform(run_id: int) -> ImportReport:
    """Run a claimed background run from its held file, then keep the file for "Import these rows" (a clean dry
    run, or a file refused only for unknown partner authorities) or let it go."""
    from crm.auth.models import User
    from crm.transfer import formats

    run = db.session.get(ImportRun, run_id)
    held = db.session.get(PendingImport, run.pending_id) if run.pending_id else None
    if held is None:
        report = _failure(ImportReport(kind=run.kind, filename=run.filename, dry_run=run.dry_run),
                          "This file is not held any more: choose the file again")
        _finish(run_id, ImportRunStatus.FAILED, report)
        db.session.commit()
        return report
    actor = db.session.get(User, run.user_id) if run.user_id else None
    content, pending_id = held.content, held.id
    db.session.commit()
    progress = Progress(run_id)
    report = run_import(run_id, io.BytesIO(content), actor=actor, progress=progress.start,
                        max_rows=formats.MAX_ROWS)
    keep = (report.ok and report.dry_run) or report.only_unknown_authorities
    if keep:
        db.session.execute(update(ImportRun).where(ImportRun.id == run_id).values(held_id=pending_id)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(delete(PendingImport).where(PendingImport.id == pending_id))
    db.session.commit()
    return report


def work(limit: int | None = None) -> int:
    """Recover crashed runs, then run queued ones until none is left (or `limit`); how many were run."""
    recover_crashed()
    done = 0
    while limit is None or done < limit:
        run_id = claim()
        if run_id is None:
            break
        try:
            perform(run_id)
        except Exception:  # noqa: BLE001 (the run is marked failed and undone; the worker goes on)
            current_app.logger.exception("Import run %s failed", run_id)
        done += 1
    return done


def crashed(run: ImportRun) -> bool:
    return run.status is ImportRunStatus.RUNNING and run.heartbeat_at is not None and \
        run.heartbeat_at < clock.now() - STALE


