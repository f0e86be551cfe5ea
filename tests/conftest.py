"""Fixtures: the app on each test database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
a session per test inside a transaction rolled back at the end, a client and a sign-in helper."""
from __future__ import annotations

import os
import re
import secrets
import threading
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time

import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

import crm.models  # noqa: F401 (all mappers, for tests that use models without an app)
from crm import clock, create_app, migrate
from crm.extensions import Database
from tests import factories

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def reset_postgres(url: str) -> None:
    """An empty public schema, so the migrations build every table from nothing."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_database_url(kind: str, tmp_path_factory, name: str) -> str:
    """A database of its own (for tests that migrate down and up, or commit for real)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'hearth.sqlite3'}"
    base = make_url(os.environ["TEST_DATABASE_URL"])
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    database = f"{base.database}_{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return base.set(database=database).render_as_string(hide_password=False)


@contextmanager
def served(app):
    """The app served over real HTTP from a thread (werkzeug, threaded); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        Database.state(app).engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(database_kind, tmp_path_factory) -> str:
    if database_kind == "sqlite":
        url = fresh_database_url("sqlite", tmp_path_factory, "main")
    else:
        url = os.environ["TEST_DATABASE_URL"]
        reset_postgres(url)
    migrate.upgrade(url)  # the test schema is built by the migrations, not create_all
    return url


def make_test_app(database_url: str, instance_path, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(instance_path),
        "RATELIMIT_ENABLED": False,  # the limiter has its own test, on its own app
        "SESSION_COOKIE_SECURE": False,  # served over plain HTTP, as the embedded start is (tests/security)
        # Uploads are imported in the request; tests/transfer/test_import_runs.py lowers it to test background runs.
        "IMPORT_BACKGROUND_BYTES": 64 * 1024 * 1024,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    yield app
    Database.state(app).engine.dispose()


@pytest.fixture
def travel():
    """travel(when, tick=True): move the one clock (crm/clock.py) to `when` until the test ends; a date means
    noon in London that day. Every reader of the time moves with it: services, models' defaults, sessions."""
    with ExitStack() as stack:
        def move(when: date | datetime, *, tick: bool = True) -> datetime:
            instant = when if isinstance(when, datetime) else clock.london_time(when, time(12))
            stack.enter_context(clock.travel(instant, tick=tick))
            return instant
        yield move


@pytest.fixture
def limited_app(app, database_kind, tmp_path_factory):
    """make(**settings): an app with the rate limiter on, on a migrated database of its own (the suite's
    database is held by the test's transaction). Flask-Limiter's one Limiter keeps the settings of the last
    app it was given, so the suite's app gets it back afterwards."""
    from crm.extensions import limiter

    made = []

    def make(**overrides):
        url = fresh_database_url(database_kind, tmp_path_factory, "limited")
        migrate.upgrade(url)
        made.append(make_test_app(url, tmp_path_factory.mktemp("instance"), RATELIMIT_ENABLED=True, **overrides))
        return made[-1]

    yield make
    for limited in made:
        Database.state(limited).engine.dispose()
    limiter.init_app(app)


@pytest.fixture
def db_session(app):
    """A session for the test; the app's sessions share its connection, and all of it is rolled back."""
    state = Database.state(app)
    connection = state.engine.connect()
    transaction = connection.begin()
    original_factory = state.session_factory

    def session_factory() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint")

    state.session_factory = session_factory
    session = session_factory()
    factories.bind(session)
    yield session
    session.close()
    state.session_factory = original_factory
    transaction.rollback()
    connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def api_token(db_session) -> str:
    """A live API token's secret, stored as the administrator's page stores it: only its hash."""
    from crm.api import tokens
    from crm.api.models import ApiToken

    secret = tokens.PREFIX + secrets.token_urlsafe(32)
    db_session.add(ApiToken(name="Website form", token_hash=tokens.digest(secret), prefix=secret[:12]))
    db_session.flush()
    return secret


@pytest.fixture
def runner(app):
    """Runs the app's CLI commands (`crm ...`) in the test."""
    return app.test_cli_runner()


@pytest.fixture
def app_context(app, db_session):
    """For calling services directly: db.session is the test's session (never with client: requests would share g)."""
    with app.app_context():
        g.hearth_session = db_session
        yield


@pytest.fixture
def services_as(app, db_session):
    """Call services outside a request (setting up data for page tests), on the test's session."""
    def run(call):
        with app.app_context():
            g.hearth_session = db_session
            try:
                return call()
            finally:
                db_session.flush()
                g.pop("hearth_session")  # the context's teardown must not close the test's session
    return run


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token in the page: " + html[:1500]
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign in through the real sign-in form, CSRF token and all."""

    def __init__(self, client):
        self.client = client

    def login(self, user=None, password: str = factories.PASSWORD, *, email: str | None = None):
        page = self.client.get("/sign-in")
        return self.client.post("/sign-in", data={
            "email": email or user.email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True)),
        })

    def logout(self):
        page = self.client.get("/")
        return self.client.post("/sign-out", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


@pytest.fixture
def auth(client):
    return AuthActions(client)
