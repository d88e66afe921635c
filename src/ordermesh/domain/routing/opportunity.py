"""Opportunity costs of stock (Acimovic & Graves 2015): what a unit at a node is worth to
the orders expected after this one.

A myopic router spends a scarce unit on today's cheap order even when a later order nearby
needed it more. The remedy: solve a transportation problem over the *expected* demand of
the coming period (supply = stock per node and SKU, demand = forecast units per region and
SKU, cost = delivered cost of one unit from the node to the region), and read the dual value
of each supply constraint. It is what one more unit at that node would save the expected
orders, so it is the price of taking a unit from there now. The router adds it to the
objective (``route(..., opportunity_cost=...)``), and delivered cost stays what it is.

This module builds the problem and interprets the duals; solving it is an adapter's job
(``ordermesh.adapters.solver.shadow_prices``, HiGHS), handed in as a ``DualSolver``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from ordermesh.domain.cost import billable_weight_lb, cheapest_qualifying, handling_cost, zone_for
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.forecast import Forecast
from ordermesh.domain.model import Capability
from ordermesh.domain.network import Network

# Per unit of expected demand left unserved. Far above any parcel, so the LP serves all it
# can and the duals say where stock runs short; the absolute level cancels out below.
UNSERVED_COST = 1_000.0
# A region's expected units are assumed to come from one of its nearest stocked nodes: far
# nodes would only serve it when every near one is empty, and they make the LP large.
NEAREST_NODES = 12
# Duals below this are float noise of the LP, not scarcity.
MIN_PRICE = 1e-6


@dataclass(frozen=True, slots=True)
class TransportationProblem:
    """min sum cost * x + UNSERVED_COST * unserved, such that each source ships at most its
    supply and each sink receives its demand (from sources or as unserved)."""

    sources: tuple[tuple[str, str], ...]  # (node id, SKU)
    supply: tuple[float, ...]
    sinks: tuple[tuple[str, str], ...]  # (region id, SKU)
    demand: tuple[float, ...]
    arc_source: tuple[int, ...]
    arc_sink: tuple[int, ...]
    arc_cost: tuple[float, ...]
    unserved_cost: float = UNSERVED_COST
    # Per sink, the part of its demand that is sure to come (``confident_demand``); the
    # rest is unserved at ``soft_unserved_cost`` instead. Empty: all of it is sure.
    firm: tuple[float, ...] = ()
    soft_unserved_cost: float = UNSERVED_COST

    def firm_demand(self) -> tuple[float, ...]:
        return self.firm if self.firm else self.demand


# Solves the LP and returns, per source, the dual value of its supply constraint as a
# non-negative price (what one more unit there would save).
DualSolver = Callable[[TransportationProblem], Sequence[float]]
# Solves the LP and returns its optimal cost (delivered cost + unserved units' cost).
CostSolver = Callable[[TransportationProblem], float]


def transportation_problem(
    network: Network,
    stock: Mapping[tuple[str, str], int],
    forecast: Forecast,
    horizon_days: float,
    nearest_nodes: int = NEAREST_NODES,
    skus: Collection[str] | None = None,
    confidence: float | None = None,
) -> TransportationProblem:
    """The expected demand of the next ``horizon_days`` against today's ``stock``; with
    ``skus``, of those SKUs only (the LP is separable by SKU); with ``confidence``, the
    demand that comes with that probability (``confident_demand``) is firm, and the rest
    is unserved at ``soft_unserved_cost``."""
    expected = forecast.expected(horizon_days)
    if skus is not None:
        expected = {key: units for key, units in expected.items() if key[1] in skus}
    firm_of = None if confidence is None else confident_demand(expected, confidence)
    wanted = {sku for _, sku in expected}
    nodes = [
        network.nodes[node_id]
        for node_id in sorted(network.nodes)
        if network.nodes[node_id].enabled and network.nodes[node_id].can(Capability.SHIP)
    ]
    holders: dict[str, list[str]] = {}
    supply_of: dict[tuple[str, str], int] = {}
    for node in nodes:
        for sku_id in wanted:
            units = stock.get((node.id, sku_id), 0)
            sku = network.skus.get(sku_id)
            if units <= 0 or sku is None or (sku.hazmat and not node.hazmat_capable):
                continue
            holders.setdefault(sku_id, []).append(node.id)
            supply_of[(node.id, sku_id)] = units
    services = sorted(network.services.values(), key=lambda s: s.id)
    zones: dict[tuple[str, str], int] = {}
    unit_costs: dict[tuple[str, int, int], float] = {}

    def unit_cost(node_id: str, region_id: str, billable: int) -> float:
        zone_key = (node_id, region_id)
        if zone_key not in zones:
            miles = great_circle_miles(
                network.nodes[node_id].location, forecast.regions[region_id].location
            )
            zones[zone_key] = zone_for(miles, network.zones)
        zone = zones[zone_key]
        key = (node_id, zone, billable)
        if key not in unit_costs:
            node = network.nodes[node_id]
            priced = cheapest_qualifying(services, zone, billable, 0.0, None)
            shipping = UNSERVED_COST if priced is None else priced.shipping
            unit_costs[key] = shipping + handling_cost(node.handling, 1)
        return unit_costs[key]

    sources = sorted(supply_of)
    source_index = {key: index for index, key in enumerate(sources)}
    sinks: list[tuple[str, str]] = []
    demand: list[float] = []
    arc_source: list[int] = []
    arc_sink: list[int] = []
    arc_cost: list[float] = []
    firm: list[float] = []
    for region_id, sku_id in sorted(expected):
        sku = network.skus.get(sku_id)
        if sku is None:
            continue
        sink = len(sinks)
        sinks.append((region_id, sku_id))
        demand.append(expected[(region_id, sku_id)])
        if firm_of is not None:
            firm.append(min(demand[-1], firm_of.get((region_id, sku_id), 0.0)))
        billable = billable_weight_lb([(sku, 1)])
        priced = [
            (unit_cost(node_id, region_id, billable), node_id)
            for node_id in holders.get(sku_id, ())
        ]
        for cost, node_id in heapq.nsmallest(nearest_nodes, priced):
            arc_source.append(source_index[(node_id, sku_id)])
            arc_sink.append(sink)
            arc_cost.append(cost)
    return TransportationProblem(
        sources=tuple(sources),
        supply=tuple(float(supply_of[key]) for key in sources),
        sinks=tuple(sinks),
        demand=tuple(demand),
        arc_source=tuple(arc_source),
        arc_sink=tuple(arc_sink),
        arc_cost=tuple(arc_cost),
        firm=tuple(firm),
    )


def confident_demand(
    expected: Mapping[tuple[str, str], float], confidence: float
) -> dict[tuple[str, str], float]:
    """Per (region, SKU), the share of the expected units that will come with probability
    ``confidence``: each SKU's total is taken as Poisson, cut to the most units d it
    reaches with that probability (P(units >= d) >= confidence), and spread over the
    regions as the mean is. A SKU expected 1.3 times over the horizon gets nothing at
    0.95 (P(none) = 27%); one expected 30 times gets 21."""
    totals: dict[str, float] = {}
    for (_, sku), units in expected.items():
        totals[sku] = totals.get(sku, 0.0) + units
    scale = {
        sku: poisson_floor(total, confidence) / total for sku, total in totals.items() if total > 0
    }
    return {
        key: units * scale[key[1]] for key, units in expected.items() if scale.get(key[1], 0.0) > 0
    }


def poisson_floor(mean: float, confidence: float) -> int:
    """The most units d a Poisson count of ``mean`` reaches with probability
    ``confidence``: the largest d with P(count >= d) >= confidence."""
    if mean <= 0 or confidence <= 0:
        return math.floor(max(0.0, mean)) if confidence <= 0 else 0
    if mean > 400:  # normal approximation (the exact sum underflows)
        return max(0, math.floor(mean - _normal_quantile(confidence) * math.sqrt(mean) + 0.5))
    below = 0.0  # P(count < d)
    term = math.exp(-mean)  # P(count = d)
    d = 0
    while 1.0 - (below + term) >= confidence:  # P(count >= d + 1) still >= confidence
        below += term
        d += 1
        term *= mean / d
    return d


def _normal_quantile(p: float) -> float:
    """The standard normal's p-quantile, by bisection on erf (accurate to 1e-9)."""
    low, high = -10.0, 10.0
    for _ in range(80):
        middle = (low + high) / 2
        if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def opportunity_costs(
    problem: TransportationProblem, prices: Sequence[float]
) -> dict[tuple[str, str], float]:
    """Per (node, SKU), the price of taking a unit, from the supply duals.

    When a SKU is short everywhere, every supply constraint binds and every dual carries the
    unserved cost less a delivery cost. Only the differences between nodes steer a decision
    (the router ships every unit it can either way), so each SKU's prices are shifted down
    by the lowest among its nodes: the cheapest place to take it from costs nothing extra,
    and the explanation shows what the others are worth beyond it.
    """
    lowest: dict[str, float] = {}
    for (_, sku), price in zip(problem.sources, prices, strict=True):
        lowest[sku] = min(lowest.get(sku, price), max(0.0, price))
    costs: dict[tuple[str, str], float] = {}
    for (node_id, sku), price in zip(problem.sources, prices, strict=True):
        relative = max(0.0, price) - lowest[sku]
        if relative > MIN_PRICE:
            costs[(node_id, sku)] = relative
    return costs
