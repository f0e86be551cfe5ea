"""Findings 7, 12, 15 and 16: no personal value in the error log, secure cookies and a private database file by
default, verified STARTTLS, and no production start without SECRET_KEY."""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from crm import config as settings
from crm import create_app, mail
from crm.extensions import db, make_engine
from tests.conftest import make_test_app
from tests.jobs.conftest import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Bisexual-Ffion-Pryce-07700900461"  # a made-up special-category answer, name and phone in one value


def test_a_failing_statement_logs_no_personal_value(tmp_path, caplog):
    app = make_test_app(f"sqlite:///{tmp_path / 'h.sqlite3'}", tmp_path, PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @app.route("/_fail")
    def fail():  # an INSERT the database refuses, carrying a personal value as its parameter
        db.session.execute(text("INSERT INTO no_such_table (answer) VALUES (:answer)"), {"answer": SECRET})

    from crm.auth.policy import public
    public(fail)
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/_fail")
    assert response.status_code == 500
    logged = "\n".join(record.getMessage() + (logging.Formatter().formatException(record.exc_info)
                                               if record.exc_info else "") for record in caplog.records)
    assert "no_such_table" in logged  # the error itself was logged, with its SQL
    assert SECRET not in logged and "parameters hidden" in logged


def test_sessions_are_secure_and_host_prefixed_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}", "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    cookie = app.test_client().get("/sign-in").headers["Set-Cookie"]
    assert cookie.startswith("__Host-hearth_session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "Domain=" not in cookie and "Path=/" in cookie


def test_only_the_embedded_start_serves_a_plain_cookie(monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_NAME": "__Host-hearth_session"}
    settings.embedded(config)
    assert config == {"SESSION_COOKIE_SECURE": False, "SESSION_COOKIE_NAME": "hearth_session"}
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")  # the environment has the last word
    config = {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_NAME": "__Host-hearth_session"}
    settings.embedded(config)
    assert config["SESSION_COOKIE_SECURE"] is True


def test_the_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "hearth.sqlite3"
    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        files = [file for file in tmp_path.iterdir() if file.name.startswith("hearth.sqlite3")]
        assert {file.name for file in files} >= {"hearth.sqlite3", "hearth.sqlite3-wal"}
        assert {file.name: oct(file.stat().st_mode & 0o777) for file in files} == {
            file.name: "0o600" for file in files}
        engine.dispose()
        path.chmod(0o644)  # a file left world-readable by an older version is put right on the next start
        make_engine(f"sqlite:///{path}").dispose()
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_under_gunicorn_a_missing_secret_key_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setitem(sys.modules, "gunicorn.arbiter", object())
    with pytest.raises(settings.MissingSecretKey, match="SECRET_KEY is not set"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}", "INSTANCE_PATH": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()  # nothing generated for this host


@pytest.mark.processes
def test_gunicorn_itself_refuses_to_load_the_app_without_secret_key(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(HEARTH_INSTANCE_PATH=str(tmp_path), HEARTH_SCHEDULER_IN_PROCESS="false")
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "--check-config", "crm:create_app()"]
    refused = subprocess.run(gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "SECRET_KEY is not set" in refused.stdout + refused.stderr
    started = subprocess.run(gunicorn, cwd=ROOT, env={**env, "SECRET_KEY": "s" * 64}, capture_output=True,
                             text=True, timeout=120)
    assert started.returncode == 0, started.stderr


@pytest.fixture
def tls_files(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as a server no authority vouches for would present."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def starttls_server(tls_files):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True)
    controller.start()
    yield controller, mailbox, cert
    controller.stop()


def test_starttls_refuses_a_certificate_nobody_vouches_for(app, starttls_server, monkeypatch):
    controller, mailbox, cert = starttls_server
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "SMTP_STARTTLS": True,
                       "SMTP_CA_FILE": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        with pytest.raises(ssl.SSLCertVerificationError):
            mail.send("worker@agency.example", "Overdue checks", "Three checks are overdue.")
        assert mailbox.messages == []
        monkeypatch.setitem(app.config, "SMTP_CA_FILE", str(cert))  # the agency's own authority, named
        mail.send("worker@agency.example", "Overdue checks", "Three checks are overdue.")
    assert mailbox.messages == [(("worker@agency.example",), "Overdue checks")]


def test_without_starttls_a_server_that_requires_it_refuses_the_message(app, starttls_server, monkeypatch):
    controller, mailbox, _cert = starttls_server
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "SMTP_STARTTLS": False}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context(), pytest.raises(smtplib.SMTPException):
        mail.send("worker@agency.example", "Overdue checks", "Three checks are overdue.")
