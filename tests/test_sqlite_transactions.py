"""SQLite transactions (crm/extensions.py): a read-only request begins DEFERRED, so readers neither wait for each
other nor for a writer; other work begins IMMEDIATE; a write inside a GET still lands, on a committed database of
its own (the suite's database is held by each test's transaction)."""
from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import select, text

from crm import migrate
from crm.audit.models import AuditEvent
from crm.auth.models import User, UserRole
from crm.auth.policy import public
from crm.auth.roles import Role
from crm.extensions import Database, begins_deferred, db, read_only
from tests.conftest import AuthActions, fresh_database_url, make_test_app
from tests.factories import PASSWORD_HASH

VERSION = text("SELECT version FROM data_version WHERE id = 1")


@pytest.fixture
def file_app(database_kind, tmp_path_factory):
    url = fresh_database_url(database_kind, tmp_path_factory, "transactions")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    yield app
    Database.state(app).engine.dispose()


@pytest.fixture
def sqlite_app(file_app, database_kind):
    if database_kind != "sqlite":
        pytest.skip("how a transaction begins is SQLite's question; PostgreSQL's readers never take a lock")
    return file_app


def other_writer(app) -> sqlite3.Connection:
    """A second connection to the file, outside any request, as another worker process would be."""
    connection = sqlite3.connect(Database.state(app).engine.url.database, isolation_level=None, timeout=15)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def test_reads_in_a_get_neither_wait_for_each_other_nor_for_a_writer(sqlite_app):
    engine = Database.state(sqlite_app).engine
    writer = other_writer(sqlite_app)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")  # holds the write lock
    try:
        with sqlite_app.test_request_context("/", method="GET"), engine.connect() as first, \
                engine.connect() as second:
            assert begins_deferred()
            started = time.monotonic()
            first.begin()
            before = first.scalar(VERSION)
            second.begin()
            assert second.scalar(VERSION) == before  # both read the last committed version, at once
            assert first.scalar(VERSION) == before
            assert time.monotonic() - started < 1  # the busy timeout is 15 s: nothing waited
            first.rollback()
            second.rollback()
        with sqlite_app.test_request_context("/", method="POST"), engine.connect() as posting:
            assert not begins_deferred()
            posting.connection.dbapi_connection.execute("PRAGMA busy_timeout=200")  # no autobegin
            started = time.monotonic()
            with pytest.raises(Exception, match="locked"):
                posting.begin()  # IMMEDIATE: a write waits for the lock (here 0.2 s, then gives up)
            assert time.monotonic() - started >= 0.15
            posting.connection.dbapi_connection.execute("PRAGMA busy_timeout=15000")
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_outside_a_request_work_begins_immediate_unless_it_says_it_only_reads(sqlite_app):
    with sqlite_app.app_context():
        assert not begins_deferred()
        with read_only():
            assert begins_deferred()
        assert not begins_deferred()


def test_an_audit_row_written_in_a_get_lands_though_another_writer_committed_since_the_read(sqlite_app):
    engine = Database.state(sqlite_app).engine
    writer = other_writer(sqlite_app)
    with sqlite_app.test_request_context("/", method="GET"), engine.connect() as reader:
        reader.begin()
        reader.scalar(VERSION)  # the snapshot starts here
        writer.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")  # committed since
        reader.execute(AuditEvent.__table__.insert().values(action="viewed_household", at=db_now()))
        reader.commit()
    writer.close()
    with engine.connect() as connection:
        assert connection.scalar(select(AuditEvent.action)) == "viewed_household"


def test_sqlite_refuses_to_upgrade_a_stale_read_to_any_other_write_at_once(sqlite_app):
    """Why the view is run again: the busy timeout does not help, the refusal is immediate."""
    engine = Database.state(sqlite_app).engine
    writer = other_writer(sqlite_app)
    with sqlite_app.test_request_context("/", method="GET"), engine.connect() as reader:
        reader.begin()
        reader.scalar(VERSION)
        writer.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
        started = time.monotonic()
        with pytest.raises(Exception, match="locked"):
            reader.execute(text("UPDATE data_version SET version = version + 10 WHERE id = 1"))
        assert time.monotonic() - started < 1
        reader.rollback()
    writer.close()


def test_a_get_whose_write_sqlite_refuses_runs_again_beginning_immediate_and_loses_no_update(sqlite_app):
    attempts = []

    @public
    def add_ten():
        version = db.session.scalar(VERSION)
        attempts.append(begins_deferred())
        if len(attempts) == 1:  # another worker writes between this view's read and its write
            writer = other_writer(sqlite_app)
            writer.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
            writer.close()
        db.session.execute(text("UPDATE data_version SET version = :version WHERE id = 1"),
                           {"version": version + 10})
        db.session.commit()
        return str(version + 10)

    sqlite_app.add_url_rule("/test-add-ten", "test_add_ten", add_ten)
    with sqlite_app.app_context():
        start = db.session.scalar(VERSION)
    response = sqlite_app.test_client().get("/test-add-ten")
    assert response.status_code == 200
    assert attempts == [True, False]  # deferred, refused; then immediate
    with sqlite_app.app_context():
        assert db.session.scalar(VERSION) == start + 11 == int(response.get_data(as_text=True))


def test_a_page_that_audits_a_view_stores_its_audit_row(file_app):
    """The work queue (GET /) writes an audit row: on SQLite added at the commit, after a deferred read."""
    with file_app.app_context():
        db.session.add(User(email="worker@hearth.example", full_name="A Worker", password_hash=PASSWORD_HASH,
                            role_rows=[UserRole(role=Role.RECRUITMENT_OFFICER)]))
        db.session.commit()
    client = file_app.test_client()
    AuthActions(client).login(email="worker@hearth.example")
    assert client.get("/").status_code == 200
    with file_app.app_context():
        assert "viewed_work_queue" in db.session.scalars(select(AuditEvent.action)).all()


def db_now():
    from crm import clock
    return clock.now()
