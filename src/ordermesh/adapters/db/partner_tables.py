"""Tables of the partner file transport: the file ledger, the outbound consumer cursors and
the X12 control number counters (docs/partners.md).

They live on the same ``metadata`` as ``tables`` (which imports this module at its end), so
one Alembic history and one ``compare_metadata`` cover the whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermesh.adapters.db.tables import UtcDateTime, metadata

# Every file read from an inbox or written to an outbox, one row per attempt.
# ``applied_key`` ("<partner> <sha256> <name>") is set only on inbound files that were
# applied: its uniqueness is the exactly-once guarantee, while rejected and duplicate drops of
# the same file may be recorded any number of times. ``pending_writes`` holds the replies
# (997, 855) to write and where, so that a crash between the commit and the writing of the
# replies or the move of the file is finished by the next poll (``settled_at`` still null).
partner_files = sa.Table(
    "partner_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("partner", sa.Text, nullable=False),
    sa.Column("direction", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("applied_key", sa.Text, nullable=True, unique=True),
    sa.Column("pending_writes", sa.JSON, nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("settled_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
    sa.CheckConstraint(
        "outcome IN ('applied', 'rejected', 'duplicate', 'written', 'skipped')",
        name="outcome_known",
    ),
    sa.Index("ix_partner_files_partner_sha256_name", "partner", "sha256", "name"),
    sqlite_autoincrement=True,
)

# How far each outbound consumer has read the outbox (``outbox_events.id``).
partner_cursors = sa.Table(
    "partner_cursors",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# The last X12 interchange control number used per trading partner pair ("<our id>
# <partner id>"); the next document takes last + 1 in the transaction that records it.
x12_control_numbers = sa.Table(
    "x12_control_numbers",
    metadata,
    sa.Column("partner", sa.Text, primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
