"""X12 partner references (short ids for W0502, BSN02, BAK08) and the ledger of X12
documents written, with the acknowledgment the partner's 997 gave each.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_references",
        sa.Column("partner", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("internal_id", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "reference", name=op.f("pk_partner_references")),
        sa.UniqueConstraint(
            "partner",
            "kind",
            "internal_id",
            name=op.f("uq_partner_references_partner_kind_internal_id"),
        ),
    )
    op.create_table(
        "x12_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.Text(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("set_id", sa.Text(), nullable=False),
        sa.Column("group_control", sa.Integer(), nullable=False),
        sa.Column("set_control", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ack_status", sa.Text(), nullable=True),
        sa.Column("ack_errors", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "ack_status IN ('accepted', 'accepted_with_errors', 'rejected')",
            name=op.f("ck_x12_documents_ack_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_x12_documents")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_x12_documents_partner_controls",
        "x12_documents",
        ["partner", "group_control", "set_control"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_x12_documents_partner_controls", table_name="x12_documents")
    op.drop_table("x12_documents")
    op.drop_table("partner_references")
