"""Constraints on a whole plan: each one small function ``(plan, context) -> str | None``.

None means the plan honours the constraint; a string says how it breaks it. The search
builds only plans that honour every constraint of the rule set (ship-alone parcels and
bundle kits are built in, the others are hard rules of ``Problem.score``); these functions
state the same rules on the finished plan, so a decision can be checked and the
explanation can say which constraint a cheaper rejected plan breaks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from ordermesh.domain.routing.context import RoutingContext
from ordermesh.domain.routing.plan import Plan
from ordermesh.domain.routing.rules import PromiseMode

PlanConstraint = Callable[[Plan, RoutingContext], str | None]


def ship_complete(plan: Plan, context: RoutingContext) -> str | None:
    if not context.rule_set.constraints.ship_complete:
        return None
    nodes = plan.node_ids
    if len(nodes) > 1:
        return f"ships from {len(nodes)} nodes ({', '.join(nodes)}); ship complete allows one"
    if plan.shipments and plan.backordered:
        waiting = sum(backorder.quantity for backorder in plan.backordered)
        return f"ships part of the order and backorders {waiting} unit(s); ship complete waits"
    return None


def max_shipments(plan: Plan, context: RoutingContext) -> str | None:
    limit = context.rule_set.constraints.max_shipments
    if limit is not None and len(plan.shipments) > limit:
        return f"{len(plan.shipments)} shipments; at most {limit} allowed"
    return None


def keep_bundles_together(plan: Plan, context: RoutingContext) -> str | None:
    """Each node must ship whole bundle units: its components in the bundle's ratios."""
    if not context.rule_set.constraints.keep_bundles_together:
        return None
    shipped: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for shipment in plan.shipments:
        for line in shipment.lines:
            if line.bundle_id is not None:
                units = shipped[(shipment.node_id, line.line_id, line.bundle_id)]
                units[line.sku] = units.get(line.sku, 0) + line.quantity
    for (node_id, line_id, bundle_id), units in sorted(shipped.items()):
        recipe = {c.sku: c.quantity for c in context.network.bundles[bundle_id].components}
        kits = {units.get(sku, 0) / per_kit for sku, per_kit in recipe.items()}
        whole = len(kits) == 1 and next(iter(kits)).is_integer() and set(units) <= set(recipe)
        if not whole:
            return f"bundle {bundle_id} of line {line_id} is split: {node_id} ships only part of it"
    return None


def ship_alone(plan: Plan, context: RoutingContext) -> str | None:
    if not context.rule_set.constraints.ship_alone or context.order.ship_to.pickup_node:
        return None
    skus = context.network.skus
    for shipment in plan.shipments:
        alone = [line.sku for line in shipment.lines if skus[line.sku].ship_alone]
        if alone and shipment.units > 1:
            return f"ship-alone SKU {alone[0]} shares a parcel from {shipment.node_id}"
    return None


def promise(plan: Plan, context: RoutingContext) -> str | None:
    if context.rule_set.constraints.promise is not PromiseMode.REQUIRED:
        return None
    for shipment in plan.shipments:
        if not shipment.meets_promise:
            return (
                f"the parcel from {shipment.node_id} arrives "
                f"{shipment.promise_date.isoformat()}, after the promise"
            )
    return None


def node_capacity(plan: Plan, context: RoutingContext) -> str | None:
    parcels: dict[str, int] = defaultdict(int)
    for shipment in plan.shipments:
        parcels[shipment.node_id] += 1
    for node_id, count in sorted(parcels.items()):
        remaining = context.remaining_capacity(context.network.node(node_id))
        if remaining is not None and count > remaining:
            return f"{node_id} ships {count} parcels with {remaining} left today"
    return None


def available_to_sell(plan: Plan, context: RoutingContext) -> str | None:
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for shipment in plan.shipments:
        for line in shipment.lines:
            taken[(shipment.node_id, line.sku)] += line.quantity
    for (node_id, sku), units in sorted(taken.items()):
        usable = context.usable(context.network.node(node_id), sku)
        if units > usable:
            return f"takes {units} x {sku} at {node_id} with {usable} available to sell"
    return None


CONSTRAINTS: Mapping[str, PlanConstraint] = {
    "ship_complete": ship_complete,
    "max_shipments": max_shipments,
    "keep_bundles_together": keep_bundles_together,
    "ship_alone": ship_alone,
    "promise": promise,
    "capacity": node_capacity,
    "available_to_sell": available_to_sell,
}


def breaches(plan: Plan, context: RoutingContext) -> tuple[tuple[str, str], ...]:
    """Every constraint the plan breaks, as (name, how)."""
    found = []
    for name, constraint in CONSTRAINTS.items():
        reason = constraint(plan, context)
        if reason is not None:
            found.append((name, reason))
    return tuple(found)
