"""Intake exceptions (orders a channel sent that could not be placed, kept with their raw
payload), and the currency and notes of an order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Types are spelled out rather than imported from ``intake_tables``, as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_exceptions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'resolved', 'dismissed')",
            name=op.f("ck_intake_exceptions_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_exceptions")),
    )
    op.create_index(
        "ix_intake_exceptions_created_at_id",
        "intake_exceptions",
        ["created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_intake_exceptions_channel_external_id",
        "intake_exceptions",
        ["channel", "external_id"],
        unique=False,
    )
    op.add_column("orders", sa.Column("currency", sa.Text(), nullable=True))
    op.add_column("orders", sa.Column("notes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("notes")
        batch.drop_column("currency")
    op.drop_index("ix_intake_exceptions_channel_external_id", table_name="intake_exceptions")
    op.drop_index("ix_intake_exceptions_created_at_id", table_name="intake_exceptions")
    op.drop_table("intake_exceptions")
