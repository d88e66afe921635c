"""Engines, migrations and the schema they produce."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import alembic_config, current_revision, upgrade
from ordermesh.adapters.db.tables import metadata, network_versions


def test_migrations_create_exactly_the_tables_module(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, metadata) == []


def test_migrations_leave_the_database_at_head_and_rerun_as_a_no_op(database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    assert current_revision(database_url) == head
    upgrade(database_url)
    assert current_revision(database_url) == head


def test_migrations_downgrade_to_nothing_and_back(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) >= set(metadata.tables)


def test_postgresql_urls_use_psycopg_3() -> None:
    engine = create_engine("postgresql://user@localhost/ordermesh")
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_sqlite_engines_set_their_pragmas_and_create_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
            }
        assert path.exists()
        # synchronous: 1 is NORMAL.
        assert pragma == {
            "journal_mode": "wal",
            "synchronous": 1,
            "busy_timeout": 30000,
            "foreign_keys": 1,
        }
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}"
    upgrade(url)
    # A second engine with no patience: if the first transaction holds the write lock from
    # its first statement, a read-only one on the first engine already blocks this writer.
    holder = create_engine(url)
    contender = create_engine(url)
    try:
        with contender.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            connection.rollback()
            with holder.connect() as held:
                held.execute(sa.select(sa.func.count()).select_from(network_versions))
                with pytest.raises(sa.exc.OperationalError, match="locked"):
                    connection.execute(sa.select(1))
                connection.rollback()
    finally:
        holder.dispose()
        contender.dispose()


def test_datetimes_round_trip_as_aware_utc(engine: sa.Engine) -> None:
    at = datetime(2026, 7, 1, 23, 59, 59, 123456, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            network_versions.insert().values(loaded_at=at, checksum="c", document={"a": 1})
        )
    with engine.connect() as connection:
        loaded_at, document = connection.execute(
            sa.select(network_versions.c.loaded_at, network_versions.c.document)
        ).one()
    assert loaded_at == at
    assert loaded_at.tzinfo == UTC
    assert document == {"a": 1}
