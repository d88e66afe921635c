"""A linear lower bound on what a node's parcels cost, for the exact search's bounds.

A node's packed parcel costs its per-shipment handling, a base rate, a rate per pound
over the first, per-unit handling and per-parcel penalties. Taking the lowest base and the
lowest rate per pound among the services the node may use, and a weight measure the
billable weight can never fall below, gives for any contents C::

    parcel(C) >= fixed + sum over units u in C of per_unit(u)

``fixed`` is paid once per parcel and ``per_unit`` is additive, which is what a bound over
units not yet placed needs. Ship-alone units are priced exactly: their parcel never
changes. The rounding up of billable weight and the choice of service make the true cost
higher; the search tracks that difference (the slack) for parcels already planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ordermesh.domain.cost import DIM_DIVISOR_IN3_PER_LB
from ordermesh.domain.model import Sku
from ordermesh.domain.routing import terms
from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.pricing import NodeFacts, Pricer

_UNREACHABLE = float("inf")


@dataclass(frozen=True, slots=True)
class CostFloor:
    """Lower bound of one node's cost: ``fixed`` per packed parcel, then per demand unit
    the packed part (``packed``) and the exact cost of its ship-alone parcels (``alone``)."""

    fixed: float
    packed: tuple[float, ...]
    alone: tuple[float, ...]

    def packed_floor(self, counts: Sequence[int]) -> float:
        return sum(self.packed[i] * count for i, count in enumerate(counts) if count)


def uses_dimensional_weight(demands: Sequence[Demand]) -> bool:
    """Whether the order's volume weighs more than its mass; either is a valid floor of
    billable weight, and the larger one gives the tighter bound."""
    actual = volume = 0.0
    for demand in demands:
        for sku, per_unit in demand.kit:
            actual += sku.weight_lb * per_unit * demand.quantity
            volume += sku.volume_in3 * per_unit * demand.quantity
    return volume / DIM_DIVISOR_IN3_PER_LB > actual


def cost_floor(facts: NodeFacts, pricer: Pricer, by_volume: bool) -> CostFloor:
    network = pricer.network
    rule_set = pricer.rule_set
    objective = rule_set.objective
    constraints = rule_set.constraints
    node = facts.node
    separate = constraints.ship_alone and not facts.is_pickup
    if facts.is_pickup:
        base = per_lb = 0.0
    else:
        base, per_lb = pricer.rate_floor(facts.zone, facts.allowed_transit_days)
    co2e_per_lb = terms.co2e_per_lb(objective, facts, network.co2e)
    per_parcel = node.handling.per_shipment + terms.per_parcel(objective, facts, network.co2e)
    if base == _UNREACHABLE:
        return CostFloor(
            _UNREACHABLE,
            tuple(_UNREACHABLE for _ in pricer.demands),
            tuple(_UNREACHABLE for _ in pricer.demands),
        )
    # shipping(lb) >= base + per_lb * (lb - 1) >= base + per_lb * (measure - 1) needs
    # fixed = base - per_lb >= ... to stay non-negative for the bound to be additive;
    # flattening the slope keeps it valid, since lb >= 1.
    slope = min(per_lb, base + per_parcel)
    fixed = per_parcel + base - slope
    packed: list[float] = []
    alone: list[float] = []
    for demand in pricer.demands:
        packed_cost = 0.0
        alone_cost = 0.0
        for sku, per_unit in demand.kit:
            if separate and sku.ship_alone:
                parcel = pricer.alone_parcel(facts, sku)
                alone_cost += _UNREACHABLE if parcel is None else per_unit * parcel.objective
            else:
                packed_cost += per_unit * (
                    node.handling.per_unit
                    + slope * _measure(sku, by_volume)
                    + co2e_per_lb * sku.weight_lb
                    + pricer.opportunity.get((node.id, sku.id), 0.0)
                )
        packed.append(packed_cost)
        alone.append(alone_cost)
    return CostFloor(fixed, tuple(packed), tuple(alone))


def _measure(sku: Sku, by_volume: bool) -> float:
    return sku.volume_in3 / DIM_DIVISOR_IN3_PER_LB if by_volume else sku.weight_lb
