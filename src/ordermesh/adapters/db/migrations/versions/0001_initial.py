"""Initial schema: network versions, inventory positions and journal, reservations.

Revision ID: 0001
Revises:
Create Date: 2025-11-24

Types are spelled out here rather than imported from ``tables``: a migration must keep
producing the schema it produced the day it was written, whatever ``tables`` becomes.
``UtcDateTime`` is a Python-side TypeDecorator over DateTime(timezone=True), so the column
type in the database is the plain one below.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network_versions",
        sa.Column("version", sa.Integer, autoincrement=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checksum", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_network_versions")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "inventory_positions",
        sa.Column("node_id", sa.Text, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("on_hand", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("reserved", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("safety_stock", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "sku", name=op.f("pk_inventory_positions")),
        sa.CheckConstraint(
            "on_hand >= 0", name=op.f("ck_inventory_positions_on_hand_not_negative")
        ),
        sa.CheckConstraint(
            "reserved >= 0", name=op.f("ck_inventory_positions_reserved_not_negative")
        ),
        sa.CheckConstraint(
            "safety_stock >= 0", name=op.f("ck_inventory_positions_safety_stock_not_negative")
        ),
    )
    op.create_table(
        "inventory_journal",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("node_id", sa.Text, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("on_hand_before", sa.Integer, nullable=False),
        sa.Column("on_hand_after", sa.Integer, nullable=False),
        sa.Column("safety_stock_before", sa.Integer, nullable=False),
        sa.Column("safety_stock_after", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_journal")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_inventory_journal_node_id_id"), "inventory_journal", ["node_id", "id"])
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("node_id", sa.Text, nullable=False),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'open'")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservations_quantity_positive")),
        sa.CheckConstraint(
            "status IN ('open', 'released', 'consumed')", name=op.f("ck_reservations_status_known")
        ),
    )
    op.create_index(op.f("ix_reservations_reference"), "reservations", ["reference"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_reference"), table_name="reservations")
    op.drop_table("reservations")
    op.drop_index(op.f("ix_inventory_journal_node_id_id"), table_name="inventory_journal")
    op.drop_table("inventory_journal")
    op.drop_table("inventory_positions")
    op.drop_table("network_versions")
