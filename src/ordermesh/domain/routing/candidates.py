"""Candidate nodes: those that passed the filters, with the facts the search prices by,
and the promise date every parcel is measured against."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ordermesh.domain.cost import zone_for
from ordermesh.domain.model import Node
from ordermesh.domain.promise import (
    add_working_days,
    delivery_date,
    first_working_day,
    pickup_date,
    ship_date,
    working_days_between,
)
from ordermesh.domain.routing.context import RoutingContext
from ordermesh.domain.routing.filters import Screening, active_filters, screen
from ordermesh.domain.routing.pricing import NodeFacts
from ordermesh.domain.routing.rules import PromiseMode

PROMISE_FROM_ORDER = "order"
PROMISE_FROM_SERVICE_LEVEL = "service_level"


@dataclass(frozen=True, slots=True)
class Promise:
    date: date
    source: str


def promise_for(context: RoutingContext, ship_dates: Iterable[date]) -> Promise:
    """The date every parcel should arrive by.

    The channel's own date when the order carries one (what checkout showed). Otherwise
    what checkout would have shown: the earliest ship date among the candidate nodes plus
    the service level's transit days in carrier working days. A node that ships later
    (past its cutoff, closed today) then needs a faster service, or is not used.
    """
    order = context.order
    if order.promised_by is not None:
        return Promise(order.promised_by, PROMISE_FROM_ORDER)
    level = context.network.service_levels[order.service_level]
    earliest = min(ship_dates, default=None)
    if earliest is None:
        # No candidate: the date only labels a decision that ships nothing.
        earliest = first_working_day(context.carrier_calendar, context.placed_at.date())
    return Promise(
        delivery_date(earliest, level.max_transit_days, context.carrier_calendar),
        PROMISE_FROM_SERVICE_LEVEL,
    )


def node_facts(
    index: int,
    node: Node,
    context: RoutingContext,
    shipped: date,
    deadline: date,
    skus: Sequence[str] | None = None,
    days: dict[date, tuple[date, int]] | None = None,
) -> NodeFacts:
    """What the search needs to know of one node. ``skus`` (the order's, sorted) and
    ``days`` (pickup date and transit days allowed, per ship date) may be shared by the
    nodes of one decision, which computes them once."""
    miles = context.distances[node.id]
    if skus is None:
        skus = sorted({sku.id for demand in context.demands for sku, _ in demand.kit})
    known = None if days is None else days.get(shipped)
    if known is None:
        picked_up = pickup_date(shipped, context.carrier_calendar)
        known = (picked_up, working_days_between(context.carrier_calendar, picked_up, deadline))
        if days is not None:
            days[shipped] = known
    picked_up, allowed = known
    return NodeFacts(
        index=index,
        node=node,
        miles=miles,
        zone=zone_for(miles, context.network.zones),
        ship_date=shipped,
        pickup_date=picked_up,
        allowed_transit_days=allowed,
        remaining_capacity=context.remaining_capacity(node),
        capacity_share=context.capacity_share(node),
        stock={sku: context.usable(node, sku) for sku in skus},
        is_pickup=context.order.ship_to.pickup_node is not None,
    )


def missed_promise(facts: NodeFacts, context: RoutingContext, deadline: date) -> str | None:
    """Why no parcel from this node can arrive by the promise, or None if one can.

    Transit days depend on the zone and the service only, so this holds for any parcel.
    """
    if context.rule_set.constraints.promise is not PromiseMode.REQUIRED:
        return None
    if facts.is_pickup:
        if facts.ship_date > deadline:
            return (
                f"ready for pickup {facts.ship_date.isoformat()}, after the promise "
                f"{deadline.isoformat()}"
            )
        return None
    transits = [
        service.transit_days[facts.zone]
        for service in context.network.services.values()
        if facts.zone in service.transit_days and facts.zone in service.rates
    ]
    if not transits:
        return f"no shipping service covers zone {facts.zone}"
    fastest = min(transits)
    if fastest <= facts.allowed_transit_days:
        return None
    arrives = add_working_days(context.carrier_calendar, facts.pickup_date, fastest)
    return (
        f"ships {facts.ship_date.isoformat()}; the fastest service arrives "
        f"{arrives.isoformat()}, after the promise {deadline.isoformat()}"
    )


def ship_dates(nodes: Sequence[Node], context: RoutingContext) -> Mapping[str, date]:
    return {node.id: ship_date(node, context.placed_at) for node in nodes}


@dataclass(frozen=True, slots=True)
class Gathering:
    """Every node's verdict and the candidates that survived, for one order."""

    context: RoutingContext
    screenings: Mapping[str, Screening]  # every node, by id
    passed: tuple[NodeFacts, ...]  # nodes the filters kept
    missed: Mapping[str, str]  # of those, nodes that cannot meet the promise, and why
    candidates: tuple[NodeFacts, ...]  # the rest, re-indexed in node id order
    promise: Promise


def gather(context: RoutingContext) -> Gathering:
    network = context.network
    nodes = [network.nodes[node_id] for node_id in sorted(network.nodes)]
    filters = active_filters(context)
    screenings = {node.id: screen(node, context, filters) for node in nodes}
    kept = [node for node in nodes if screenings[node.id].kept]
    dates = ship_dates(kept, context)
    promise = promise_for(context, dates.values())
    skus = sorted({sku.id for demand in context.demands for sku, _ in demand.kit})
    days: dict[date, tuple[date, int]] = {}
    passed = tuple(
        node_facts(index, node, context, dates[node.id], promise.date, skus, days)
        for index, node in enumerate(kept)
    )
    missed = {
        facts.node.id: reason
        for facts in passed
        if (reason := missed_promise(facts, context, promise.date)) is not None
    }
    candidates = passed
    if missed:
        candidates = tuple(
            replace(facts, index=index)
            for index, facts in enumerate(f for f in passed if f.node.id not in missed)
        )
    return Gathering(context, screenings, passed, missed, candidates, promise)
