"""Two app servers and two schedulers against one PostgreSQL, the rate limits in Redis (bench/multihost.py): every
accepted enquiry stored once, a retry through the other server not a second contact, one rate-limit count for
both servers, and each scheduled job run once per due time."""
from __future__ import annotations

import os

import pytest

from bench import multihost
from crm.extensions import limiter
from tests.conftest import fresh_database_url

pytestmark = pytest.mark.processes

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_two_hosts_and_two_schedulers_lose_and_double_nothing(app, database_kind, tmp_path_factory):
    if database_kind != "postgresql":
        pytest.skip("several hosts share a PostgreSQL database; SQLite is one host's")
    if not multihost.redis_available(REDIS_URL):
        pytest.skip(f"no Redis answering at {REDIS_URL} (TEST_REDIS_URL)")
    url = fresh_database_url(database_kind, tmp_path_factory, "multihost")
    try:
        outcome = multihost.run(url, REDIS_URL, enquiries=12, replays=3, limit=20, workers=1, log=lambda _: None)
    finally:
        limiter.init_app(app)  # the token's app took Flask-Limiter's one Limiter over: the suite's app gets it back
    assert outcome.failures() == [], outcome.report()
    assert outcome.created == outcome.stored == 20 - 3  # the limit less the replays: each a contact of its own
    assert outcome.statuses[429] == 12 * 2 + 3 - 20
    assert all(runs["succeeded"] >= 1 for runs in outcome.runs.values())
