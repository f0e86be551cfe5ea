"""Reports already computed for the same data, answered from a cache that is never stale (SPEC section 10).

**The data version** (crm/dataversion.py): one row, `data_version.version`, incremented in the same transaction
as every write, so a reader can never see new data under an old version. The write is noticed at the lowest level
SQLAlchemy offers, every statement sent to the database on every engine crm.extensions.make_engine makes: the
ORM's flush, a Core bulk insert of an import, `text()`, a session or a bare connection; the increment is the last
statement before the commit. So no write through SQLAlchemy can be missed (a write past it, the bench generator's
COPY through the driver, says so with `wrote()`). A session hook (after_flush) would miss Core and connection-level
writes; comparing a max(updated_at) would need the column on every table and would miss deletes. Writes to tables
no report reads (this cache, the audit log) do not move it, so page views keep the reports cached. The row is
locked only from the increment to the commit, so concurrent writers queue for a moment, not for their transactions.

**The cache**: a row per report and parameters (`report_cache`), keyed by the report's name, its ReportParams
(`as_json`), today's date in London and the settings reports read, holding the Report pickled with the version
it was computed at. In the database rather than in each process: the four gunicorn workers (and several hosts)
share one computation and one invalidation, and a hit is a primary-key read of a few kilobytes. The pickle is
written and read only by Hearth in its own database (whoever can write there can change any figure anyway).

A reader reads the version before computing: if a write commits meanwhile, the figures may be newer than the
version they are stored under, never older, and that version is already past, so nobody reads them again.
"""
from __future__ import annotations

import hashlib
import json
import pickle
from datetime import datetime

from flask import current_app
from sqlalchemy import BigInteger, LargeBinary, String, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from crm import clock
from crm.db import Base
from crm.extensions import db

# Settings a report's figures depend on besides its parameters, the data and the day.
SETTINGS = ("APPROVED_WAITING_MONTHS", "ATTRIBUTION_HALF_LIFE_DAYS", "FIRST_RESPONSE_WORKING_DAYS")


class DataVersion(Base):
    """One row (id 1): incremented by every transaction that writes what a report may read."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportCache(Base):
    """A computed report: its key (name, parameters, day, settings) and the data version it was computed at."""

    __tablename__ = "report_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    data_version: Mapped[int] = mapped_column(BigInteger)
    report: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime]


def current_version(session) -> int:
    return session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def cache_key(name: str, params) -> str:
    settings = {setting: current_app.config.get(setting) for setting in SETTINGS}
    text = json.dumps({"name": name, "params": params.as_json(), "today": clock.today().isoformat(),
                       "settings": settings}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached(name: str, params, compute):
    """The report `compute()` gives for `name` and `params`, from the cache when the data has not changed since it
    was computed; a fresh one is stored (the caller commits)."""
    session = db.session
    version = current_version(session)  # first: the figures computed below are at least this new
    key = cache_key(name, params)
    payload = session.scalar(select(ReportCache.report).where(ReportCache.key == key,
                                                              ReportCache.data_version == version))
    if payload is not None:
        return pickle.loads(payload)
    report = compute()
    _store(session, key, name, version, pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    return report


def per_data_version(name: str, parameters: dict, compute):
    """`compute()`, kept per data version (every write moves it) and `parameters` (what it depends on besides the
    data): for counts and lists a page would otherwise read afresh on every view (the home page's counts, the
    allocation forms' workers). Computed afresh in a transaction that has itself written, whose writes are under no
    version yet."""
    from crm import dataversion

    if db.session.connection().info.get(dataversion.FLAG):
        return compute()
    return cached(name, _Parameters(parameters), compute)


class _Parameters:
    """What a kept value depends on, for its cache key."""

    def __init__(self, values: dict):
        self.values = values

    def as_json(self) -> dict:
        return self.values


def _store(session, key: str, name: str, version: int, payload: bytes) -> None:
    """Insert or replace the row; two workers computing the same report at once both succeed."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {"key": key, "name": name, "data_version": version, "report": payload, "computed_at": clock.now()}
    statement = insert(ReportCache).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[ReportCache.key],
        set_={column: statement.excluded[column] for column in ("name", "data_version", "report", "computed_at")},
        # never replace a newer computation with an older one
        where=ReportCache.data_version <= statement.excluded.data_version)
    session.execute(statement)
