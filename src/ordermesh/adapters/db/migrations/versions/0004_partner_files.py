"""Partner files: the file ledger, outbound consumer cursors, X12 control numbers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Types are spelled out rather than imported from ``partner_tables``, as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("applied_key", sa.Text(), nullable=True),
        sa.Column("pending_writes", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direction IN ('in', 'out')", name=op.f("ck_partner_files_direction_known")
        ),
        sa.CheckConstraint(
            "outcome IN ('applied', 'rejected', 'duplicate', 'written', 'skipped')",
            name=op.f("ck_partner_files_outcome_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_files")),
        sa.UniqueConstraint("applied_key", name=op.f("uq_partner_files_applied_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_partner_files_partner_sha256_name",
        "partner_files",
        ["partner", "sha256", "name"],
        unique=False,
    )
    op.create_table(
        "partner_cursors",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_partner_cursors")),
    )
    op.create_table(
        "x12_control_numbers",
        sa.Column("partner", sa.Text(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", name=op.f("pk_x12_control_numbers")),
    )


def downgrade() -> None:
    op.drop_table("x12_control_numbers")
    op.drop_table("partner_cursors")
    op.drop_index("ix_partner_files_partner_sha256_name", table_name="partner_files")
    op.drop_table("partner_files")
