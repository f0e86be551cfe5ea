"""Two SQL functions the queues need that SQLite and PostgreSQL spell differently."""
from __future__ import annotations

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class greatest(FunctionElement):  # noqa: N801 (reads as the SQL function it is)
    """The largest of its (non-null) arguments, as a date."""

    type = Date()
    inherit_cache = True


class utc_date(FunctionElement):  # noqa: N801
    """The UTC calendar date of a timestamp."""

    type = Date()
    inherit_cache = True


@compiles(greatest)
def _greatest(element, compiler, **kw) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"  # SQLite's max() of several arguments


@compiles(utc_date)
def _utc_date(element, compiler, **kw) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"  # SQLite keeps UTC timestamps as text
