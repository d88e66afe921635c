"""Orders: submit (idempotent), read, list, cancel, hold, release, change the address,
redact.

A channel's key acts on its own channel's orders only; admin on any. A node's key reads an
order while it holds one of its requests; only admin redacts.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response, status

from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.idempotency import request_fingerprint
from ordermesh.domain.lifecycle import OrderStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import RECIPIENT_FIELDS, OrderLine, Recipient, ShipTo, recipient_fields
from ordermesh.entrypoints.api.auth import Caller, CallerDep
from ordermesh.entrypoints.api.dtos import (
    CancelIn,
    ErrorResponse,
    LineRef,
    OrderIn,
    OrderLineOut,
    OrderOut,
    OrderPage,
    ReasonIn,
    ShipmentLineOut,
    ShipmentOut,
    ShipToIn,
    ShipToOut,
    TransitionOut,
)
from ordermesh.entrypoints.api.metrics import Metrics
from ordermesh.services import network as network_service
from ordermesh.services import orders as order_service
from ordermesh.services.orders import OrderView, PlaceOrder
from ordermesh.services.ports import FulfillmentRequest

router = APIRouter(prefix="/v1/orders", tags=["orders"])

OrderId = Annotated[str, Path(min_length=1, max_length=100, description="the order id")]


def _application(request: Request) -> Application:
    application: Application = request.app.state.application
    return application


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


# -- rendering ------------------------------------------------------------------------------


def _number(costs: Any, key: str) -> float | None:
    value = costs.get(key) if isinstance(costs, dict) else None
    return float(value) if isinstance(value, int | float) else None


def shipment_out(request: FulfillmentRequest) -> ShipmentOut:
    costs = dict(request.costs)
    zone = costs.get("zone")
    return ShipmentOut(
        id=request.id,
        node=request.node_id,
        service=request.service_id,
        status=str(request.status),
        zone=zone if isinstance(zone, int) else None,
        lines=[
            ShipmentLineOut(
                line_id=line.line_id,
                sku=line.sku,
                bundle=line.bundle_id,
                quantity=line.wanted,
                shipped=line.shipped_quantity,
            )
            for line in request.lines
        ],
        shipping=_number(costs, "shipping"),
        handling=_number(costs, "handling"),
        cost=_number(costs, "cost"),
        ship_date=request.ship_date,
        promised_date=request.promise_date,
        co2e_g=_number(costs, "co2e_g"),
        tracking_number=request.tracking_number,
        carrier=request.carrier,
        reject_reason=request.reject_reason,
    )


def order_out(view: OrderView) -> OrderOut:
    waiting: defaultdict[str, int] = defaultdict(int)
    for backorder in view.backordered:
        waiting[backorder.sku] += backorder.quantity
    return OrderOut(
        id=view.id,
        channel=view.channel,
        external_id=view.external_id,
        idempotency_key=view.idempotency_key,
        status=str(view.status),
        on_hold=view.on_hold,
        customer_tier=view.customer_tier,
        service_level=view.service_level,
        ship_to=ship_to_out(view.ship_to),
        tags=list(view.tags),
        placed_at=view.placed_at,
        promised_by=view.promised_by,
        rule_set=(
            f"{view.rule_set_id}@{view.rule_set_version}" if view.rule_set_id is not None else None
        ),
        lines=[
            OrderLineOut(
                line_id=line.line_id,
                sku=line.item,
                quantity=line.quantity,
                unit_price=line.unit_price,
                cancelled_quantity=line.cancelled_quantity,
            )
            for line in view.lines
        ],
        shipments=[shipment_out(r) for r in view.shipments],
        backordered=[LineRef(sku=sku, quantity=q) for sku, q in sorted(waiting.items()) if q],
        explanation=dict(view.explanation) if view.explanation is not None else None,
        created_at=view.created_at,
        updated_at=view.updated_at,
        currency=view.currency,
        notes=list(view.notes),
        redacted_at=view.redacted_at,
    )


def ship_to_out(ship_to: ShipTo) -> ShipToOut:
    location = ship_to.location
    return ShipToOut(
        lat=location.lat,
        lon=location.lon,
        postal_code=location.postal_code,
        country=location.country,
        pickup_node=ship_to.pickup_node,
        **recipient_fields(ship_to.recipient),
    )


# -- parsing --------------------------------------------------------------------------------


def ship_to(body: ShipToIn, where: str = "ship_to") -> ShipTo:
    """Coordinates for the router: given, geocoded from the postal code, or (for a pickup)
    filled in by the order service from the node; and the recipient, as sent (blank fields
    are absent ones). The order service checks the recipient's fields."""
    given = {name: (getattr(body, name) or "").strip() or None for name in RECIPIENT_FIELDS}
    recipient = Recipient(**given)
    kept = None if recipient.is_empty else recipient
    if body.pickup_node is not None:
        return ShipTo(Location(0.0, 0.0), body.pickup_node, kept)
    if body.lat is not None and body.lon is not None:
        return ShipTo(Location(body.lat, body.lon, body.postal_code, body.country), None, kept)
    assert body.postal_code is not None
    try:
        return ShipTo(geocode(body.postal_code, body.country), None, kept)
    except UnknownPostalCode as error:
        field = f"{where}.postal_code" if where else "postal_code"
        raise InvalidInput("order", [Problem(field, str(error))]) from None


