"""INSERT that quietly does nothing when the row's key is already there: how concurrent
writers of the same row (a position, a cursor, a webhook id) let exactly one win."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_or_ignore(
    connection: sa.Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
) -> bool:
    """INSERT ... ON CONFLICT (keys) DO NOTHING; True when the row went in.

    RETURNING tells, since psycopg reports no rowcount for this statement."""
    returned = [table.c[key] for key in keys]
    name = connection.dialect.name
    if name == "postgresql":
        pg = postgresql.insert(table).values(**values)
        statement = pg.on_conflict_do_nothing(index_elements=keys).returning(*returned)
    elif name == "sqlite":
        lite = sqlite.insert(table).values(**values)
        statement = lite.on_conflict_do_nothing(index_elements=keys).returning(*returned)
    else:
        raise ValueError(f"ordermesh stores data in SQLite or PostgreSQL, not {name}")
    return connection.execute(statement).first() is not None
