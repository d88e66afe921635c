"""Positioning advice: which stock transfers between nodes would pay over a horizon.

The shadow-price LP (``domain.routing.opportunity``) asks what each unit is worth where it
stands. This asks the next question: where should it stand? Per SKU, a transshipment LP
serves the forecast demand of the horizon from today's stock, where each region may be
served from any node at the delivered cost routing uses (``cheapest_qualifying`` shipping
for one unit plus the node's handling) and each node may first send units to another at
the transfer cost of ``TransferCosts``. The LP ships only what its own stock does not
need: a node's surplus is what is left after serving the demand the LP gives it. A
drop-ship node delivers but never sends or receives a transfer: its stock is the vendor's.

Each transfer the LP makes is then priced on its own, against today's stock: the expected
saving is the LP's cost without it, less the LP's cost with its units moved, less what the
move costs. Transfers of one SKU share the same surplus and demand, so their savings do not
add up; apply the top one and ask again for the next.

The LP is solved by an adapter (``ordermesh.adapters.solver.transfers``, HiGHS), handed in
as a ``PositioningSolver``; this module states it and does the arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ordermesh.domain.cost import billable_weight_lb, cheapest_qualifying, handling_cost, zone_for
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.forecast import Forecast
from ordermesh.domain.model import Capability, Node, NodeType
from ordermesh.domain.network import Network
from ordermesh.domain.routing.opportunity import TransportationProblem

# A transfer must save at least this much over the horizon to be worth a pallet and a
# phone call; below it, LP noise and rounding decide.
MIN_SAVING = 1.0
# Flows are fractional (the forecast is); a unit is moved only when the LP moves nearly
# all of it.
WHOLE_UNIT_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class TransferCosts:
    """What moving one unit from one node to another costs: picking and loading it at the
    sending node, receiving and putting it away at the receiving one, and bulk freight
    (a truckload's cost shared per unit) for the miles between. Parcel rates do not apply:
    transfers travel consolidated, which is why they can pay at all."""

    ship_out_per_unit: float = 0.40
    receive_per_unit: float = 0.40
    freight_per_unit_mile: float = 0.001

    def per_unit(self, miles: float) -> float:
        return self.ship_out_per_unit + self.receive_per_unit + self.freight_per_unit_mile * miles


@dataclass(frozen=True, slots=True)
class PositioningProblem:
    """One SKU's transportation problem (every node that may hold it is a source, stocked
    or not) and the transfer arcs between its sources. A source may deliver no more than
    its supply plus what it receives less what it sends."""

    transport: TransportationProblem
    transfer_from: tuple[int, ...]  # index into transport.sources
    transfer_to: tuple[int, ...]
    transfer_cost: tuple[float, ...]  # per unit


@dataclass(frozen=True, slots=True)
class PositioningSolution:
    cost: float  # delivered + transfer + unserved cost of the plan
    delivered: tuple[float, ...]  # units per delivery arc of the transport problem
    transferred: tuple[float, ...]  # units per transfer arc


# Solves the LP to optimality; None when it cannot (then no advice is given for that SKU).
PositioningSolver = Callable[[PositioningProblem], PositioningSolution | None]


@dataclass(frozen=True, slots=True)
class Transfer:
    sku: str
    from_node: str
    to_node: str
    units: int
    expected_saving: float  # over the horizon, net of the transfer's cost
    transfer_cost: float  # of all its units
    reason: str


def propose_transfers(
    network: Network,
    stock: Mapping[tuple[str, str], int],
    forecast: Forecast,
    horizon_days: float,
    solve: PositioningSolver,
    costs: TransferCosts = TransferCosts(),
) -> list[Transfer]:
    """Transfers that would lower the expected delivered cost of the next ``horizon_days``
    by more than they cost, best first (ties by SKU, then nodes)."""
    demand_of: dict[str, dict[str, float]] = {}
    for (region, sku), units in forecast.expected(horizon_days).items():
        demand_of.setdefault(sku, {})[region] = units
    lanes: dict[tuple[int, bool, tuple[str, ...]], _Lanes] = {}
    transfers: list[Transfer] = []
    for sku_id in sorted(demand_of):
        problem = positioning_problem(
            network, stock, forecast, sku_id, demand_of[sku_id], costs, lanes
        )
        if problem is not None:
            transfers.extend(_priced_transfers(problem, solve, horizon_days))
    transfers.sort(key=lambda t: (-t.expected_saving, t.sku, t.from_node, t.to_node))
    return transfers


@dataclass(frozen=True, slots=True)
class _Lanes:
    """What a SKU's problem needs that depends only on its billable weight, whether it is
    hazmat and which regions expect it, so SKUs alike share it: the nodes that may hold
    it, the delivered cost of one unit per (node index, region index), and the transfers
    that could pay (node index from, node index to, cost per unit)."""

    nodes: tuple[Node, ...]
    delivered: Mapping[tuple[int, int], float]
    offers: tuple[tuple[int, int, float], ...]


def positioning_problem(
    network: Network,
    stock: Mapping[tuple[str, str], int],
    forecast: Forecast,
    sku_id: str,
    demand: Mapping[str, float],
    costs: TransferCosts,
    lanes: dict[tuple[int, bool, tuple[str, ...]], _Lanes] | None = None,
) -> PositioningProblem | None:
    """The SKU's LP, or None when no transfer could pay: no arc from a stocked node to
    another whose delivered cost to some region with demand is lower by more than the
    transfer costs. ``lanes`` memoises what SKUs of the same weight share."""
    sku = network.skus.get(sku_id)
    if sku is None:
        return None
    regions = tuple(sorted(region for region in demand if region in forecast.regions))
    key = (billable_weight_lb([(sku, 1)]), sku.hazmat, regions)
    memo = lanes if lanes is not None else {}
    if key not in memo:
        memo[key] = _lanes_of(network, forecast, *key, costs)
    lane = memo[key]
    offers = [offer for offer in lane.offers if stock.get((lane.nodes[offer[0]].id, sku_id), 0) > 0]
    if not offers:
        return None
    arcs = sorted(lane.delivered)
    transport = TransportationProblem(
        sources=tuple((node.id, sku_id) for node in lane.nodes),
        supply=tuple(float(max(0, stock.get((node.id, sku_id), 0))) for node in lane.nodes),
        sinks=tuple((region_id, sku_id) for region_id in regions),
        demand=tuple(demand[region_id] for region_id in regions),
        arc_source=tuple(n for n, _ in arcs),
        arc_sink=tuple(r for _, r in arcs),
        arc_cost=tuple(lane.delivered[arc] for arc in arcs),
    )
    return PositioningProblem(
        transport,
        tuple(a for a, _, _ in offers),
        tuple(b for _, b, _ in offers),
        tuple(cost for _, _, cost in offers),
    )


def _lanes_of(
    network: Network,
    forecast: Forecast,
    billable: int,
    hazmat: bool,
    regions: tuple[str, ...],
    costs: TransferCosts,
) -> _Lanes:
    nodes = tuple(
        network.nodes[node_id]
        for node_id in sorted(network.nodes)
        if _may_hold(network.nodes[node_id], hazmat)
    )
    services = sorted(network.services.values(), key=lambda s: s.id)
    shipping: dict[int, float | None] = {}
    delivered: dict[tuple[int, int], float] = {}
    for n, node in enumerate(nodes):
        for r, region_id in enumerate(regions):
            miles = great_circle_miles(node.location, forecast.regions[region_id].location)
            zone = zone_for(miles, network.zones)
            if zone not in shipping:
                priced = cheapest_qualifying(services, zone, billable, 0.0, None)
                shipping[zone] = None if priced is None else priced.shipping
            parcel = shipping[zone]
            if parcel is not None:
                delivered[(n, r)] = parcel + handling_cost(node.handling, 1)
    offers: list[tuple[int, int, float]] = []
    for a, origin in enumerate(nodes):
        for b, destination in enumerate(nodes):
            if a == b or NodeType.DROPSHIP in (origin.type, destination.type):
                continue
            per_unit = costs.per_unit(great_circle_miles(origin.location, destination.location))
            if any(
                (a, r) in delivered
                and (b, r) in delivered
                and delivered[(a, r)] - delivered[(b, r)] > per_unit
                for r in range(len(regions))
            ):
                offers.append((a, b, per_unit))
    return _Lanes(nodes, delivered, tuple(offers))


def _may_hold(node: Node, hazmat: bool) -> bool:
    return node.enabled and node.can(Capability.SHIP) and (node.hazmat_capable or not hazmat)


def _priced_transfers(
    problem: PositioningProblem, solve: PositioningSolver, horizon_days: float
) -> list[Transfer]:
    planned = solve(problem)
    staying = _without_transfers(problem, problem.transport.supply)
    today = solve(staying)
    if planned is None or today is None:
        return []
    transport = problem.transport
    proposals: list[Transfer] = []
    for arc, flow in enumerate(planned.transferred):
        units = math.floor(flow + WHOLE_UNIT_TOLERANCE)
        if units < 1:
            continue
        origin, destination = problem.transfer_from[arc], problem.transfer_to[arc]
        supply = list(transport.supply)
        supply[origin] -= units
        supply[destination] += units
        moved = solve(_without_transfers(problem, tuple(supply)))
        if moved is None:
            continue
        cost = units * problem.transfer_cost[arc]
        saving = today.cost - moved.cost - cost
        if saving < MIN_SAVING:
            continue
        proposals.append(
            Transfer(
                sku=transport.sources[origin][1],
                from_node=transport.sources[origin][0],
                to_node=transport.sources[destination][0],
                units=units,
                expected_saving=round(saving, 2),
                transfer_cost=round(cost, 2),
                reason=_reason(problem, moved, origin, destination, arc, horizon_days),
            )
        )
    return proposals


def _without_transfers(
    problem: PositioningProblem, supply: tuple[float, ...]
) -> PositioningProblem:
    return PositioningProblem(replace(problem.transport, supply=supply), (), (), ())


def _reason(
    problem: PositioningProblem,
    moved: PositioningSolution,
    origin: int,
    destination: int,
    arc: int,
    horizon_days: float,
) -> str:
    """Names the region the moved units serve most of, with both delivered costs."""
    transport = problem.transport
    cost_of = {
        (transport.arc_source[a], transport.arc_sink[a]): transport.arc_cost[a]
        for a in range(len(transport.arc_cost))
    }
    served = [
        (flow, transport.arc_sink[a])
        for a, flow in enumerate(moved.delivered)
        if transport.arc_source[a] == destination and flow > WHOLE_UNIT_TOLERANCE
    ]
    origin_id = transport.sources[origin][0]
    destination_id = transport.sources[destination][0]
    per_unit = f"${problem.transfer_cost[arc]:.2f}/unit to move"
    if not served:
        return f"{destination_id} is closer to expected demand; {per_unit}"
    _, sink = max(served, key=lambda pair: (pair[0], -pair[1]))
    region = transport.sinks[sink][0]
    here = cost_of[(destination, sink)]
    there = cost_of.get((origin, sink))
    far = "" if there is None else f" instead of ${there:.2f} from {origin_id}"
    return (
        f"{region} expects {transport.demand[sink]:.0f} units in {horizon_days:g} days: "
        f"${here:.2f}/unit delivered from {destination_id}{far}; {per_unit}"
    )
