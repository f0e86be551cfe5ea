"""Unbound extensions, and the engine and per-request session that every area uses."""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from flask import Flask, current_app, g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crm import dataversion

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def make_engine(url: str, **kwargs) -> Engine:
    """An engine; SQLite connections get WAL, foreign keys and a busy timeout, and the file is the owner's alone.
    A failing statement's parameters (names, notes, equality answers) never reach an error or the log. Its writes
    move the data version (crm/dataversion.py)."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
        _keep_private(engine.url.database)
        _configure_sqlite(engine)
    else:
        # A streaming read (the reports' server-side cursors, crm.reports.data.frames) reads every row: plan it so,
        # not for the first 10% (the default cursor_tuple_fraction chose nested loops, twice as slow). No JIT: the
        # planner's estimate sent a page's count over jit_above_cost at national scale and compiling it cost 117 ms
        # of a 134 ms statement; Hearth's statements are short. Set when connecting, so they cost no statement.
        kwargs.setdefault("connect_args", {"options": "-c cursor_tuple_fraction=1 -c jit=off"})
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    dataversion.watch(engine)  # every write moves the data version the report cache is keyed by
    return engine


def _keep_private(path: str | None) -> None:
    """The database file (and the WAL and shared-memory files SQLite creates with the same mode) readable and
    writable by the owner only: it holds personal data, and the default umask leaves it world-readable."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    database = Path(path)
    database.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
    for file in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, open transactions, so SAVEPOINT works (SQLAlchemy's pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A read-only request (GET, HEAD, OPTIONS) begins DEFERRED: in WAL it reads a snapshot and never waits for
        # the writer or for another reader. Everything else begins IMMEDIATE, taking the write lock at the start:
        # a deferred transaction that reads and then writes fails at once with "database is locked" when another
        # writer holds the lock or committed since its read (WAL gives it an old snapshot it may not upgrade), and
        # no busy timeout helps. A write that does come inside a deferred transaction is handled in on_statement.
        deferred = begins_deferred()
        connection.info[DEFERRED] = deferred
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def on_statement(connection, _cursor, statement, _parameters, _context, _executemany):
        if not connection.info.get(DEFERRED):
            return
        written = dataversion.written_table(statement)
        if written is None:
            return
        connection.info[DEFERRED] = False
        if written in BLIND_TABLES and not connection.in_nested_transaction():
            # A row written without reading (a page view's audit row, a computed report's cache entry) depends on
            # nothing the snapshot saw: end the read (nothing written yet) and wait for the write lock like any
            # writer. SQLAlchemy's transaction carries on; its COMMIT commits this one.
            raw = connection.connection.dbapi_connection
            raw.execute("COMMIT")
            raw.execute("BEGIN IMMEDIATE")
        elif has_request_context():
            # Any other write may depend on what was read: SQLite upgrades the snapshot if it can; if it cannot
            # ("database is locked" at once), Database.dispatch_request runs the view again, beginning IMMEDIATE.
            g.hearth_upgraded = True


# SQLite: the tables whose rows a read-only request writes without reading them first (see on_statement).
BLIND_TABLES = frozenset({"audit_events", "report_cache"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFERRED = "hearth_deferred"  # connection.info: this transaction began DEFERRED and has not written yet
WRITES_ATTRIBUTE = "hearth_writes"
_begin: ContextVar[str | None] = ContextVar("hearth_sqlite_begin", default=None)


def writes(view: Callable) -> Callable:
    """A GET view that writes what it read (not only an audit row): on SQLite its transaction begins IMMEDIATE."""
    setattr(view, WRITES_ATTRIBUTE, True)
    return view


@contextmanager
def read_only() -> Iterator[None]:
    """Work outside a request that only reads (a report computed by a command): on SQLite its transactions begin
    DEFERRED, so they neither wait for nor hold up a writer."""
    token = _begin.set("DEFERRED")
    try:
        yield
    finally:
        _begin.reset(token)


def begins_deferred() -> bool:
    """Whether a SQLite transaction begun now begins DEFERRED: inside read_only(), or in a GET/HEAD/OPTIONS request
    whose view is not marked @writes and has not been sent back to begin IMMEDIATE. Otherwise IMMEDIATE."""
    chosen = _begin.get()
    if chosen is not None:
        return chosen == "DEFERRED"
    if not has_request_context() or request.method not in SAFE_METHODS or g.get("hearth_immediate"):
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, WRITES_ATTRIBUTE, False)


def defers_writes(session: Session) -> bool:
    """Whether this session's transaction is (or will be) a SQLite read serving a view: its audit rows wait for the
    commit. (A service called in a request context but outside a view, as tests do, adds them at once.)"""
    return (has_request_context() and g.get("hearth_view", False) and session.get_bind().dialect.name == "sqlite"
            and begins_deferred())


def _upgrade_refused(error: OperationalError) -> bool:
    return g.pop("hearth_upgraded", False) and "locked" in str(error.orig)


@dataclass
class DatabaseState:
    engine: Engine
    session_factory: Callable[[], Session]


class Database:
    """One SQLAlchemy session per application context, closed when the context ends."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["hearth_db"] = DatabaseState(engine, sessionmaker(bind=engine))
        app.teardown_appcontext(self._close_session)
        if engine.dialect.name == "sqlite":
            app.dispatch_request = self._retrying(app.dispatch_request)

    @staticmethod
    def _retrying(dispatch: Callable) -> Callable:
        """The view once more, beginning IMMEDIATE, when SQLite refused to turn its read into a write (another
        writer committed since the read began, or holds the lock): nothing was written, and the second run waits
        for the lock like any writer. The view's reads are made again, so what it writes follows from them."""
        def dispatch_request():
            g.pop("hearth_upgraded", None)
            g.hearth_view = True
            try:
                return dispatch()
            except OperationalError as error:
                if not _upgrade_refused(error):
                    raise
            db.session.rollback()
            g.hearth_immediate = True
            return dispatch()

        return dispatch_request

    @staticmethod
    def state(app: Flask | None = None) -> DatabaseState:
        return (app or current_app).extensions["hearth_db"]

    @property
    def engine(self) -> Engine:
        return self.state().engine

    @property
    def session(self) -> Session:
        if "hearth_session" not in g:
            g.hearth_session = self.state().session_factory()
        return g.hearth_session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("hearth_session", None)
        if session is not None:
            session.close()


db = Database()
