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

ORDER_STATUSES = (
    "received",
    "routed",
    "partially_backordered",
    "backordered",
    "fulfilled",
    "cancelled",
)
REQUEST_STATUSES = (
    "created",
    "released",
    "accepted",
    "rejected",
    "shipped",
    "delivered",
    "cancelled",
)


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text, nullable=True),
    sa.Column("idempotency_key", sa.Text, nullable=True),
    sa.Column("customer_tier", sa.Text, nullable=True),
    sa.Column("ship_to", sa.JSON, nullable=False),
    sa.Column("service_level", sa.Text, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("on_hold", sa.Boolean, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("placed_at", UtcDateTime(), nullable=False),
    sa.Column("promised_by", sa.Date, nullable=True),
    sa.Column("rule_set_id", sa.Text, nullable=True),
    sa.Column("rule_set_version", sa.Integer, nullable=True),
    sa.Column("explanation", sa.JSON, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # The currency of the lines' unit prices (the network's); NULL on orders older than it.
    sa.Column("currency", sa.Text, nullable=True),
    # What the channel sent that the order does not carry (skipped gift cards...).
    sa.Column("notes", sa.JSON, nullable=True),
    # When the recipient in ``ship_to`` (personal data) was erased (migration 0006).
    sa.Column("redacted_at", UtcDateTime(), nullable=True),
    # SHA-256 of the canonical request body that placed it under an idempotency key (0008).
    sa.Column("request_fingerprint", sa.Text, nullable=True),
    # NULLs are distinct in a unique constraint on both databases, so orders without an
    # external id or an idempotency key never collide. Keys are scoped to the channel so
    # that one channel can never be answered with another channel's order.
    sa.UniqueConstraint("channel", "external_id"),
    sa.UniqueConstraint("channel", "idempotency_key"),
    sa.CheckConstraint(f"status IN ({_one_of(ORDER_STATUSES)})", name="status_known"),
    # list_orders pages newest first over (created_at, id).
    sa.Index("ix_orders_created_at_id", "created_at", "id"),
    sa.Index("ix_orders_status", "status"),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("order_id", sa.Text, sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("line_id", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("item", sa.Text, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Float, nullable=True),
    sa.Column("cancelled_quantity", sa.Integer, nullable=False),
    # Nodes that rejected or short-picked units of this line: re-routing skips them.
    sa.Column("excluded_nodes", sa.JSON, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint(
        "cancelled_quantity >= 0 AND cancelled_quantity <= quantity", name="cancelled_in_range"
    ),
)

fulfillment_requests = sa.Table(
    "fulfillment_requests",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("node_id", sa.Text, nullable=False),
    sa.Column("service_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("costs", sa.JSON, nullable=False),
    sa.Column("ship_date", sa.Date, nullable=False),
    sa.Column("promise_date", sa.Date, nullable=False),
    sa.Column("tracking_number", sa.Text, nullable=True),
    sa.Column("carrier", sa.Text, nullable=True),
    sa.Column("reject_reason", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint(f"status IN ({_one_of(REQUEST_STATUSES)})", name="status_known"),
    # A node's work queue, and its shipments per ship date (daily capacity).
    sa.Index("ix_fulfillment_requests_node_id_status", "node_id", "status"),
    sa.Index("ix_fulfillment_requests_node_id_ship_date", "node_id", "ship_date"),
)

fulfillment_request_lines = sa.Table(
    "fulfillment_request_lines",
    metadata,
    sa.Column("request_id", sa.Text, sa.ForeignKey("fulfillment_requests.id"), primary_key=True),
    sa.Column("line_id", sa.Text, primary_key=True),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("bundle_id", sa.Text, nullable=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("cancelled_quantity", sa.Integer, nullable=False),
    sa.Column("shipped_quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint(
        "cancelled_quantity >= 0 AND shipped_quantity >= 0"
        " AND cancelled_quantity + shipped_quantity <= quantity",
        name="quantities_in_range",
    ),
)

backorders = sa.Table(
    "backorders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.Text, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("line_id", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=False, index=True),
    sa.Column("bundle_id", sa.Text, nullable=True),
    sa.Column("quantity", sa.Integer, nullable=False),  # units still waiting
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sqlite_autoincrement=True,
)

# Append-only, like the inventory journal.
transitions = sa.Table(
    "transitions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity_kind", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=False, index=True),
    sa.Column("from_status", sa.Text, nullable=True),
    sa.Column("to_status", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index("ix_transitions_entity_kind_entity_id", "entity_kind", "entity_id"),
    sqlite_autoincrement=True,
)

outbox_events = sa.Table(
    "outbox_events",
    metadata,
    # Readers page by id (GET /v1/events?after=), so an id must never be reused.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=True),
    sa.Column("order_sequence", sa.Integer, nullable=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("order_id", "order_sequence"),
    sqlite_autoincrement=True,
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("key_hash", sa.Text, nullable=False, unique=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Column("last_used_at", UtcDateTime(), nullable=True),  # at most once a minute (0008)
)

# A console sign-in: only the SHA-256 of the cookie's token is stored, like API keys.
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("key_id", sa.Text, sa.ForeignKey("api_keys.id"), nullable=False, index=True),
    sa.Column("csrf_token", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
)

# Replays of stored orders under a draft rule set, run in the background; progress is
# written as it goes so any server process can answer for it.
replay_jobs = sa.Table(
    "replay_jobs",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("parameters", sa.JSON, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
)

from ordermesh.adapters.db import delivery_tables as _delivery_tables  # noqa: E402, F401
from ordermesh.adapters.db import intake_tables as _intake_tables  # noqa: E402, F401
from ordermesh.adapters.db import opportunity_tables as _opportunity_tables  # noqa: E402, F401
from ordermesh.adapters.db import partner_tables as _partner_tables  # noqa: E402, F401
