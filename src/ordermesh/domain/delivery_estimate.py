"""When one unit of an item would arrive from each node that holds it: what a storefront
shows before an order exists.

A node's estimate is its next ship date (cutoff, calendar, timezone) plus the transit days
of the cheapest service that meets the service level (any service when none is given) for
the zone between the node and the destination, counted in carrier working days: the same
functions routing uses, so the estimate and the later promise agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ordermesh.domain.cost import billable_weight_lb, cheapest_qualifying, handling_cost, zone_for
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.model import Capability, Location, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.promise import NeverOpen, delivery_date, ship_date


@dataclass(frozen=True, slots=True)
class DeliveryEstimate:
    node_id: str
    ats: int
    service_id: str | None = None  # None: no service meets the level to this zone
    ship_date: date | None = None  # None: the node never opens within the horizon
    transit_days: int | None = None
    promised_date: date | None = None


def _units(network: Network, item: str) -> list[tuple[Sku, int]]:
    bundle = network.bundles.get(item)
    if bundle is None:
        return [(network.sku(item), 1)]
    return [(network.sku(c.sku), c.quantity) for c in bundle.components]


def estimate_from(
    network: Network,
    node_id: str,
    ats: int,
    item: str,
    destination: Location,
    service_level: str | None,
    now: datetime,
) -> DeliveryEstimate:
    node = network.node(node_id)
    units = _units(network, item)
    zone = zone_for(great_circle_miles(node.location, destination), network.zones)
    level = network.service_levels.get(service_level) if service_level else None
    handling = handling_cost(node.handling, sum(quantity for _, quantity in units))
    best = cheapest_qualifying(
        network.services.values(), zone, billable_weight_lb(units), handling, level
    )
    if best is None:
        return DeliveryEstimate(node_id, ats)
    try:
        shipped = ship_date(node, now)
    except NeverOpen:
        return DeliveryEstimate(node_id, ats, best.service_id)
    return DeliveryEstimate(
        node_id,
        ats,
        best.service_id,
        shipped,
        best.transit_days,
        delivery_date(shipped, best.transit_days),
    )


def delivery_estimates(
    network: Network,
    item: str,
    per_node_ats: Mapping[str, int],
    destination: Location,
    service_level: str | None,
    now: datetime,
) -> list[DeliveryEstimate]:
    """Estimates for every enabled shipping node with stock, earliest first (then node id);
    nodes no service reaches, or that never open, come last."""
    estimates = [
        estimate_from(network, node_id, ats, item, destination, service_level, now)
        for node_id, ats in per_node_ats.items()
        if ats > 0 and network.node(node_id).enabled and network.node(node_id).can(Capability.SHIP)
    ]
    estimates.sort(key=lambda e: (e.promised_date is None, e.promised_date, e.node_id))
    return estimates
