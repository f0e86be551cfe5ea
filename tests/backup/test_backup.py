"""`crm backup` and `crm restore`: a database restored from its backup into a new, empty database holds the same
rows and gives every report the same figures; a backup is taken while another connection writes (SQLite in WAL); a
restore refuses a database that is not empty unless --force; missing, foreign and damaged files are refused in words."""
from __future__ import annotations

import sqlite3
import stat
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, table

from crm import clock, migrate
from crm.audit.models import AuditEvent
from crm.backup import BackupError, backup, libpq_url
from crm.demo.services import load_demo
from crm.extensions import Database, db
from crm.reports import registry
from crm.reports.base import ReportParams
from crm.reports.marketing.report import MarketingParams
from crm.reports.render import exports
from tests.conftest import fresh_database_url, make_test_app

TODAY = date(2026, 11, 23)
PERIODS = ({"date_from": "2025-04-01", "date_to": "2026-03-31", "at": "2026-03-31"},
           {"date_from": "2026-04-01", "date_to": "2026-11-22", "at": "2026-11-22"},
           {"date_from": "2026-04-01", "date_to": "2026-11-22", "at": "2026-11-22", "by": "month"})


@pytest.fixture(scope="module")
def source(database_kind, tmp_path_factory):
    """An app on a database of its own holding the demo service: a small history in every area."""
    url = fresh_database_url(database_kind, tmp_path_factory, "backup_source")
    migrate.upgrade(url)
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    with clock.travel(clock.london_time(TODAY, time(12))), app.app_context():
        load_demo(seed=11, households=40, today=TODAY)
        db.session.commit()
    yield app
    Database.state(app).engine.dispose()


@pytest.fixture
def empty(database_kind, tmp_path_factory):
    """make(): an app on a new database with nothing in it (no tables)."""
    made = []

    def make():
        url = fresh_database_url(database_kind, tmp_path_factory, "backup_target")
        made.append(make_test_app(url, tmp_path_factory.mktemp("instance")))
        return made[-1]

    yield make
    for app in made:
        Database.state(app).engine.dispose()


