"""Alembic, driven from code: the CLI, `make run` and the tests all migrate through these functions."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from crm.config import ROOT

FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def current_heads(database_url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    from crm.extensions import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
