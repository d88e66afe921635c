"""Alembic's entry point, run by ``alembic.command``; see ``ordermesh.adapters.db.migrate``.

The caller normally hands over an open connection in ``config.attributes["connection"]`` so
the migration runs in the caller's transaction (and, for SQLite, on a connection set up by
our ``create_engine``). A ``sqlalchemy.url`` main option is the fallback, and offline mode
renders SQL for a DBA to review.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from ordermesh.adapters.db.engine import create_engine, normalize_url
from ordermesh.adapters.db.tables import metadata


def _configure_and_run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things, so later migrations must copy-and-move tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("offline migrations need the sqlalchemy.url option")
    context.configure(
        url=normalize_url(url),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=normalize_url(url).get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            'pass a connection in config.attributes["connection"] or set sqlalchemy.url'
        )
    engine = create_engine(url)
    try:
        with engine.begin() as owned:
            _configure_and_run(owned)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
