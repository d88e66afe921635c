"""Webhook subscribers scoped to a partner: a node's or channel's ``webhook`` connector.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_subscribers", sa.Column("scope_kind", sa.Text(), nullable=True))
    op.add_column("webhook_subscribers", sa.Column("scope_id", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscribers") as batch:
        batch.drop_column("scope_id")
        batch.drop_column("scope_kind")
