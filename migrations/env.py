"""Alembic environment: batch mode (SQLite), type comparison, the URL handed over by crm.migrate."""
from __future__ import annotations

import os

from alembic import context

from crm.db import UTCDateTime, schema_filter
from crm.extensions import make_engine
from crm.models import Base


def render_item(type_, obj, autogen_context):
    """Write our UTC timestamp type as the plain column type it is in the database."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


COMPARE_OPTIONS = {"compare_type": True, "render_as_batch": True, "render_item": render_item}


def database_url() -> str:
    url = context.config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: run migrations through `crm db upgrade`")
    return url


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=Base.metadata,
                              include_object=schema_filter(connection.dialect.name), **COMPARE_OPTIONS)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True, **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