def place_command(
    application: Application, body: OrderIn, idempotency_key: str | None
) -> PlaceOrder:
    service_level = body.service_level
    if service_level is None:
        channel = network_service.current_network(application.read_uow()).network.channels.get(
            body.channel
        )
        service_level = channel.service_level if channel is not None else "standard"
    return PlaceOrder(
        channel=body.channel,
        ship_to=ship_to(body.ship_to),
        service_level=service_level,
        lines=tuple(
            OrderLine(str(index + 1), line.sku, line.quantity, line.unit_price)
            for index, line in enumerate(body.lines)
        ),
        external_id=body.external_id,
        idempotency_key=idempotency_key,
        fingerprint=(
            None if idempotency_key is None else request_fingerprint(body.model_dump(mode="json"))
        ),
        customer_tier=body.customer.tier,
        tags=tuple(body.tags),
        hold=body.hold,
    )


def _own_order(application: Application, caller: Caller, order_id: str) -> OrderView:
    """The order, if the caller may see it: 403 for another channel's order."""
    caller.allow("channel")
    view = order_service.get_order(application.read_uow(), order_id)
    caller.for_channel(view.channel)
    return view


def _readable_order(application: Application, caller: Caller, order_id: str) -> OrderView:
    """The order, if the caller may read it and its recipient (personal data): admin, its
    channel, or a node holding one of its requests; 403 for anyone else."""
    caller.allow("channel", "node")
    view = order_service.get_order(application.read_uow(), order_id)
    if caller.kind == "node":
        caller.for_any_node(view.readers)
    else:
        caller.for_channel(view.channel)
    return view


# -- endpoints ------------------------------------------------------------------------------


@router.post(
    "",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Submit an order: route it and reserve its stock (201; 200 for a repeat)",
    responses={
        200: {"model": OrderOut, "description": "a repeat: the original order"},
        409: {
            "model": ErrorResponse,
            "description": "a concurrent request under the same key has not finished",
        },
        422: {
            "model": ErrorResponse,
            "description": "invalid order, a destination the network does not serve, or "
            "`idempotency_key_reused`: the key was used for a different request",
        },
    },
)
def post_order(
    request: Request,
    response: Response,
    caller: CallerDep,
    body: OrderIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="a repeat with the same key and body (or the same external_id) "
            "returns the original; the same key with another body is a 422",
        ),
    ] = None,
) -> OrderOut:
    caller.for_channel(body.channel)
    application = _application(request)
    command = place_command(application, body, idempotency_key)
    started = time.perf_counter()
    view, created = order_service.place_order(
        application.uow(),
        command,
        application.clock,
        actor=caller.actor,
        routing=application.routing,
    )
    if created:
        metrics = _metrics(request)
        metrics.routing_seconds.observe(time.perf_counter() - started)
        metrics.orders.labels(str(view.status)).inc()
        metrics.reservations.inc(len(view.shipments))
        metrics.reserved_units.inc(sum(r.units for r in view.shipments))
    else:
        response.status_code = status.HTTP_200_OK
    return order_out(view)


@router.get("", response_model=OrderPage, summary="Orders, newest first, by cursor")
def list_orders(
    request: Request,
    caller: CallerDep,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    channel: Annotated[str | None, Query(max_length=100)] = None,
    created_from: Annotated[datetime | None, Query(description="inclusive")] = None,
    created_to: Annotated[datetime | None, Query(description="exclusive")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=order_service.MAX_PAGE)] = 50,
) -> OrderPage:
    caller.allow("channel")
    if not caller.is_admin:
        channel = caller.for_channel(channel or str(caller.scope)).scope
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.utcoffset() is None:
            raise InvalidInput("request", [Problem(f"query.{name}", "must carry a time zone")])
    page = order_service.list_orders(
        _application(request).read_uow(),
        status=status_,
        channel=channel,
        created_from=created_from,
        created_to=created_to,
        cursor=cursor,
        limit=limit,
    )
    return OrderPage(items=[order_out(v) for v in page.items], next_cursor=page.next_cursor)


