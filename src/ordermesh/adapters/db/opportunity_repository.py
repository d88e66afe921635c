"""Opportunity-cost versions in SQL: a header row per refresh, its prices beside it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.opportunity_tables import opportunity_prices, opportunity_versions
from ordermesh.adapters.db.order_repository import ship_to_from_json
from ordermesh.adapters.db.tables import order_lines, orders
from ordermesh.domain.order import Order, OrderLine
from ordermesh.services.opportunity_ports import OpportunityVersion

# Versions whose prices are kept; older ones keep their header (an explanation may name
# them) and lose their prices, which nothing routes with any more.
KEEP_PRICED_VERSIONS = 10
_INSERT_BATCH = 5_000


class SqlOpportunityRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self,
        computed_at: datetime,
        horizon_days: float,
        history_days: float,
        history_orders: int,
        prices: Mapping[tuple[str, str], float],
    ) -> OpportunityVersion:
        priced = {key: price for key, price in prices.items() if price > 0}
        version = self._connection.execute(
            opportunity_versions.insert()
            .values(
                computed_at=computed_at,
                horizon_days=horizon_days,
                history_days=history_days,
                history_orders=history_orders,
                priced_positions=len(priced),
            )
            .returning(opportunity_versions.c.version)
        ).scalar_one()
        rows = [
            {"version": version, "node_id": node_id, "sku": sku, "price": price}
            for (node_id, sku), price in sorted(priced.items())
        ]
        for start in range(0, len(rows), _INSERT_BATCH):
            self._connection.execute(
                opportunity_prices.insert(), rows[start : start + _INSERT_BATCH]
            )
        self._connection.execute(
            opportunity_prices.delete().where(
                opportunity_prices.c.version <= version - KEEP_PRICED_VERSIONS
            )
        )
        stored = self._connection.execute(
            sa.select(opportunity_versions).where(opportunity_versions.c.version == version)
        ).one()
        return _version(stored)

    def latest(self) -> OpportunityVersion | None:
        row = self._connection.execute(
            sa.select(opportunity_versions).order_by(opportunity_versions.c.version.desc()).limit(1)
        ).one_or_none()
        return None if row is None else _version(row)

    def history(self, since: datetime) -> list[Order]:
        o, line = orders.c, order_lines.c
        rows = self._connection.execute(
            sa.select(
                o.id,
                o.channel,
                o.customer_tier,
                o.ship_to,
                o.service_level,
                o.placed_at,
                line.line_id,
                line.item,
                line.quantity,
            )
            .join(order_lines, line.order_id == o.id)
            .where(o.created_at >= since)
            .order_by(o.id, line.position)
        )
        found: list[Order] = []
        lines: list[OrderLine] = []
        head: Any = None
        for row in rows:
            if head is not None and row.id != head.id:
                found.append(_order(head, lines))
                lines = []
            head = row
            lines.append(OrderLine(row.line_id, row.item, row.quantity))
        if head is not None:
            found.append(_order(head, lines))
        return found

    def latest_prices(
        self, skus: Collection[str]
    ) -> tuple[OpportunityVersion | None, dict[tuple[str, str], float]]:
        v, p = opportunity_versions.c, opportunity_prices.c
        newest = sa.select(sa.func.max(v.version)).scalar_subquery()
        priced = sa.and_(p.version == v.version, p.sku.in_(sorted(set(skus))))
        rows = self._connection.execute(
            sa.select(opportunity_versions, p.node_id, p.sku, p.price)
            .select_from(opportunity_versions.outerjoin(opportunity_prices, priced))
            .where(v.version == newest)
        ).all()
        if not rows:
            return None, {}
        prices = {(row.node_id, row.sku): float(row.price) for row in rows if row.sku is not None}
        return _version(rows[0]), prices

    def prices(self, version: int, skus: Collection[str]) -> dict[tuple[str, str], float]:
        if not skus:
            return {}
        p = opportunity_prices.c
        rows = self._connection.execute(
            sa.select(p.node_id, p.sku, p.price).where(
                p.version == version, p.sku.in_(sorted(set(skus)))
            )
        )
        return {(row.node_id, row.sku): float(row.price) for row in rows}


def _order(row: sa.Row[Any], lines: list[OrderLine]) -> Order:
    return Order(
        id=row.id,
        channel=row.channel,
        customer_tier=row.customer_tier,
        ship_to=ship_to_from_json(row.ship_to),
        service_level=row.service_level,
        lines=tuple(lines),
        placed_at=row.placed_at,
    )


def _version(row: sa.Row[Any]) -> OpportunityVersion:
    return OpportunityVersion(
        version=row.version,
        computed_at=row.computed_at,
        horizon_days=float(row.horizon_days),
        history_days=float(row.history_days),
        history_orders=row.history_orders,
        priced_positions=row.priced_positions,
    )
