"""The facts about one order that the node filters read, gathered once per decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.model import Calendar, Channel, Node
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.rules import FilterSettings, RuleSet


@dataclass(frozen=True, slots=True)
class RoutingContext:
    order: Order
    network: Network
    rule_set: RuleSet
    placed_at: datetime
    channel: Channel | None
    demands: tuple[Demand, ...]
    # Units available to sell per (node id, SKU), already net of reservations and safety
    # stock; the channel buffer and the rule set's thresholds are applied by ``usable``.
    stock: Mapping[tuple[str, str], int]
    capacity_used: Mapping[str, int]
    carrier_calendar: Calendar
    distances: Mapping[str, float]  # node id -> great-circle miles to the ship-to
    hazmat_skus: frozenset[str]
    # (node id, SKU) -> opportunity cost per unit taken (shadow prices); empty: myopic.
    opportunity_cost: Mapping[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        order: Order,
        network: Network,
        rule_set: RuleSet,
        placed_at: datetime,
        demands: tuple[Demand, ...],
        stock: Mapping[tuple[str, str], int],
        capacity_used: Mapping[str, int],
        carrier_calendar: Calendar,
        opportunity_cost: Mapping[tuple[str, str], float] | None = None,
    ) -> RoutingContext:
        destination = order.ship_to.location
        return cls(
            order=order,
            network=network,
            rule_set=rule_set,
            placed_at=placed_at,
            channel=network.channels.get(order.channel),
            demands=demands,
            stock=stock,
            capacity_used=capacity_used,
            carrier_calendar=carrier_calendar,
            distances={
                node_id: great_circle_miles(node.location, destination)
                for node_id, node in network.nodes.items()
            },
            hazmat_skus=frozenset(
                sku.id for demand in demands for sku, _ in demand.kit if sku.hazmat
            ),
            opportunity_cost=opportunity_cost or {},
        )

    @property
    def settings(self) -> FilterSettings:
        return self.rule_set.filters

    def usable(self, node: Node, sku: str) -> int:
        """Units of ``sku`` the router may take from ``node`` for this order: ATS less the
        channel's buffer, zero below the rule set's ``min_ats``, and zero for a hazmat SKU
        at a node that may not ship hazmat."""
        ats = self.stock.get((node.id, sku), 0)
        if self.channel is not None:
            ats -= self.channel.buffer.units(node.type, sku)
        if ats < self.settings.min_ats:
            return 0
        if sku in self.hazmat_skus and not node.hazmat_capable:
            return 0
        return ats

    def units_possible(self, node: Node, demand: Demand) -> int:
        """Units of ``demand`` the node could ship on its own, ignoring other demands."""
        return min(self.usable(node, sku.id) // quantity for sku, quantity in demand.kit)

    def remaining_capacity(self, node: Node) -> int | None:
        """Shipments the node can still make today; None when it has no daily limit."""
        if node.shipments_per_day is None:
            return None
        return max(0, node.shipments_per_day - self.capacity_used.get(node.id, 0))

    def capacity_share(self, node: Node) -> float:
        """The used share of the node's daily capacity, 0 for nodes without a limit."""
        if not node.shipments_per_day:
            return 0.0
        used = self.capacity_used.get(node.id, 0)
        return min(1.0, used / node.shipments_per_day)
