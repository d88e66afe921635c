"""The overview: what became of the orders of a period, in the figures an operations team
watches. The console's tiles and ``GET /v1/overview`` both read this one function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ordermesh.services.ports import Clock, OrderCounts, UnitOfWork

PERIODS = {"today": 1, "7d": 7, "30d": 30}


@dataclass(frozen=True, slots=True)
class Overview:
    period: str
    since: datetime
    counts: OrderCounts

    @property
    def split_rate(self) -> float | None:
        """Share of orders shipping from more than one request."""
        orders = self.counts.orders
        return self.counts.split_orders / orders if orders else None

    @property
    def fill_rate(self) -> float | None:
        """Share of the units still wanted (ordered less cancelled) not waiting for stock."""
        wanted = self.counts.units_ordered - self.counts.units_cancelled
        if wanted <= 0:
            return None
        return 1.0 - self.counts.backordered_units / wanted


def overview(
    uow: UnitOfWork, clock: Clock, period: str = "today", channel: str | None = None
) -> Overview:
    """Orders created in the last ``period`` (``today`` is the last 24 hours)."""
    since = clock.now() - timedelta(days=PERIODS[period])
    with uow:
        counts = uow.statistics.counts(since, channel)
    return Overview(period, since, counts)


def orders_per_day(
    uow: UnitOfWork, clock: Clock, days: int = 30, channel: str | None = None
) -> list[tuple[date, int]]:
    """Orders created on each of the last ``days`` UTC days, today last, zero days included."""
    today = clock.now().astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    with uow:
        counted = uow.statistics.per_day(datetime.combine(first, time(), tzinfo=UTC), channel)
    return [
        (first + timedelta(days=n), counted.get(first + timedelta(days=n), 0)) for n in range(days)
    ]
