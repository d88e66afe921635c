"""Availability of a SKU or bundle: network ATS, ATS per node and, for a postal code, the
earliest promised delivery date (``domain/delivery_estimate.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.bootstrap import Application
from ordermesh.domain.delivery_estimate import delivery_estimates
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import AvailabilityOut, Id, NodePromise
from ordermesh.services import inventory as inventory_service
from ordermesh.services import network as network_service

router = APIRouter(prefix="/v1", tags=["availability"])


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
    result = inventory_service.availability(application.read_uow(), sku, channel)
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
    network = network_service.current_network(application.read_uow()).network
    level = network.channels[channel].service_level if channel else None
    estimates = delivery_estimates(
        network, sku, result.per_node, destination, level, application.clock.now()
    )
    promises = [
        NodePromise(
            node=e.node_id,
            ats=e.ats,
            ship_date=e.ship_date,
            service=e.service_id,
            transit_days=e.transit_days,
            promised_date=e.promised_date,
        )
        for e in estimates
    ]
    out.promises = promises
    if promises and promises[0].promised_date is not None:
        out.earliest_promised_date = promises[0].promised_date
        out.earliest_node = promises[0].node
    return out
