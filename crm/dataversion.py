"""The data version: one number that moves in the same transaction as every write a report may read, so a cached
report (crm/reports/cache.py, whose docstring gives the design) is never stale.

Every engine crm.extensions.make_engine makes is watched: each statement sent to the database is looked at
(`before_cursor_execute`), so the ORM's flush, a Core bulk insert, `text()` and a bare connection are all seen;
a write (INSERT, UPDATE, DELETE, COPY, MERGE, TRUNCATE, DDL) to a table other than UNVERSIONED marks the
connection, and just before that transaction commits `data_version.version` is incremented through the same DBAPI
connection. A rollback forgets the mark. A write that goes past SQLAlchemy altogether (a driver's COPY) calls
`wrote()`.

A savepoint released after a write (a nested transaction; every commit of the test suite, whose outer transaction
is rolled back) moves the version too, so a report read later in the same transaction is not answered from before
the write. On PostgreSQL that increment is made and committed on a connection of its own: made inside the
transaction, it would hold the row's lock until the outer commit, and any other connection's commit would wait for
it (a background import in a test waited forever). The outer commit still moves the version once more, in its own
transaction, so what was cached meanwhile (without the transaction's writes) is never read again once they are
visible. SQLite has one writer at a time: the increment stays in the transaction.
"""
from __future__ import annotations

import re

from sqlalchemy import Engine, event

# Tables no report reads: writing them keeps the cached reports (a page view's audit row, the cache itself).
UNVERSIONED = frozenset({"report_cache", "data_version", "audit_events", "alembic_version"})
# Columns no report or kept count reads: an UPDATE that sets only these keeps them too. Signing in and out writes
# them, and every sign-in of a busy morning would otherwise throw away every cached report and home page count.
UNVERSIONED_COLUMNS = {"users": frozenset({"failed_login_count", "locked_until", "last_login_at", "session_token"})}
FLAG = "hearth_wrote"
RELEASED = "hearth_wrote_released"  # a savepoint holding writes was released: the commit moves the version again
WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|COPY|'
                   r'MERGE\s+INTO|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?"?(\w+)"?', re.IGNORECASE)
# An UPDATE's SET list, read only to keep a version: anything not understood still moves it.
SET_START = re.compile(r"\bSET\s", re.IGNORECASE)
SET_END = re.compile(r"\s(?:WHERE|RETURNING|FROM)\b", re.IGNORECASE)
ASSIGNMENT = re.compile(r'\s*"?(\w+)"?\s*=(?!=)')
DDL = re.compile(r"^\s*(?:CREATE|DROP|ALTER)\b", re.IGNORECASE)
CTE_WRITE = re.compile(r"^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"
# On PostgreSQL a failed statement spoils the transaction: before the migration that makes the table, do nothing.
BUMP_POSTGRESQL = "DO $$ BEGIN IF to_regclass('data_version') IS NOT NULL THEN " + BUMP + "; END IF; END $$"


def writes_versioned_data(statement: str) -> bool:
    """Whether the SQL statement may change what a report reads."""
    if (match := WRITE.match(statement)) is not None:
        table = match.group(1).lower()
        return table not in UNVERSIONED and not _sets_only_unversioned_columns(table, statement)
    return bool(DDL.match(statement) or CTE_WRITE.match(statement))


def written_table(statement: str) -> str | None:
    """The table a writing statement writes ("" for DDL or a write inside WITH), None when it only reads."""
    if (match := WRITE.match(statement)) is not None:
        return match.group(1).lower()
    return "" if DDL.match(statement) or CTE_WRITE.match(statement) else None


def _sets_only_unversioned_columns(table: str, statement: str) -> bool:
    """An UPDATE of `table` whose SET list names only columns in UNVERSIONED_COLUMNS."""
    keep = UNVERSIONED_COLUMNS.get(table)
    if keep is None or statement.lstrip()[:6].upper() != "UPDATE" or (start := SET_START.search(statement)) is None:
        return False
    columns = set()
    for assignment in _top_level_items(statement[start.end():]):
        if (match := ASSIGNMENT.match(assignment)) is None:
            return False
        columns.add(match.group(1).lower())
    return bool(columns) and columns <= keep


def _top_level_items(text: str) -> list[str]:
    """The comma-separated items of `text` outside brackets, up to a WHERE, RETURNING or FROM outside them."""
    items, depth, begun = [], 0, 0
    for position, character in enumerate(text):
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif depth == 0 and character == ",":
            items.append(text[begun:position])
            begun = position + 1
        elif depth == 0 and character.isspace() and SET_END.match(text, position):
            break
    else:
        position = len(text)
    items.append(text[begun:position])
    return items


def watch(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _noticed)
    event.listen(engine, "commit", _before_commit)
    event.listen(engine, "release_savepoint", lambda connection, _name, _context: _released(connection))
    event.listen(engine, "rollback", _forget)


def wrote(session_or_connection) -> None:
    """Writes made past SQLAlchemy in this transaction: move the version when it commits."""
    connection = (session_or_connection.connection() if hasattr(session_or_connection, "get_bind")
                  else session_or_connection)
    connection.info[FLAG] = True


def _noticed(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if FLAG not in connection.info and writes_versioned_data(statement):
        connection.info[FLAG] = True


def _released(connection) -> None:
    if connection.dialect.name != "postgresql":
        _before_commit(connection)
        return
    if not connection.info.pop(FLAG, False):
        return
    connection.info[RELEASED] = True
    own = connection.engine.raw_connection()  # the driver's: like the increment at commit, no statement of the app's
    try:
        cursor = own.cursor()
        cursor.execute(BUMP_POSTGRESQL)
        cursor.close()
        own.commit()
    finally:
        own.close()


def _before_commit(connection) -> None:
    wrote_here, released = connection.info.pop(FLAG, False), connection.info.pop(RELEASED, False)
    if not (wrote_here or released):
        return
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            cursor.execute(BUMP_POSTGRESQL)
        else:
            try:
                cursor.execute(BUMP)
            except Exception as error:  # noqa: BLE001 - sqlite3.OperationalError, the table not made yet
                if "no such table" not in str(error):
                    raise
    finally:
        cursor.close()


def _forget(connection) -> None:
    connection.info.pop(FLAG, None)
    connection.info.pop(RELEASED, None)
