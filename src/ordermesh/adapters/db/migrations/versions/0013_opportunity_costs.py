"""Live opportunity costs: each refresh of the shadow prices as a numbered version, and
its prices per (node, SKU).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opportunity_versions",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("horizon_days", sa.Float(), nullable=False),
        sa.Column("history_days", sa.Float(), nullable=False),
        sa.Column("history_orders", sa.Integer(), nullable=False),
        sa.Column("priced_positions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_opportunity_versions"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "opportunity_prices",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("node_id", sa.Text(), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version"],
            ["opportunity_versions.version"],
            name="fk_opportunity_prices_version_opportunity_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version", "sku", "node_id", name="pk_opportunity_prices"),
    )


def downgrade() -> None:
    op.drop_table("opportunity_prices")
    op.drop_table("opportunity_versions")
