"""Finding 11: 40 of 60 form posts passed a 10-per-minute limit under 4 workers (a count per process), and the
limit knew no proxies. Behind HEARTH_TRUSTED_PROXIES the client's own address is counted; without it a client
cannot pick its address by sending X-Forwarded-For; with RATELIMIT_STORAGE_URI=redis:// every process shares one
count (tested when a Redis server answers on 127.0.0.1:6379)."""
from __future__ import annotations

import socket
import uuid

import pytest

from tests.conftest import csrf_token

LIMIT = "3 per minute"


def sign_ins(app, count: int, forwarded_for: str | None = None) -> list[int]:
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    statuses = []
    for _ in range(count):
        token = csrf_token(client.get("/sign-in", headers=headers).get_data(as_text=True))
        statuses.append(client.post("/sign-in", headers=headers, data={
            "email": "someone@agency.example", "password": "wrong password", "csrf_token": token}).status_code)
    return statuses


def test_without_trusted_proxies_a_forwarded_address_is_ignored(limited_app, db_session):
    app = limited_app(RATELIMIT_LOGIN=LIMIT, TRUSTED_PROXIES=0)
    assert sign_ins(app, 3, "203.0.113.1") == [200, 200, 200]
    assert sign_ins(app, 1, "203.0.113.2") == [429]  # a new X-Forwarded-For does not buy a new count


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(limited_app, db_session, monkeypatch):
    monkeypatch.setenv("HEARTH_TRUSTED_PROXIES", "1")
    app = limited_app(RATELIMIT_LOGIN=LIMIT)
    assert app.config["TRUSTED_PROXIES"] == 1
    assert sign_ins(app, 4, "203.0.113.1") == [200, 200, 200, 429]
    assert sign_ins(app, 1, "203.0.113.2") == [200]  # another person behind the same proxy
    # Only the nearest hop is trusted: a client's own forged entry in front of it changes nothing.
    assert sign_ins(app, 1, "198.51.100.9, 203.0.113.1") == [429]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_a_redis_store_shares_one_count_between_processes(limited_app, db_session):
    """Two app instances stand for two workers (each builds its own storage from the URI, as a process does):
    with Redis they count together; the in-memory default would give each its own count."""
    url = f"redis://127.0.0.1:6379/0"
    prefix = f"hearth-test-{uuid.uuid4().hex}"
    first = limited_app(RATELIMIT_LOGIN=LIMIT, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
    assert sign_ins(first, 2) == [200, 200]
    second = limited_app(RATELIMIT_LOGIN=LIMIT, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
    assert sign_ins(second, 2) == [200, 429]
    memory_first = limited_app(RATELIMIT_LOGIN=LIMIT, RATELIMIT_STORAGE_URI="memory://")
    assert sign_ins(memory_first, 2) == [200, 200]
    memory_second = limited_app(RATELIMIT_LOGIN=LIMIT, RATELIMIT_STORAGE_URI="memory://")
    assert sign_ins(memory_second, 2) == [200, 200]  # what 4 workers did: each its own count
