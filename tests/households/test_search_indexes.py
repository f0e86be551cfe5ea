"""Household search reads indexes on PostgreSQL (migration 3f8a1c6d2b94): each way of matching is a SELECT of its
own comparing the expression its index holds, the `%text%` ones through pg_trgm's trigram indexes. What it finds
is tested in tests/queues/test_applications_queue.py (the same condition) and tests/households/test_search.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from crm.households.models import Household
from crm.households.services import household_matches
from tests.factories import HouseholdFactory, PersonFactory

SEARCH_INDEXES = {"ix_households_email_trgm", "ix_households_phone_trgm", "ix_households_reference_lower",
                  "ix_households_postcode_normalised", "ix_people_full_name_trgm"}


def plan(session, query) -> str:
    sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    return "\n".join(session.execute(text("EXPLAIN " + sql)).scalars())


def test_each_way_of_matching_reads_its_index_on_postgresql(db_session, database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite has no trigram index: a `%text%` search reads the table")
    for n in range(30):
        PersonFactory(household=HouseholdFactory(phone=f"07700 900{n:03d}"), first_name="Ann", last_name=f"Smith{n}")
    db_session.flush()
    db_session.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: make the planner show what it can use
    explained = plan(db_session, select(Household.id).where(household_matches("ann smith 07700 900012")))
    used = {name for name in SEARCH_INDEXES if name in explained}
    assert used == SEARCH_INDEXES, explained
    assert "Seq Scan" not in explained, explained


def test_a_name_spanning_first_and_last_name_is_found_on_both_databases(db_session):
    wanted = PersonFactory(first_name="Ann", last_name="Quillsworthy").household
    PersonFactory(first_name="Annabel", last_name="Other")
    db_session.flush()
    for words in ("ann quill", "N QUILLSWORTHY", "quillsworthy", "worthy"):
        assert db_session.scalars(select(Household.id).where(household_matches(words))).all() == [wanted.id]
