"""The opportunity-cost tables: each refresh of the shadow prices as a numbered version,
and its prices per (node, SKU) (docs/routing.md, "Live opportunity costs").

On the same ``metadata`` as ``tables`` (which imports this module at its end), so one
Alembic history and one ``compare_metadata`` cover the whole schema.
"""

from __future__ import annotations

import sqlalchemy as sa

from ordermesh.adapters.db.tables import UtcDateTime, metadata

opportunity_versions = sa.Table(
    "opportunity_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("computed_at", UtcDateTime(), nullable=False),
    sa.Column("horizon_days", sa.Float, nullable=False),
    sa.Column("history_days", sa.Float, nullable=False),
    sa.Column("history_orders", sa.Integer, nullable=False),
    sa.Column("priced_positions", sa.Integer, nullable=False),
    # A version number named in an order's explanation must never be handed out again.
    sqlite_autoincrement=True,
)

# Only positions priced above zero are written. Keyed by SKU first: routing reads the
# prices of an order's SKUs.
opportunity_prices = sa.Table(
    "opportunity_prices",
    metadata,
    sa.Column(
        "version",
        sa.Integer,
        sa.ForeignKey("opportunity_versions.version", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("node_id", sa.Text, primary_key=True),
    sa.Column("price", sa.Float, nullable=False),
)
