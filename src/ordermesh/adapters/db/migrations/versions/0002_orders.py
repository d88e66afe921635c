"""Orders, their lines, fulfillment requests, backorders, transitions, the outbox, API keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-12

Types are spelled out rather than imported from ``tables``, as in 0001. Reservations keep
their 0001 shape: a fulfillment request line's reservation has the reference
``"<request id>:<line id>:<sku>"``, which is how shipped units find their reservation.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("customer_tier", sa.Text(), nullable=True),
        sa.Column("ship_to", sa.JSON(), nullable=False),
        sa.Column("service_level", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promised_by", sa.Date(), nullable=True),
        sa.Column("rule_set_id", sa.Text(), nullable=True),
        sa.Column("rule_set_version", sa.Integer(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'routed', 'partially_backordered', 'backordered',"
            " 'fulfilled', 'cancelled')",
            name=op.f("ck_orders_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_orders_channel_external_id")),
        sa.UniqueConstraint(
            "channel", "idempotency_key", name=op.f("uq_orders_channel_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_orders_created_at_id"), "orders", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("order_sequence", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_events_event_id")),
        sa.UniqueConstraint(
            "order_id", "order_sequence", name=op.f("uq_outbox_events_order_id_order_sequence")
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_kind", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transitions")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_transitions_entity_kind_entity_id"),
        "transitions",
        ["entity_kind", "entity_id"],
        unique=False,
    )
    op.create_index(op.f("ix_transitions_order_id"), "transitions", ["order_id"], unique=False)
    op.create_table(
        "backorders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("line_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("bundle_id", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_backorders_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_backorders_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backorders")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_backorders_order_id"), "backorders", ["order_id"], unique=False)
    op.create_index(op.f("ix_backorders_sku"), "backorders", ["sku"], unique=False)
    op.create_table(
        "fulfillment_requests",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("costs", sa.JSON(), nullable=False),
        sa.Column("ship_date", sa.Date(), nullable=False),
        sa.Column("promise_date", sa.Date(), nullable=False),
        sa.Column("tracking_number", sa.Text(), nullable=True),
        sa.Column("carrier", sa.Text(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('created', 'released', 'accepted', 'rejected', 'shipped',"
            " 'delivered', 'cancelled')",
            name=op.f("ck_fulfillment_requests_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fulfillment_requests_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_requests")),
    )
    op.create_index(
        op.f("ix_fulfillment_requests_node_id_ship_date"),
        "fulfillment_requests",
        ["node_id", "ship_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fulfillment_requests_node_id_status"),
        "fulfillment_requests",
        ["node_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fulfillment_requests_order_id"), "fulfillment_requests", ["order_id"], unique=False
    )
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("line_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=True),
        sa.Column("cancelled_quantity", sa.Integer(), nullable=False),
        sa.Column("excluded_nodes", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "cancelled_quantity >= 0 AND cancelled_quantity <= quantity",
            name=op.f("ck_order_lines_cancelled_in_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", "line_id", name=op.f("pk_order_lines")),
    )
    op.create_table(
        "fulfillment_request_lines",
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("line_id", sa.Text(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("bundle_id", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("cancelled_quantity", sa.Integer(), nullable=False),
        sa.Column("shipped_quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "cancelled_quantity >= 0 AND shipped_quantity >= 0"
            " AND cancelled_quantity + shipped_quantity <= quantity",
            name=op.f("ck_fulfillment_request_lines_quantities_in_range"),
        ),
        sa.CheckConstraint(
            "quantity > 0", name=op.f("ck_fulfillment_request_lines_quantity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["fulfillment_requests.id"],
            name=op.f("fk_fulfillment_request_lines_request_id_fulfillment_requests"),
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "line_id", "sku", name=op.f("pk_fulfillment_request_lines")
        ),
    )


def downgrade() -> None:
    op.drop_table("fulfillment_request_lines")
    op.drop_table("order_lines")
    op.drop_index(op.f("ix_fulfillment_requests_order_id"), table_name="fulfillment_requests")
    op.drop_index(op.f("ix_fulfillment_requests_node_id_status"), table_name="fulfillment_requests")
    op.drop_index(
        op.f("ix_fulfillment_requests_node_id_ship_date"), table_name="fulfillment_requests"
    )
    op.drop_table("fulfillment_requests")
    op.drop_index(op.f("ix_backorders_sku"), table_name="backorders")
    op.drop_index(op.f("ix_backorders_order_id"), table_name="backorders")
    op.drop_table("backorders")
    op.drop_index(op.f("ix_transitions_order_id"), table_name="transitions")
    op.drop_index(op.f("ix_transitions_entity_kind_entity_id"), table_name="transitions")
    op.drop_table("transitions")
    op.drop_table("outbox_events")
    op.drop_index(op.f("ix_orders_status"), table_name="orders")
    op.drop_index(op.f("ix_orders_created_at_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_table("api_keys")
