"""From a scored assignment to parcels and backorders a person (or a node) can read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from ordermesh.domain.routing.context import RoutingContext
from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.explain import PlanSummary
from ordermesh.domain.routing.plan import Backorder, Plan, PlannedShipment, ShipmentLine
from ordermesh.domain.routing.pricing import NodeFacts, ParcelCost
from ordermesh.domain.routing.problem import Problem, Scored


def summarise(
    problem: Problem,
    scored: Scored,
    context: RoutingContext,
    deadline: date,
    candidates: Sequence[NodeFacts],
    waiting_for_ship_complete: bool,
) -> PlanSummary:
    """The plan of an assignment. ``candidates`` are all the nodes that passed the filters
    and the promise (dominated ones too): what they hold tells why a unit waits."""
    shipments: list[PlannedShipment] = []
    placed = [0] * len(problem.demands)
    for index, counts in scored.assignment:
        facts = problem.candidates[index]
        cost = problem.node_cost(index, counts)
        assert cost is not None, "a scored assignment prices every node"
        for position, count in enumerate(counts):
            placed[position] += count
        shipments.extend(
            _shipment(facts, parcel, problem.demands, deadline) for parcel in cost.parcels
        )
    # The split penalty is owed by every parcel after the first.
    split = problem.split_penalty
    if split:
        shipments = [
            shipment
            if number == 0
            else replace(shipment, penalties=replace(shipment.penalties, split=split))
            for number, shipment in enumerate(shipments)
        ]
    backordered = []
    for position, demand in enumerate(problem.demands):
        missing = demand.quantity - placed[position]
        if missing > 0:
            reason = _backorder_reason(
                problem, context, position, candidates, len(shipments), waiting_for_ship_complete
            )
            backordered.append(
                Backorder(
                    line_id=demand.line_id,
                    item=demand.backorder_item,
                    quantity=missing,
                    reason=reason,
                    bundle_id=demand.bundle_id,
                )
            )
    return PlanSummary(
        plan=Plan(tuple(shipments), tuple(backordered)),
        objective=scored.score.objective,
        backordered_units=scored.score.backordered_units,
        priorities=scored.score.priorities,
    )


def _shipment(
    facts: NodeFacts, parcel: ParcelCost, demands: tuple[Demand, ...], deadline: date
) -> PlannedShipment:
    units: dict[tuple[int, str], int] = {}
    for position, sku, quantity in parcel.contents:
        units[(position, sku.id)] = units.get((position, sku.id), 0) + quantity
    lines = tuple(
        ShipmentLine(
            line_id=demands[position].line_id,
            sku=sku,
            quantity=quantity,
            bundle_id=demands[position].bundle_id,
        )
        for (position, sku), quantity in sorted(units.items())
    )
    service = parcel.service
    return PlannedShipment(
        node_id=facts.node.id,
        service_id=service.service_id,
        lines=lines,
        zone=parcel.zone,
        billable_lb=parcel.billable_lb,
        shipping=parcel.shipping,
        handling=parcel.handling,
        penalties=parcel.penalties,
        co2e_g=parcel.co2e_g,
        transit_days=service.transit_days,
        ship_date=facts.ship_date,
        promise_date=service.arrives,
        meets_promise=service.arrives <= deadline,
        ship_alone=parcel.ship_alone,
    )


def _backorder_reason(
    problem: Problem,
    context: RoutingContext,
    position: int,
    candidates: Sequence[NodeFacts],
    parcels: int,
    waiting_for_ship_complete: bool,
) -> str:
    demand = problem.demands[position]
    if waiting_for_ship_complete:
        return "ship complete: no single node can ship the whole order, so it all waits"
    reachable = sum(
        min(facts.stock.get(sku.id, 0) // k for sku, k in demand.kit) for facts in candidates
    )
    names = {facts.node.id for facts in candidates}
    elsewhere = sum(
        1
        for node in context.network.nodes.values()
        if node.id not in names
        and all(context.stock.get((node.id, sku.id), 0) >= k for sku, k in demand.kit)
    )
    removed = (
        f"{elsewhere} node(s) holding it were removed by filters or the promise"
        if elsewhere
        else ""
    )
    if reachable == 0:
        return (
            f"no candidate node has it available to sell; {removed}"
            if removed
            else ("no node has it available to sell")
        )
    if reachable < demand.quantity:
        shortage = f"only {reachable} available to sell at candidate nodes"
        return f"{shortage}; {removed}" if removed else shortage
    limit = problem.max_parcels
    if limit is not None and parcels >= limit:
        return f"max_shipments {limit} reached"
    return "candidate nodes holding it are out of capacity, or used up by the order's other lines"
