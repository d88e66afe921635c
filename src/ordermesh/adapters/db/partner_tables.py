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

# Short partner-facing references (``R00001``) standing for internal ids in X12 fields too
# short for them (W0502 holds 22 characters, a request id 36): one per (partner, kind,
# internal id), unique per partner, so the partner's 945 or 856 can name it back.
partner_references = sa.Table(
    "partner_references",
    metadata,
    sa.Column("partner", sa.Text, primary_key=True),
    sa.Column("reference", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("internal_id", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("partner", "kind", "internal_id"),
)

# Every X12 transaction set written to a partner (855, 856, 940, 997), by the group and
# set control numbers the partner's 997 names it with, and that 997's verdict once read.
x12_documents = sa.Table(
    "x12_documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("partner", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("set_id", sa.Text, nullable=False),
    sa.Column("group_control", sa.Integer, nullable=False),
    sa.Column("set_control", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=True),
    sa.Column("subject", sa.Text, nullable=True),
    sa.Column("written_at", UtcDateTime(), nullable=False),
    sa.Column("ack_status", sa.Text, nullable=True),
    sa.Column("ack_errors", sa.Text, nullable=False),
    sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
    sa.CheckConstraint(
        "ack_status IN ('accepted', 'accepted_with_errors', 'rejected')",
        name="ack_status_known",
    ),
    sa.Index("ix_x12_documents_partner_controls", "partner", "group_control", "set_control"),
    sqlite_autoincrement=True,
)
