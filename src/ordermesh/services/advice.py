"""Positioning advice: the stock transfers between nodes that would pay over the coming
days, from the orders of the last ``days`` and the stock free today.

Load, then decide: the current network, each position's free stock (on hand less reserved
less safety stock) and the orders created in the period are read in one unit of work; the
forecast (``domain.forecast``) and the transfers (``domain.positioning``) are pure, and the
LP is solved by the ``PositioningSolver`` the caller hands in. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ordermesh.domain.availability import node_ats
from ordermesh.domain.errors import InvalidInput, NetworkNotLoaded, Problem
from ordermesh.domain.forecast import forecast_from_history
from ordermesh.domain.positioning import (
    PositioningSolver,
    Transfer,
    TransferCosts,
    propose_transfers,
)
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.services.order_history import as_placed, stored_orders
from ordermesh.services.ports import Clock, OrderFilter, UnitOfWork

DEFAULT_HISTORY_DAYS = 28
DEFAULT_TOP = 10
# About a replenishment cycle: stock moved now serves the demand until the next receipt.
DEFAULT_HORIZON_DAYS = 14.0
MAX_HISTORY_DAYS = 366
MAX_TOP = 1000


@dataclass(frozen=True, slots=True)
class TransferAdvice:
    """The best ``top`` transfers, and what they were computed from."""

    transfers: tuple[Transfer, ...]
    since: datetime
    history_days: int
    orders: int  # in the history
    horizon_days: float
    costs: TransferCosts
    currency: str

    @property
    def assumptions(self) -> tuple[str, ...]:
        costs = self.costs
        return (
            f"demand: the {self.orders} orders of the last {self.history_days} days, as units "
            "per day by region (2-digit ZIP) and SKU, continued over the horizon",
            "stock: on hand less reserved less safety stock at each node, today; no receipts",
            "delivery: one unit at a time at the cheapest service's parcel rate plus the "
            "node's handling, as routing prices it; no promise or capacity limits",
            f"transfer: {costs.ship_out_per_unit:.2f} per unit out, "
            f"{costs.receive_per_unit:.2f} per unit in, {costs.freight_per_unit_mile:.4f} "
            "per unit and mile of freight",
            "each saving assumes only that transfer is made; transfers of one SKU share its "
            "surplus and demand, so make the top one and ask again",
        )

    def to_json_dict(self) -> dict[str, JsonValue]:
        return {
            "since": self.since.isoformat(),
            "history_days": self.history_days,
            "orders": self.orders,
            "horizon_days": self.horizon_days,
            "currency": self.currency,
            "assumptions": list(self.assumptions),
            "transfers": [
                {
                    "sku": t.sku,
                    "from_node": t.from_node,
                    "to_node": t.to_node,
                    "units": t.units,
                    "expected_saving": t.expected_saving,
                    "transfer_cost": t.transfer_cost,
                    "reason": t.reason,
                }
                for t in self.transfers
            ],
        }


def transfer_advice(
    uow: UnitOfWork,
    clock: Clock,
    solve: PositioningSolver,
    *,
    days: int = DEFAULT_HISTORY_DAYS,
    top: int = DEFAULT_TOP,
    horizon_days: float = DEFAULT_HORIZON_DAYS,
    costs: TransferCosts = TransferCosts(),
) -> TransferAdvice:
    """The ``top`` transfers that would save the most over the next ``horizon_days``,
    forecast from the orders created in the last ``days``."""
    problems = [
        Problem(name, f"must be between 1 and {most}")
        for name, value, most in (("days", days, MAX_HISTORY_DAYS), ("top", top, MAX_TOP))
        if not 1 <= value <= most
    ]
    if not 0 < horizon_days <= MAX_HISTORY_DAYS:
        problems.append(Problem("horizon_days", f"must be above 0 and at most {MAX_HISTORY_DAYS}"))
    if problems:
        raise InvalidInput("advice", problems)
    now = clock.now()
    since = now - timedelta(days=days)
    with uow:
        current = uow.network.current()
        if current is None:
            raise NetworkNotLoaded()
        network = current.network
        states = stored_orders(uow, OrderFilter(created_from=since))
        stock = {
            (position.node_id, position.sku): node_ats(position)
            for position in uow.inventory.positions()
        }
    history = [as_placed(state) for state in states]
    forecast = forecast_from_history(history, network, start=since, end=now)
    transfers = propose_transfers(network, stock, forecast, horizon_days, solve, costs)
    return TransferAdvice(
        transfers=tuple(transfers[:top]),
        since=since,
        history_days=days,
        orders=len(history),
        horizon_days=horizon_days,
        costs=costs,
        currency=network.currency,
    )
