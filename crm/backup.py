"""Backing up and restoring the whole database as one file: SQLite through its online backup API (safe while the
app and the scheduler write, in WAL mode), PostgreSQL through `pg_dump --format=custom` and `pg_restore`.

Every refusal is a BackupError whose message says what to do; the command line shows it without a traceback."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing, suppress
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from crm.extensions import make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def kind_of_url(database_url: str) -> str:
    """'sqlite' or 'postgresql', from a SQLAlchemy URL."""
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups are made of SQLite or PostgreSQL databases, not {backend}.")
    return backend


def kind_of_file(path: Path) -> str:
    """'sqlite' or 'postgresql': what kind of backup the file is, by its first bytes."""
    if not path.exists():
        raise BackupError(f"There is no file {path}.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"{path} cannot be read: {error.strerror}.") from error
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Hearth backup: it is neither a SQLite database nor a PostgreSQL "
                      "custom-format archive (pg_dump --format=custom).")


# Backing up ---------------------------------------------------------------------------------------------------------

def backup(database_url: str, target: Path) -> int:
    """Write the whole database to `target` (readable by its owner only), replacing it only once the copy is
    complete; returns its size in bytes."""
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the backup file's name.")
    if not target.parent.is_dir():
        raise BackupError(f"There is no folder {target.parent} to write the backup in.")
    if not tables_in(database_url):  # also checks the URL's kind, and that the database is reachable
        raise BackupError("There is nothing to back up: the database has no tables (is DATABASE_URL right?).")
    temporary = _private_temporary(target)
    try:
        if kind_of_url(database_url) == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), temporary)
        else:
            _pg_dump(database_url, temporary)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()
    return target.stat().st_size


def _private_temporary(target: Path) -> Path:
    """An empty file beside `target` (so the final rename stays on one file system), mode 0600 from the start."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    os.chmod(name, 0o600)
    return Path(name)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Only a SQLite database in a file can be backed up or restored.")
    return Path(database)


def _sqlite_backup(source: Path, destination: Path) -> None:
    """The online backup API: a consistent copy even while other connections write; one file (no WAL)."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    try:
        with closing(sqlite3.connect(source, timeout=15)) as reading, \
                closing(sqlite3.connect(destination)) as writing:
            reading.backup(writing)
            writing.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite database could not be copied: {error}.") from error


def libpq_url(database_url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL (postgresql+psycopg://user:secret@host:port/db) as a libpq URI without its password, and
    the environment for the client programs, with the password in PGPASSWORD when the URL has one."""
    url: URL = make_url(database_url)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql")._replace(password=None)  # set() keeps a password given None
    return plain.render_as_string(hide_password=False), environment


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} is not installed: install the PostgreSQL client programs "
                          "(for example the postgresql-client package).")
    return found


def _run(arguments: list[str], environment: dict[str, str], what: str) -> None:
    finished = subprocess.run(arguments, env=environment, capture_output=True, text=True)
    if finished.returncode != 0:
        detail = finished.stderr.strip() or f"exit status {finished.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def _pg_dump(database_url: str, destination: Path) -> None:
    connection, environment = libpq_url(database_url)
    _run([_client("pg_dump"), "--format=custom", f"--file={destination}", f"--dbname={connection}"],
         environment, "pg_dump")


# Restoring ----------------------------------------------------------------------------------------------------------

def tables_in(database_url: str) -> list[str]:
    """The tables the database holds (none for a new, empty database)."""
    if kind_of_url(database_url) == "sqlite":
        return _sqlite_tables(_sqlite_path(database_url))
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return sorted(name for schema in _user_schemas(inspector)
                          for name in inspector.get_table_names(schema=schema))
    except Exception as error:  # unreachable server, wrong credentials, no such database
        raise BackupError(f"The database cannot be reached: {_first_line(error)}") from error
    finally:
        engine.dispose()


def _sqlite_tables(path: Path) -> list[str]:
    """Read without the app's engine, whose transactions all take the write lock: a backup must not wait for a
    writer (WAL lets it read beside one)."""
    if not path.exists():
        return []
    try:
        with closing(sqlite3.connect(path, timeout=15)) as connection:
            return [name for name, in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite database at {path} cannot be read: {error}.") from error


def _user_schemas(inspector) -> list[str | None]:
    if inspector.dialect.name == "sqlite":
        return [None]
    return [name for name in inspector.get_schema_names()
            if name not in ("information_schema",) and not name.startswith("pg_")]


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]


