"""Availability of a SKU or bundle: network ATS, ATS per node and, for a postal code, the
earliest promised delivery date.

The promise of a node with stock is its next ship date (cutoff, calendar, timezone) plus the
transit days of the cheapest service that meets the service level (the channel's, or any
when no channel is given) for the zone between the node and the postal code, counted in
carrier working days: the same functions routing uses (``domain/promise.py``,
``domain/cost.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.bootstrap import Application
from ordermesh.domain.cost import billable_weight_lb, cheapest_qualifying, handling_cost, zone_for
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.model import Capability, Location, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.promise import NeverOpen, delivery_date, ship_date
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import AvailabilityOut, Id, NodePromise
from ordermesh.services import inventory as inventory_service
from ordermesh.services import network as network_service

router = APIRouter(prefix="/v1", tags=["availability"])


def _units(network: Network, item: str) -> list[tuple[Sku, int]]:
    bundle = network.bundles.get(item)
    if bundle is None:
        return [(network.skus[item], 1)]
    return [(network.skus[c.sku], c.quantity) for c in bundle.components]


def node_promise(
    network: Network,
    node_id: str,
    ats: int,
    item: str,
    destination: Location,
    service_level: str | None,
    now: datetime,
) -> NodePromise:
    """When one unit of ``item`` from ``node_id`` would arrive at ``destination``."""
    node = network.nodes[node_id]
    units = _units(network, item)
    zone = zone_for(great_circle_miles(node.location, destination), network.zones)
    level = network.service_levels.get(service_level) if service_level else None
    handling = handling_cost(node.handling, sum(q for _, q in units))
    best = cheapest_qualifying(
        network.services.values(), zone, billable_weight_lb(units), handling, level
    )
    if best is None:
        return NodePromise(node=node_id, ats=ats)
    try:
        shipped = ship_date(node, now)
        promised = delivery_date(shipped, best.transit_days)
    except NeverOpen:
        return NodePromise(node=node_id, ats=ats, service=best.service_id)
    return NodePromise(
        node=node_id,
        ats=ats,
        ship_date=shipped,
        service=best.service_id,
        transit_days=best.transit_days,
        promised_date=promised,
    )


@router.get(
    "/availability",
    response_model=AvailabilityOut,
    summary="Available to sell per node and over the network; promise date to a postal code",
)
def get_availability(
    request: Request,
    caller: CallerDep,
    sku: Annotated[Id, Query(description="a SKU or bundle id")],
    postal_code: Annotated[
        str | None, Query(min_length=3, max_length=12, description="where it would ship")
    ] = None,
    country: Annotated[str, Query(min_length=2, max_length=2)] = "US",
    channel: Annotated[Id | None, Query(description="apply this channel's buffer")] = None,
) -> AvailabilityOut:
    caller.allow("channel", "node")
    application: Application = request.app.state.application
    result = inventory_service.availability(application.uow(), sku, channel)
    out = AvailabilityOut(
        sku=sku,
        channel=channel,
        postal_code=postal_code,
        network_ats=result.network,
        per_node=dict(result.per_node),
    )
    if postal_code is None:
        return out
    try:
        destination = geocode(postal_code, country)
    except UnknownPostalCode as error:
        raise InvalidInput("request", [Problem("query.postal_code", str(error))]) from None
    network = network_service.current_network(application.uow()).network
    level = network.channels[channel].service_level if channel else None
    now = application.clock.now()
    promises = [
        node_promise(network, node_id, ats, sku, destination, level, now)
        for node_id, ats in result.per_node.items()
        if ats > 0
        and network.nodes[node_id].enabled
        and network.nodes[node_id].can(Capability.SHIP)
    ]
    promises.sort(key=lambda p: (p.promised_date is None, p.promised_date, p.node))
    out.promises = promises
    if promises and promises[0].promised_date is not None:
        out.earliest_promised_date = promises[0].promised_date
        out.earliest_node = promises[0].node
    return out
