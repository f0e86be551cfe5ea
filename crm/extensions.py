"""Unbound extensions, and the engine and per-request session that every area uses."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
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
        # not for the first 10% (the default cursor_tuple_fraction chose nested loops, twice as slow). Set when
        # connecting, so it costs no statement.
        kwargs.setdefault("connect_args", {"options": "-c cursor_tuple_fraction=1"})
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
        # IMMEDIATE: take the write lock at the start. A deferred transaction that reads and then writes
        # fails at once with "database is locked" when another writer committed since its read (WAL gives it
        # an old snapshot it may not upgrade), and no busy timeout helps. Readers still never block in WAL;
        # transactions queue behind the busy timeout instead of failing. PostgreSQL is the multi-user database.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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
