"""Run the packaged Alembic migrations from code; no alembic.ini is involved."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext

from ordermesh.adapters.db.engine import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations, bound to ``connection`` if given.

    Also the way to write a new revision:
    ``command.revision(alembic_config(conn), "message", autogenerate=True)``.
    """
    config = Config()
    # Config values pass through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    # Without it Alembic warns that it is guessing how to split location lists.
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(target: sa.Engine | str, revision: str = "head") -> None:
    """Migrate the database at ``target`` (an engine or a URL) to ``revision``.

    Runs in one transaction: on PostgreSQL, and on SQLite through our engine, DDL is
    transactional, so a failed migration leaves the schema as it was.
    """
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    finally:
        if engine is not target:
            engine.dispose()


def current_revision(target: sa.Engine | str) -> str | None:
    """The revision the database at ``target`` is at; None before the first migration."""
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if engine is not target:
            engine.dispose()
