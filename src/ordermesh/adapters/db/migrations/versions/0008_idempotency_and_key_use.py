"""The fingerprint of the request that placed an order under an idempotency key, and the
last use of each API key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Orders placed before this revision keep a NULL fingerprint: a repeat of their key is
answered with the original order, as before (it cannot be compared).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("request_fingerprint", sa.Text(), nullable=True))
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("request_fingerprint")
