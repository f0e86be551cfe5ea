"""Finding 9: 24 sign-ins at once against one account checked 8 passwords where 5 is the limit. Each attempt is
now claimed in the database before its password is checked: over real HTTP, on both databases, no more passwords
are checked than the limit, and the account ends locked."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from crm import migrate
from crm.auth import services
from crm.auth.models import User
from crm.auth.passwords import hash_password
from crm.extensions import db
from tests.conftest import fresh_database_url, make_test_app, served

ATTEMPTS = 24


@pytest.fixture
def server(database_kind, tmp_path_factory):
    url = fresh_database_url(database_kind, tmp_path_factory, "signin_race")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"), RATELIMIT_ENABLED=False)
    with app.app_context():
        db.session.add(User(email="sam.worker@agency.example", full_name="Sam Worker",
                            password_hash=hash_password("the right passphrase here")))
        db.session.commit()
    with served(app) as base_url:
        yield app, base_url, url


def test_parallel_attempts_check_no_more_passwords_than_the_limit(server, monkeypatch):
    app, base_url, database_url = server
    checked, lock = [], threading.Lock()
    real_verify = services.verify_password

    def counting_verify(stored, password):
        if stored is not None:
            with lock:
                checked.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(services, "verify_password", counting_verify)
    clients = [httpx.Client(base_url=base_url, timeout=60) for _ in range(ATTEMPTS)]
    tokens = [re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/sign-in").text).group(1)
              for client in clients]
    start = threading.Barrier(ATTEMPTS)

    def attempt(index: int) -> int:
        start.wait()
        return clients[index].post("/sign-in", data={"email": "sam.worker@agency.example", "csrf_token": tokens[index],
                                                     "password": f"wrong guess number {index}"}).status_code

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        statuses = list(pool.map(attempt, range(ATTEMPTS)))
    for client in clients:
        client.close()
    assert statuses == [200] * ATTEMPTS  # every one refused with the form, none a server error
    assert 1 <= len(checked) <= app.config["LOGIN_MAX_FAILURES"], len(checked)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        locked_until = connection.execute(text("SELECT locked_until FROM users")).scalar_one()
        refusals = connection.execute(text("SELECT action, count(*) FROM audit_events WHERE action LIKE 'login%' "
                                           "GROUP BY action")).all()
    engine.dispose()
    assert locked_until is not None
    assert dict(refusals) == {"login_failed": len(checked), "login_refused_locked": ATTEMPTS - len(checked)}
