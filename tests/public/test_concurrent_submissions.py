"""Fifty people send the public form at the same moment, each twice (a double click, a retry): over real HTTP,
on a database of its own with real commits, every enquiry is stored exactly once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from faker import Faker
from sqlalchemy import create_engine, text

from crm import migrate
from tests.conftest import fresh_database_url, make_test_app, served
from tests.public.test_public_form import answers

PEOPLE = 50


@pytest.fixture
def server(database_kind, tmp_path_factory):
    url = fresh_database_url(database_kind, tmp_path_factory, "concurrent")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"), RATELIMIT_ENABLED=False)
    with served(app) as base_url:
        yield base_url, url


def test_fifty_concurrent_submissions_each_stored_once(server):
    base_url, database_url = server
    fake = Faker("en_GB")
    Faker.seed(5)
    people = [(httpx.Client(base_url=base_url, timeout=60), {"first_name": fake.first_name(),
                                                           "last_name": fake.unique.last_name(),
                                                           "email": fake.unique.email()}) for _ in range(PEOPLE)]
    forms = [answers(client.get("/enquire").text, **who) for client, who in people]
    start = threading.Barrier(PEOPLE * 2)

    def send(index: int) -> int:
        client, _ = people[index % PEOPLE]
        start.wait()
        return client.post("/enquire", data=forms[index % PEOPLE]).status_code

    with ThreadPoolExecutor(max_workers=PEOPLE * 2) as pool:
        statuses = list(pool.map(send, range(PEOPLE * 2)))
    for client, _ in people:
        client.close()

    assert statuses == [302] * (PEOPLE * 2)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        emails = connection.execute(text("SELECT h.email FROM enquiry_contacts c JOIN households h "
                                         "ON h.id = c.household_id")).scalars().all()
        households = connection.execute(text("SELECT count(*) FROM households")).scalar_one()
    engine.dispose()
    assert sorted(emails) == sorted(who["email"].lower() for _, who in people)
    assert households == PEOPLE
