"""The hot_paths migration (issue 17) fills the generated matching columns for rows already there, and its downgrade
keeps every row (batch mode on SQLite would have rebuilt households, and the cascade would have emptied its
children)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from crm import migrate
from crm.extensions import make_engine
from tests.conftest import fresh_database_url

BEFORE = "9d4b6e2a1c70"  # the revision before hot_paths


@pytest.fixture
def fresh_url(database_kind, tmp_path_factory):
    return fresh_database_url(database_kind, tmp_path_factory, "migrations_hot_paths")


def query(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_upgrade_fills_the_normalised_columns_and_downgrade_keeps_every_row(fresh_url):
    migrate.upgrade(fresh_url, BEFORE)
    query(fresh_url, "INSERT INTO households (id, reference, email, postcode, first_enquiry_on, created_at) "
                     "VALUES (1, 'H1', 'Jo.Bloggs@Example.ORG', 'ls1 1ab', '2026-11-01', '2026-11-01 10:00:00+00')")
    query(fresh_url, "INSERT INTO people (household_id, role, first_name, last_name) VALUES (1, 'applicant', 'Jo', "
                     "'McBloggs')")
    query(fresh_url, "INSERT INTO applications (household_id, service_line_code, stage, stage_entered_on, status, "
                     "fast_track, created_at) VALUES (1, 'adoption', 'enquiry', '2026-11-01', 'active', false, "
                     "'2026-11-01 10:00:00+00')")
    migrate.upgrade(fresh_url)
    assert query(fresh_url, "SELECT email_normalised, postcode_normalised FROM households") == [
        ("jo.bloggs@example.org", "LS11AB")]
    assert query(fresh_url, "SELECT last_name_normalised FROM people") == [("mcbloggs",)]
    migrate.downgrade(fresh_url, BEFORE)
    counts = query(fresh_url, "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM people), "
                              "(SELECT count(*) FROM applications)")
    assert counts == [(1, 1, 1)]
