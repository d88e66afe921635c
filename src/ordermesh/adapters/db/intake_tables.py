"""The intake-exceptions table: orders a channel sent that could not be placed, kept with
their raw payload and reasons (docs/api.md, "Intake exceptions").

On the same ``metadata`` as ``tables`` (which imports this module at its end), so one
Alembic history and one ``compare_metadata`` cover the whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermesh.adapters.db.tables import UtcDateTime, metadata

INTAKE_STATUSES = ("open", "resolved", "dismissed")

intake_exceptions = sa.Table(
    "intake_exceptions",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=True),
    sa.Column("external_id", sa.Text, nullable=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),  # [{"field", "message"}]
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Column("resolved_by", sa.Text, nullable=True),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=True),
    sa.CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s}'" for s in INTAKE_STATUSES)),
        name="status_known",
    ),
    # The list pages newest first; a later delivery of the same channel order finds the
    # open exception it belongs to.
    sa.Index("ix_intake_exceptions_created_at_id", "created_at", "id"),
    sa.Index("ix_intake_exceptions_channel_external_id", "channel", "external_id"),
)