def figures(app) -> dict[tuple[str, int], bytes | str]:
    """Every report `crm report` computes, for each period, as its JSON export (or the refusal of a split)."""
    found = {}
    with app.app_context():
        for name in registry.COMMAND_LINE_NAMES:
            reading = MarketingParams if name in registry.MARKETING else ReportParams
            for number, period in enumerate(PERIODS):
                try:
                    found[name, number] = exports.render(registry.compute(name, reading.from_args(period, TODAY)),
                                                         "json")
                except ValueError as error:  # a split the report cannot make
                    found[name, number] = str(error)
    return found


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        return {name: db.session.scalar(select(func.count()).select_from(table(name))) for name in names}


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_restored_database_gives_the_same_rows_and_figures(source, empty, tmp_path):
    before_rows, before_figures = row_counts(source), figures(source)
    assert before_rows["households"] == 40 and before_rows["stage_events"] > 40
    assert len(before_figures) == len(registry.COMMAND_LINE_NAMES) * len(PERIODS)
    assert all(isinstance(found, bytes) for (_, number), found in before_figures.items() if "by" not in PERIODS[number])
    file = tmp_path / "hearth.backup"

    backed = invoke(source, "backup", str(file))

    assert backed.exit_code == 0, backed.output
    assert "Backed up the database" in backed.output
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    target = empty()
    restored = invoke(target, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "crm db upgrade" in restored.output
    after_rows = row_counts(target)
    # The restore's own audit entry is the one row more; the backup's entry was written after the copy.
    assert after_rows.pop("audit_events") == before_rows.pop("audit_events") + 1
    assert after_rows == before_rows
    assert figures(target) == before_figures
    assert _actions(target)[-1] == "database_restored"
    assert _actions(source)[-1] == "database_backed_up"


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(source, empty, tmp_path):
    file = tmp_path / "hearth.backup"
    assert invoke(source, "backup", str(file)).exit_code == 0
    target = empty()
    assert invoke(target, "restore", str(file)).exit_code == 0
    households = row_counts(target)["households"]

    refused = invoke(target, "restore", str(file))

    assert refused.exit_code == 1
    assert "The database is not empty" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output
    forced = invoke(target, "restore", "--force", str(file))
    assert forced.exit_code == 0, forced.output
    assert row_counts(target)["households"] == households
    assert _actions(target).count("database_restored") == 1  # replaced: the first restore's entry went with it


def test_backup_is_taken_while_another_connection_holds_a_write_transaction(database_kind, source, tmp_path):
    if database_kind != "sqlite":
        pytest.skip("SQLite's WAL mode; PostgreSQL's pg_dump reads a snapshot")
    url = source.config["DATABASE_URL"]
    households = row_counts(source)["households"]
    writer = sqlite3.connect(Path(url.removeprefix("sqlite:///")), isolation_level=None)
    try:
        assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("CREATE TABLE scratch (x INTEGER)")  # uncommitted: the backup holds what was committed
        writer.execute("INSERT INTO scratch VALUES (1)")
        file = tmp_path / "during.backup"
        backup(url, file)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sqlite3.connect(file) as copy:
        assert copy.execute("SELECT count(*) FROM households").fetchone()[0] == households
        assert not copy.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'").fetchone()[0]
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert not Path(f"{file}-wal").exists()


def test_a_sqlite_restore_refuses_a_database_still_in_use(database_kind, source, empty, tmp_path):
    if database_kind != "sqlite":
        pytest.skip("SQLite's file is swapped; PostgreSQL restores in one transaction")
    file = tmp_path / "hearth.backup"
    backup(source.config["DATABASE_URL"], file)
    target = empty()
    assert invoke(target, "restore", str(file)).exit_code == 0
    households = row_counts(target)["households"]
    holder = sqlite3.connect(Path(target.config["DATABASE_URL"].removeprefix("sqlite:///")))
    try:
        holder.execute("SELECT count(*) FROM households").fetchone()  # the app or the scheduler, still running
        refused = invoke(target, "restore", "--force", str(file))
    finally:
        holder.close()
    assert refused.exit_code == 1
    assert "is in use: stop the app and the scheduler" in refused.output
    assert row_counts(target)["households"] == households


def test_bad_files_are_refused_in_words(database_kind, empty, tmp_path):
    target = empty()
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"this is not a backup at all\n" * 10)
    foreign = tmp_path / "foreign.backup"
    if database_kind == "sqlite":
        foreign.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
        other = "PostgreSQL"
    else:
        sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
        other = "SQLite"
    cases = {
        str(tmp_path / "missing.backup"): "There is no file",
        str(garbage): "is not a Hearth backup: it is neither a SQLite database nor a PostgreSQL",
        str(foreign): f"is a {other} backup but DATABASE_URL is a",
        str(tmp_path): "is a directory",
    }
    for file, message in cases.items():
        result = invoke(target, "restore", file)
        assert result.exit_code != 0, file
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    assert not row_counts(target)


def test_a_database_of_the_right_kind_but_not_a_hearth_backup_is_refused(database_kind, empty, tmp_path):
    target = empty()
    file = tmp_path / "other.backup"
    if database_kind == "sqlite":
        with sqlite3.connect(file) as other:
            other.execute("CREATE TABLE notes (body TEXT)")
        message = "is a SQLite database but not a Hearth backup"
    else:
        file.write_bytes(b"PGDMP" + b"\xff" * 200)  # the signature, then damage
        message = "cannot be read as a PostgreSQL archive"
    result = invoke(target, "restore", str(file))
    assert result.exit_code == 1
    assert message in result.output
    assert not row_counts(target)


def test_backup_to_a_folder_that_does_not_exist_is_refused(source, tmp_path):
    result = invoke(source, "backup", str(tmp_path / "nowhere" / "hearth.backup"))
    assert result.exit_code == 1
    assert "There is no folder" in result.output


def test_backup_of_a_database_without_tables_is_refused(empty, tmp_path):
    result = invoke(empty(), "backup", str(tmp_path / "hearth.backup"))
    assert result.exit_code == 1
    assert "There is nothing to back up" in result.output
    assert not (tmp_path / "hearth.backup").exists()


def test_the_libpq_url_leaves_the_password_to_the_environment():
    url, environment = libpq_url("postgresql+psycopg://hearth:s3cr%40t@db.example:6543/hearth?sslmode=require")
    assert url == "postgresql://hearth@db.example:6543/hearth?sslmode=require"
    assert environment["PGPASSWORD"] == "s3cr@t"
    with pytest.raises(BackupError, match="not mysql"):
        backup("mysql://x@y/z", Path("/tmp/never"))
