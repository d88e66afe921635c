"""Tables for delivering outbox events: relay cursors, webhook subscribers and deliveries,
dead letters, and the Shopify webhook ids already seen.

They live on the same ``metadata`` as ``tables`` (which imports this module at its end), so
one Alembic history and one ``compare_metadata`` cover the whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermesh.adapters.db.tables import UtcDateTime, metadata

OUTBOX_CHANNEL = "ordermesh_outbox"
"""The LISTEN/NOTIFY channel a PostgreSQL trigger signals after outbox inserts commit."""

DELIVERY_STATUSES = ("pending", "delivered", "dead")

# One row per destination stream ("nats", "webhook:<subscriber id>"): how far into the
# outbox (by ``outbox_events.id``) the destination has been fed, and which worker holds it.
# ``lease_token`` is a fencing token: it grows with every claim, and a worker's writes only
# land while the token is still the one it claimed with.
relay_cursors = sa.Table(
    "relay_cursors",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("lease_owner", sa.Text, nullable=True),
    sa.Column("lease_token", sa.Integer, nullable=False),
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

webhook_subscribers = sa.Table(
    "webhook_subscribers",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret", sa.Text, nullable=False),
    # Event types ("order.placed") or prefixes ("order.*"); empty means every event.
    sa.Column("event_types", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # A subscriber made from a partner's ``webhook`` connector (migration 0005): "node" or
    # "channel" and its id; it only gets that partner's events. NULL: added by hand, global.
    sa.Column("scope_kind", sa.Text, nullable=True),
    sa.Column("scope_id", sa.Text, nullable=True),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscriber_id", sa.Text, sa.ForeignKey("webhook_subscribers.id"), nullable=False),
    sa.Column("outbox_id", sa.Integer, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("delivered_at", UtcDateTime(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("subscriber_id", "outbox_id"),
    sa.CheckConstraint(
        "status IN ({})".format(", ".join(f"'{s}'" for s in DELIVERY_STATUSES)),
        name="status_known",
    ),
    # The worker reads one subscriber's undelivered rows in outbox order.
    sa.Index(
        "ix_webhook_deliveries_subscriber_id_status_outbox_id",
        "subscriber_id",
        "status",
        "outbox_id",
    ),
    sqlite_autoincrement=True,
)

webhook_dead_letters = sa.Table(
    "webhook_dead_letters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", sa.Integer, sa.ForeignKey("webhook_deliveries.id"), nullable=False),
    sa.Column("subscriber_id", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("replayed_at", UtcDateTime(), nullable=True),
    sa.Index("ix_webhook_dead_letters_delivery_id", "delivery_id"),
    sqlite_autoincrement=True,
)

# Shopify delivers webhooks at least once: a webhook id seen before is answered with the
# order it created, and nothing else happens.
shopify_webhooks = sa.Table(
    "shopify_webhooks",
    metadata,
    sa.Column("channel_id", sa.Text, primary_key=True),
    sa.Column("webhook_id", sa.Text, primary_key=True),
    sa.Column("shopify_order_id", sa.Text, nullable=False),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
)

NOTIFY_FUNCTION_DDL = f"""
CREATE OR REPLACE FUNCTION ordermesh_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER_DDL = """
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
FOR EACH STATEMENT EXECUTE FUNCTION ordermesh_outbox_notify()
"""
DROP_NOTIFY_DDL = (
    "DROP TRIGGER IF EXISTS outbox_events_notify ON outbox_events",
    "DROP FUNCTION IF EXISTS ordermesh_outbox_notify()",
)

# ``metadata.create_all`` gets the trigger too (migration 0003 creates it for Alembic).
sa.event.listen(
    metadata.tables["outbox_events"],
    "after_create",
    sa.DDL(NOTIFY_FUNCTION_DDL).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)
sa.event.listen(
    metadata.tables["outbox_events"],
    "after_create",
    sa.DDL(NOTIFY_TRIGGER_DDL).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)
