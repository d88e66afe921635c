"""Each node of the live network as the console's Nodes page shows it: what it is, whether
it is enabled, how much of the capacity of its next ship date is used (the day routing
counts against, as ``allocation`` does), and how many requests are open at it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from ordermesh.domain.lifecycle import OPEN_REQUEST_STATUSES
from ordermesh.domain.model import Node
from ordermesh.domain.promise import NeverOpen, ship_date
from ordermesh.services.network import current_network
from ordermesh.services.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class NodeStatus:
    node: Node
    ships_on: date | None  # the ship date an order routed now gets; None: never open
    shipments: int  # requests shipping on that date, not cancelled or rejected
    open_requests: int  # created, released or accepted, not yet shipped

    @property
    def capacity_use(self) -> float | None:
        """Shipments over the node's daily capacity; None when it has no limit."""
        limit = self.node.shipments_per_day
        return None if not limit else self.shipments / limit


def node_statuses(uow: UnitOfWork, clock: Clock) -> list[NodeStatus]:
    network = current_network(uow).network
    now = clock.now()
    days: dict[str, date] = {}
    for node in network.nodes.values():
        try:
            days[node.id] = ship_date(node, now)
        except NeverOpen:
            continue
    with uow:
        shipping = uow.orders.shipments_on(days)
        open_at = Counter(
            request.node_id
            for request in uow.orders.requests_at(network.nodes, OPEN_REQUEST_STATUSES)
        )
    return [
        NodeStatus(node, days.get(node.id), shipping.get(node.id, 0), open_at[node.id])
        for node in sorted(network.nodes.values(), key=lambda n: n.id)
    ]
