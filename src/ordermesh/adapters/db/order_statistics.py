"""Counts over orders for the overview, as a few aggregate queries (no order is loaded)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.tables import (
    backorders,
    fulfillment_requests,
    order_lines,
    orders,
)
from ordermesh.services.ports import OrderCounts

# A request that ended without shipping does not count towards a split.
_NOT_SHIPPING = ("cancelled", "rejected")


class SqlOrderStatistics:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def per_day(self, since: datetime, channel: str | None = None) -> dict[date, int]:
        o = orders.c
        created: sa.ColumnElement[datetime] = o.created_at
        if self._connection.dialect.name == "postgresql":
            created = sa.func.timezone("UTC", created)  # the UTC day, whatever the session's zone
        day = sa.func.date(created)
        query = sa.select(day, sa.func.count()).where(o.created_at >= since).group_by(day)
        if channel is not None:
            query = query.where(o.channel == channel)
        # SQLite's date() is text, PostgreSQL's a date: both read as the ISO date.
        return {
            date.fromisoformat(str(when)): count for when, count in self._connection.execute(query)
        }

    def counts(self, since: datetime | None, channel: str | None = None) -> OrderCounts:
        o = orders.c
        where: list[sa.ColumnElement[bool]] = []
        if since is not None:
            where.append(o.created_at >= since)
        if channel is not None:
            where.append(o.channel == channel)
        chosen = sa.select(o.id).where(*where).scalar_subquery()
        r = fulfillment_requests.c
        execute = self._connection.execute
        by_status = execute(sa.select(o.status, sa.func.count()).where(*where).group_by(o.status))
        requests = execute(
            sa.select(r.status, sa.func.count()).where(r.order_id.in_(chosen)).group_by(r.status)
        )
        shipping_requests = (
            sa.select(r.order_id)
            .where(r.order_id.in_(chosen), r.status.not_in(_NOT_SHIPPING))
            .group_by(r.order_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
        split = execute(sa.select(sa.func.count()).select_from(shipping_requests)).scalar_one()
        b = backorders.c
        waiting = execute(
            sa.select(sa.func.coalesce(sa.func.sum(b.quantity), 0)).where(b.order_id.in_(chosen))
        ).scalar_one()
        line = order_lines.c
        units = execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(line.quantity), 0),
                sa.func.coalesce(sa.func.sum(line.cancelled_quantity), 0),
            ).where(line.order_id.in_(chosen))
        ).one()
        return OrderCounts(
            orders_by_status=_counted(by_status),
            requests_by_status=_counted(requests),
            split_orders=int(split),
            backordered_units=int(waiting),
            units_ordered=int(units[0]),
            units_cancelled=int(units[1]),
        )


def _counted(rows: Iterable[Sequence[Any]]) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in rows}