def restore(database_url: str, source: Path, *, force: bool = False) -> None:
    """Replace the database's content with the backup `source`. A database that already has tables is refused
    unless `force`. Whoever holds connections to it (the app, the scheduler) must have let them go."""
    source = Path(source)
    made_by = kind_of_file(source)
    kind = kind_of_url(database_url)
    if made_by != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"{source} is a {names[made_by]} backup but DATABASE_URL is a {names[kind]} database: "
                          f"restore it into a {names[made_by]} database.")
    present = tables_in(database_url)
    if present and not force:
        raise BackupError(f"The database is not empty (it has {len(present)} tables): restore into a new, empty "
                          "database, or give --force to replace everything in it.")
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_path(database_url))
    else:
        _pg_restore(database_url, source, clean=bool(present))


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy the backup to a temporary file beside the database, check it, then rename it over the database once
    no connection holds it (its WAL checkpointed and gone, so nothing of the old content is replayed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _private_temporary(target)
    try:
        try:
            with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as reading, \
                    closing(sqlite3.connect(temporary)) as writing:
                reading.backup(writing)
                writing.execute("PRAGMA journal_mode=DELETE")
                verdict = writing.execute("PRAGMA quick_check").fetchone()[0]
                hearth = writing.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                         "AND name = 'alembic_version'").fetchone()[0]
        except sqlite3.Error as error:
            raise BackupError(f"{source} cannot be read as a SQLite database: {error}.") from error
        if verdict != "ok":
            raise BackupError(f"{source} is damaged (SQLite's check says: {verdict}).")
        if not hearth:
            raise BackupError(f"{source} is a SQLite database but not a Hearth backup (it has no alembic_version "
                              "table).")
        _release_wal(target)
        os.replace(temporary, target)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()


def _release_wal(target: Path) -> None:
    """Fold the WAL into the database and leave WAL mode, which SQLite allows only when no other connection is
    open: so a running app or scheduler is detected here rather than left with a file swapped beneath it."""
    if not target.exists():
        return
    try:
        with closing(sqlite3.connect(target, timeout=5)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"The database at {target} is in use: stop the app and the scheduler, then restore again "
                          f"(SQLite says: {error}).") from error
    if mode.lower() == "wal":
        raise BackupError(f"The database at {target} is in use: stop the app and the scheduler, then restore again.")
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        with suppress(FileNotFoundError):
            leftover.unlink()


def _pg_restore(database_url: str, source: Path, *, clean: bool) -> None:
    connection, environment = libpq_url(database_url)
    program = _client("pg_restore")
    listing = subprocess.run([program, "--list", str(source)], env=environment, capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(f"{source} cannot be read as a PostgreSQL archive: "
                          f"{listing.stderr.strip() or 'pg_restore --list failed'}")
    if not re.search(r"^\d+; \d+ \d+ TABLE \S+ alembic_version ", listing.stdout, re.MULTILINE):
        raise BackupError(f"{source} is a PostgreSQL archive but not a Hearth backup (it has no alembic_version "
                          "table).")
    arguments = [program, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
                 f"--dbname={connection}"]
    if clean:
        arguments += ["--clean", "--if-exists"]
    _run([*arguments, str(source)], environment, "pg_restore")


# The commands ---------------------------------------------------------------------------------------------------------

def _record(action: str, detail: dict) -> str | None:
    """Audit the backup or restore in the database itself; a database that cannot take the entry (unreachable, or a
    schema from before the audit log) is reported, not fatal: the file is what matters."""
    from sqlalchemy.exc import SQLAlchemyError

    from crm.audit.services import CLI_ACTOR, record_event
    from crm.extensions import db

    try:
        record_event(db.session, action, actor_label=CLI_ACTOR, object_type="database", detail=detail)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        return f"Not recorded in the audit log: {_first_line(error)}"
    return None


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Back up the whole database (DATABASE_URL) to FILE, readable by its owner only. Safe while the app and the
    scheduler run. SQLite: a copy of the database file; PostgreSQL: a pg_dump custom-format archive."""
    try:
        size = backup(current_app.config["DATABASE_URL"], file)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    warning = _record("database_backed_up", {"file": str(file), "bytes": size})
    if warning:
        click.echo(warning, err=True)
    click.echo(f"Backed up the database to {file} ({size:,} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything in a database that is not empty.")
@with_appcontext
def restore_command(file, force):
    """Restore the backup FILE into the database (DATABASE_URL), which must be new and empty unless --force. Stop
    the app and the scheduler first, and run `crm db upgrade` afterwards."""
    from crm.extensions import Database

    Database.state(current_app).engine.dispose()  # the app lets go of the database before it is replaced
    try:
        restore(current_app.config["DATABASE_URL"], file, force=force)
    except BackupError as error:
        raise click.ClickException(error.message) from error
    Database.state(current_app).engine.dispose()
    warning = _record("database_restored", {"file": str(file), "replaced": force})
    if warning:
        click.echo(warning, err=True)
    click.echo(f"Restored the database from {file}. Run `crm db upgrade` before starting the app.")
