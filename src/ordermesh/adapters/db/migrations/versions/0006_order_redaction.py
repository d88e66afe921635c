"""When an order's recipient (name, street address, phone, e-mail) was erased.

The recipient itself travels in ``orders.ship_to`` (JSON) beside the location, so it needs
no column of its own; ``redacted_at`` says it was erased and must not come back. Types are
spelled out rather than imported from ``tables``, as in 0001.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("redacted_at")
