"""An independent check of a policy's decisions: replay them against the starting stock.

It shares no code with the policies or the simulation loop beyond the cost contract: it
counts units taken beyond what a node held (oversold), (node, ship date) pairs with more
parcels than the node's daily capacity, orders whose shipped plus backordered units differ
from what was ordered, and parcels whose reported cost differs from the rate card's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ordermesh.domain.cost import billable_weight_lb, handling_cost, shipping_cost, zone_for
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.network import Network
from ordermesh.services.simulation import Routed

COST_TOLERANCE = 0.005


@dataclass(frozen=True, slots=True)
class Violations:
    oversold_units: int
    capacity_violations: int
    unit_mismatches: int
    cost_mismatches: int

    @property
    def clean(self) -> bool:
        return not (
            self.oversold_units
            or self.capacity_violations
            or self.unit_mismatches
            or self.cost_mismatches
        )


def _ordered_units(network: Network, routed: Routed) -> Counter[str]:
    wanted: Counter[str] = Counter()
    for line in routed.order.lines:
        bundle = network.bundles.get(line.item)
        if bundle is None:
            wanted[line.item] += line.quantity
        else:
            for component in bundle.components:
                wanted[component.sku] += component.quantity * line.quantity
    return wanted


def check(
    network: Network, stock: Mapping[tuple[str, str], int], results: Sequence[Routed]
) -> Violations:
    remaining: dict[tuple[str, str], int] = dict(stock)
    parcels: Counter[tuple[str, date]] = Counter()
    oversold = unit_mismatches = cost_mismatches = 0
    for routed in results:
        accounted: Counter[str] = Counter()
        destination = routed.order.ship_to.location
        for shipment in routed.decision.shipments:
            node = network.nodes[shipment.node_id]
            for line in shipment.lines:
                key = (shipment.node_id, line.sku)
                before = remaining.get(key, 0)
                remaining[key] = before - line.quantity
                oversold += min(line.quantity, max(0, line.quantity - max(0, before)))
                accounted[line.sku] += line.quantity
            parcels[(shipment.node_id, shipment.ship_date)] += 1
            zone = zone_for(great_circle_miles(node.location, destination), network.zones)
            units = [(network.skus[line.sku], line.quantity) for line in shipment.lines]
            expected = shipping_cost(
                network.services[shipment.service_id], zone, billable_weight_lb(units)
            ) + handling_cost(node.handling, sum(q for _, q in units))
            if zone != shipment.zone or abs(expected - shipment.cost) > COST_TOLERANCE:
                cost_mismatches += 1
        for backorder in routed.decision.backordered:
            accounted[backorder.item] += backorder.quantity
        if accounted != _ordered_units(network, routed):
            unit_mismatches += 1
    capacity = sum(
        1
        for (node_id, _), count in parcels.items()
        if (limit := network.nodes[node_id].shipments_per_day) is not None and count > limit
    )
    return Violations(oversold, capacity, unit_mismatches, cost_mismatches)
