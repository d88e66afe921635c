"""The schema, as SQLAlchemy Core tables. Alembic migrations must produce exactly this."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

# Named constraints let Alembic's batch mode on SQLite (which rebuilds tables) find and
# alter them, and keep names identical on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RESERVATION_STATUSES = ("open", "released", "consumed")


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC and read back as aware UTC.

    PostgreSQL keeps the offset itself (timestamptz); SQLite has no datetime type and
    SQLAlchemy's emulation drops the offset, so values are normalised to UTC before they are
    written and marked UTC when read. Naive datetimes are refused: their zone is a guess.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

network_versions = sa.Table(
    "network_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("loaded_at", UtcDateTime(), nullable=False),
    sa.Column("checksum", sa.Text, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    # Without AUTOINCREMENT SQLite hands out max(rowid) + 1, which could reuse a number;
    # a version number, once seen, must always mean the same document.
    sqlite_autoincrement=True,
)

inventory_positions = sa.Table(
    "inventory_positions",
    metadata,
    sa.Column("node_id", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("reserved", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("safety_stock", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    sa.CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
)

# Append-only: the repository only ever inserts here.
inventory_journal = sa.Table(
    "inventory_journal",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("node_id", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("on_hand_before", sa.Integer, nullable=False),
    sa.Column("on_hand_after", sa.Integer, nullable=False),
    sa.Column("safety_stock_before", sa.Integer, nullable=False),
    sa.Column("safety_stock_after", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    # journal(node_id=...) reads one node's newest lines first.
    sa.Index("ix_inventory_journal_node_id_id", "node_id", "id"),
    sqlite_autoincrement=True,
)

reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.Text, nullable=False, index=True),
    sa.Column("node_id", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'open'")),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("released_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s}'" for s in RESERVATION_STATUSES)),
        name="status_known",
    ),
)
