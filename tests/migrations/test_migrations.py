"""The Alembic migrations: up and down from nothing, one step at a time, seeded, and in step with the models."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, text

from crm import clock
from crm import migrate
from crm.audit.models import AuditEvent
from crm.db import schema_filter
from crm.extensions import make_engine
from crm.models import Base
from tests.conftest import fresh_database_url

# The comparison settings of migrations/env.py (COMPARE_OPTIONS): that module runs Alembic when imported,
# so it cannot be imported here. render_item only affects how a revision is written, not what is compared.
COMPARE_OPTIONS = {"compare_type": True, "render_as_batch": True}

SERVICE_LINE_CODES = {"adoption", "fostering_mainstream", "fostering_connected", "early_permanence"}


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def version_rows(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


def service_line_codes(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(text("SELECT code FROM service_lines")))
    finally:
        engine.dispose()


def assert_at_base(url: str) -> None:
    """Nothing left of the schema but (perhaps) an empty alembic_version."""
    remaining = table_names(url)
    assert remaining <= {"alembic_version"}, f"left behind by the downgrades: {remaining - {'alembic_version'}}"
    if remaining:
        assert version_rows(url) == []
    assert migrate.current_heads(url) == set()


def history(url: str) -> list:
    """Every revision, oldest first; the history must be one straight line."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    assert len(script.get_heads()) == 1, "the migrations have more than one head"
    revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
    assert revisions and revisions[0].down_revision is None
    for older, newer in zip(revisions, revisions[1:]):
        assert newer.down_revision == older.revision
    return revisions


@pytest.fixture
def fresh_url(database_kind, tmp_path_factory, request):
    name = "migrations_" + request.node.originalname.removeprefix("test_")[:30]
    return fresh_database_url(database_kind, tmp_path_factory, name)


def test_upgrade_downgrade_and_upgrade_again(fresh_url):
    model_tables = set(Base.metadata.tables)
    assert table_names(fresh_url) == set()

    migrate.upgrade(fresh_url)
    assert table_names(fresh_url) == model_tables | {"alembic_version"}
    head = history(fresh_url)[-1].revision
    assert migrate.current_heads(fresh_url) == {head}
    assert service_line_codes(fresh_url) == SERVICE_LINE_CODES

    migrate.downgrade(fresh_url, "base")
    assert_at_base(fresh_url)

    migrate.upgrade(fresh_url)
    assert table_names(fresh_url) == model_tables | {"alembic_version"}
    assert migrate.current_heads(fresh_url) == {head}
    assert service_line_codes(fresh_url) == SERVICE_LINE_CODES


def test_every_revision_steps_down_and_up_again(fresh_url):
    revisions = history(fresh_url)
    for revision in revisions:
        migrate.upgrade(fresh_url, revision.revision)
        assert migrate.current_heads(fresh_url) == {revision.revision}
        tables_after_upgrade = table_names(fresh_url)

        migrate.downgrade(fresh_url, "-1")
        expected = {revision.down_revision} if revision.down_revision else set()
        assert migrate.current_heads(fresh_url) == expected, f"downgrade of {revision.revision}"
        if revision.down_revision is None:
            assert_at_base(fresh_url)

        migrate.upgrade(fresh_url, revision.revision)  # and up again, over what the downgrade left
        assert migrate.current_heads(fresh_url) == {revision.revision}
        assert table_names(fresh_url) == tables_after_upgrade
    assert migrate.current_heads(fresh_url) == {revisions[-1].revision}
    assert service_line_codes(fresh_url) == SERVICE_LINE_CODES


def test_downgrading_the_seed_removes_the_service_lines(fresh_url):
    revisions = history(fresh_url)
    seed = next(r for r in revisions if "seed" in (r.doc or "").lower())
    migrate.upgrade(fresh_url, seed.revision)
    assert service_line_codes(fresh_url) == SERVICE_LINE_CODES
    migrate.downgrade(fresh_url, seed.down_revision)
    assert service_line_codes(fresh_url) == set()


def test_append_only_triggers_are_removed_by_their_downgrade(fresh_url):
    revisions = history(fresh_url)
    triggers = next(r for r in revisions if "append-only" in (r.doc or ""))
    migrate.upgrade(fresh_url, triggers.revision)
    engine = make_engine(fresh_url)
    delete = text("DELETE FROM audit_events")
    try:
        with engine.begin() as connection:  # SQLite's triggers are per row: give them one
            connection.execute(insert(AuditEvent.__table__).values(at=clock.now(), action="migration_test"))
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(delete)
        migrate.downgrade(fresh_url, triggers.down_revision)
        with engine.begin() as connection:
            assert connection.execute(delete).rowcount == 1  # no trigger left to refuse it
    finally:
        engine.dispose()