@router.get("/{order_id}", response_model=OrderOut, summary="One order")
def get_order(request: Request, caller: CallerDep, order_id: OrderId) -> OrderOut:
    return order_out(_readable_order(_application(request), caller, order_id))


@router.get(
    "/{order_id}/history",
    response_model=list[TransitionOut],
    summary="Every transition of the order and its fulfillment requests: who, when, why",
)
def get_history(request: Request, caller: CallerDep, order_id: OrderId) -> list[TransitionOut]:
    application = _application(request)
    _own_order(application, caller, order_id)
    return [
        TransitionOut(
            entity=str(entry.transition.entity),
            entity_id=entry.transition.entity_id,
            from_status=entry.transition.from_status,
            to_status=entry.transition.to_status,
            actor=entry.actor,
            reason=entry.reason,
            at=entry.at,
        )
        for entry in order_service.order_history(application.read_uow(), order_id)
    ]


def _transitioned(request: Request, before: OrderView, after: OrderView) -> OrderOut:
    if after.status != before.status:
        _metrics(request).order_transitions.labels(str(after.status)).inc()
    return order_out(after)


@router.post(
    "/{order_id}/cancel",
    response_model=OrderOut,
    summary="Cancel the whole order, or units of some lines, before they ship",
)
def cancel(
    request: Request,
    caller: CallerDep,
    order_id: OrderId,
    body: Annotated[CancelIn | None, Body()] = None,
) -> OrderOut:
    application = _application(request)
    before = _own_order(application, caller, order_id)
    body = body or CancelIn()
    lines: dict[str, int] | None = None
    if body.lines is not None:
        lines = {}
        for line in body.lines:
            lines[line.line_id] = lines.get(line.line_id, 0) + line.quantity
    after = order_service.cancel_order(
        application.uow(),
        order_id,
        application.clock,
        actor=caller.actor,
        lines=lines,
        reason=body.reason,
        routing=application.routing,
    )
    return _transitioned(request, before, after)


@router.post(
    "/{order_id}/hold",
    response_model=OrderOut,
    summary="Hold the order: requests not yet accepted are recalled from their nodes",
)
def hold(
    request: Request,
    caller: CallerDep,
    order_id: OrderId,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> OrderOut:
    routing = _application(request).routing
    hold_order = partial(order_service.hold_order, routing=routing)
    return _hold_or_release(request, caller, order_id, body, hold_order)


@router.post(
    "/{order_id}/release",
    response_model=OrderOut,
    summary="Release a held order: its waiting fulfillment requests go to their nodes",
)
def release(
    request: Request,
    caller: CallerDep,
    order_id: OrderId,
    body: Annotated[ReasonIn | None, Body()] = None,
) -> OrderOut:
    return _hold_or_release(request, caller, order_id, body, order_service.release_order)


def _hold_or_release(
    request: Request,
    caller: Caller,
    order_id: str,
    body: ReasonIn | None,
    action: Callable[..., OrderView],
) -> OrderOut:
    application = _application(request)
    before = _own_order(application, caller, order_id)
    after = action(
        application.uow(),
        order_id,
        application.clock,
        actor=caller.actor,
        reason=(body or ReasonIn()).reason,
    )
    return _transitioned(request, before, after)


@router.post(
    "/{order_id}/address",
    response_model=OrderOut,
    summary="Change where the order ships, before a node accepts any of it; it is re-routed",
)
def change_address(
    request: Request, caller: CallerDep, order_id: OrderId, body: ShipToIn
) -> OrderOut:
    application = _application(request)
    before = _own_order(application, caller, order_id)
    after = order_service.change_address(
        application.uow(),
        order_id,
        ship_to(body, ""),
        application.clock,
        actor=caller.actor,
        routing=application.routing,
    )
    return _transitioned(request, before, after)


@router.post(
    "/{order_id}/redact",
    response_model=OrderOut,
    summary="Erase the recipient (personal data) of a fulfilled or cancelled order",
)
def redact(request: Request, caller: CallerDep, order_id: OrderId) -> OrderOut:
    caller.allow()
    application = _application(request)
    return order_out(
        order_service.redact_order(
            application.uow(), order_id, application.clock, actor=caller.actor
        )
    )
