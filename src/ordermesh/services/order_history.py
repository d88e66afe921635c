"""The stored orders of a period, read back as they were placed: the history a replay
routes again and a forecast counts from."""

from __future__ import annotations

from datetime import datetime

from ordermesh.domain.order import Order, OrderLine
from ordermesh.services.ports import OrderFilter, OrderState, UnitOfWork

PAGE = 1000


def stored_orders(uow: UnitOfWork, where: OrderFilter) -> list[OrderState]:
    """Every order matching ``where``, a page at a time, inside the caller's unit of work."""
    states: list[OrderState] = []
    after: tuple[datetime, str] | None = None
    while True:
        page = uow.orders.page(where, after, PAGE)
        states.extend(page)
        if len(page) < PAGE:
            return states
        after = (page[-1].created_at, page[-1].id)


def as_placed(state: OrderState) -> Order:
    """The order as it was placed: every line at the quantity ordered."""
    return Order(
        id=state.id,
        channel=state.channel,
        customer_tier=state.customer_tier,
        ship_to=state.ship_to,
        service_level=state.service_level,
        lines=tuple(
            OrderLine(line.line_id, line.item, line.quantity, line.unit_price)
            for line in state.lines
        ),
        tags=frozenset(state.tags),
        placed_at=state.placed_at,
        promised_by=state.promised_by,
    )