def test_existing_households_phones_are_normalised_by_their_migration(fresh_url):
    revisions = history(fresh_url)
    phones = next(r for r in revisions if "phone numbers in one comparable form" in (r.doc or ""))
    migrate.upgrade(fresh_url, phones.down_revision)
    engine = make_engine(fresh_url)
    try:
        with engine.begin() as connection:
            for reference, phone in [("H1", "+44(0)151 496 0660"), ("H2", "ext 12"), ("H3", None)]:
                connection.execute(text("INSERT INTO households (reference, phone, first_enquiry_on, created_at) "
                                        "VALUES (:reference, :phone, '2026-11-23', '2026-11-23 09:00:00+00')"),
                                   {"reference": reference, "phone": phone})
        migrate.upgrade(fresh_url, phones.revision)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT reference, phone_normalised FROM households ORDER BY reference"))
            assert rows.all() == [("H1", "+441514960660"), ("H2", "12"), ("H3", None)]
    finally:
        engine.dispose()


def test_autogenerate_finds_nothing_to_do(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=dict(
                COMPARE_OPTIONS, include_object=schema_filter(connection.dialect.name)))
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"the models and the migrations disagree: {diff}"


def test_the_four_service_lines_are_seeded(database_url):
    from crm.households.models import ServiceLine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(ServiceLine.code, ServiceLine.name)).all()
    finally:
        engine.dispose()
    assert {code for code, _name in rows} == SERVICE_LINE_CODES
    assert dict(rows)["fostering_connected"] == "Fostering (connected persons / kinship)"


def test_free_text_withdrawal_reasons_move_to_the_list_by_their_migration(fresh_url):
    revisions = history(fresh_url)
    reasons = next(r for r in revisions if "Withdrawal reasons as a managed list" in (r.doc or ""))
    migrate.upgrade(fresh_url, reasons.down_revision)
    texts = ["  health ", "Moved to Spain for work", None, "Other", "Not approved for the test"]
    engine = make_engine(fresh_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO households (id, reference, first_enquiry_on, created_at) "
                                    "VALUES (1, 'H1', '2026-11-23', '2026-11-23 09:00:00+00')"))
            connection.execute(text("INSERT INTO applications (id, household_id, service_line_code, stage, "
                                    "stage_entered_on, status, fast_track, created_at) VALUES (1, 1, 'adoption', "
                                    "'enquiry', '2026-11-23', 'withdrawn', false, '2026-11-23 09:00:00+00')"))
            for number, reason in enumerate(texts, start=1):
                kind = "not_approved" if number == len(texts) else "withdrawn"
                connection.execute(text("INSERT INTO stage_events (id, application_id, kind, occurred_on, party, "
                                        "reason, recorded_at) VALUES (:id, 1, :kind, '2026-11-23', :party, :reason, "
                                        "'2026-11-23 09:00:00+00')"),
                                   {"id": number, "kind": kind, "reason": reason,
                                    "party": None if kind == "not_approved" else "applicant"})
        migrate.upgrade(fresh_url, reasons.revision)
        moved = ("SELECT e.id, r.name, e.reason FROM stage_events e "
                 "LEFT JOIN withdrawal_reasons r ON r.id = e.withdrawal_reason_id ORDER BY e.id")
        with engine.connect() as connection:
            assert connection.execute(text(moved)).all() == [
                (1, "Health", None), (2, "Other", "Moved to Spain for work"), (3, "Other", None), (4, "Other", None),
                (5, None, "Not approved for the test")]
            listed = connection.execute(text("SELECT name, needs_text, active FROM withdrawal_reasons "
                                             "ORDER BY position")).all()
            assert [name for name, _, _ in listed][:2] == ["Finances / cost of living", "Health"]
            assert [name for name, needs_text, _ in listed if needs_text] == ["Other"] and len(listed) == 9
        migrate.downgrade(fresh_url, reasons.down_revision)
        with engine.connect() as connection:
            back = connection.execute(text("SELECT reason FROM stage_events ORDER BY id")).scalars().all()
            assert back == ["Health", "Moved to Spain for work", "Other", "Other", "Not approved for the test"]
    finally:
        engine.dispose()
