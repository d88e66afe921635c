"""Fulfillment requests, as nodes see them: list their own, accept, reject, ship, deliver.
Each comes with its order's ship-to (who and where), channel order id and channel.

A node's key acts on its own requests only; admin on any.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request

from ordermesh.bootstrap import Application
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.entrypoints.api.auth import Caller, CallerDep
from ordermesh.entrypoints.api.dtos import (
    FulfillmentRequestOut,
    FulfillmentRequestPage,
    Id,
    RejectIn,
    ShipIn,
)
from ordermesh.entrypoints.api.metrics import Metrics
from ordermesh.entrypoints.api.routes.orders import ship_to_out, shipment_out
from ordermesh.services import fulfillment as fulfillment_service
from ordermesh.services import network as network_service
from ordermesh.services.orders import MAX_PAGE
from ordermesh.services.ports import FulfillmentRequest
from ordermesh.services.request_view import RequestView

router = APIRouter(prefix="/v1", tags=["fulfillment"])

RequestId = Annotated[
    str, Path(min_length=1, max_length=100, description="the fulfillment request id")
]
StatusFilter = Literal[
    "open", "created", "released", "accepted", "rejected", "shipped", "delivered", "cancelled"
]


def _application(request: Request) -> Application:
    application: Application = request.app.state.application
    return application


def request_out(view: RequestView) -> FulfillmentRequestOut:
    request = view.request
    return FulfillmentRequestOut(
        **shipment_out(request).model_dump(),
        order_id=request.order_id,
        external_id=view.external_id,
        channel=view.channel,
        ship_to=ship_to_out(view.ship_to),
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


def _answer(application: Application, request: FulfillmentRequest) -> FulfillmentRequestOut:
    """A changed request, read back with its order as the node receives it."""
    return request_out(fulfillment_service.get_request_view(application.read_uow(), request.id))


def _own_request(application: Application, caller: Caller, request_id: str) -> None:
    """403 unless the request is at the caller's node (or the caller is admin)."""
    caller.allow("node")
    found = fulfillment_service.get_request(application.read_uow(), request_id)
    caller.for_node(found.node_id)


@router.get(
    "/nodes/{node}/fulfillment-requests",
    response_model=FulfillmentRequestPage,
    summary="A node's fulfillment requests, oldest first (default: open, to act on)",
)
def list_requests(
    request: Request,
    caller: CallerDep,
    node: Annotated[Id, Path(description="the node id")],
    status: Annotated[
        list[StatusFilter] | None,
        Query(description="repeat for several; `open` = released or accepted (default)"),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> FulfillmentRequestPage:
    caller.for_node(node)
    application = _application(request)
    network_service.current_network(application.read_uow()).network.node(node)
    statuses: set[RequestStatus] | None = None
    if status:
        statuses = set()
        for value in status:
            if value == "open":
                statuses |= fulfillment_service.ACTIVE_STATUSES
            else:
                statuses.add(RequestStatus(value))
    page = fulfillment_service.list_requests(
        application.read_uow(), node, statuses, cursor=cursor, limit=limit
    )
    return FulfillmentRequestPage(
        items=[request_out(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/fulfillment-requests/{request_id}",
    response_model=FulfillmentRequestOut,
    summary="One fulfillment request",
)
def get_request(
    request: Request, caller: CallerDep, request_id: RequestId
) -> FulfillmentRequestOut:
    application = _application(request)
    _own_request(application, caller, request_id)
    return request_out(fulfillment_service.get_request_view(application.read_uow(), request_id))


@router.post(
    "/fulfillment-requests/{request_id}/accept",
    response_model=FulfillmentRequestOut,
    summary="The node will ship it",
)
def accept(request: Request, caller: CallerDep, request_id: RequestId) -> FulfillmentRequestOut:
    application = _application(request)
    _own_request(application, caller, request_id)
    return _answer(
        application,
        fulfillment_service.accept(
            application.uow(), request_id, application.clock, actor=caller.actor
        ),
    )


@router.post(
    "/fulfillment-requests/{request_id}/reject",
    response_model=FulfillmentRequestOut,
    summary="The node will not ship it: its units are routed elsewhere (or wait)",
)
def reject(
    request: Request, caller: CallerDep, request_id: RequestId, body: RejectIn
) -> FulfillmentRequestOut:
    application = _application(request)
    _own_request(application, caller, request_id)
    rejected = fulfillment_service.reject(
        application.uow(),
        request_id,
        body.reason,
        application.clock,
        actor=caller.actor,
        note=body.note,
        routing=application.routing,
    )
    metrics: Metrics = request.app.state.metrics
    metrics.rejections.labels(rejected.node_id).inc()
    return _answer(application, rejected)


@router.post(
    "/fulfillment-requests/{request_id}/ship",
    response_model=FulfillmentRequestOut,
    summary="Confirm the shipment (all units, or fewer: a short pick)",
)
def ship(
    request: Request,
    caller: CallerDep,
    request_id: RequestId,
    body: Annotated[ShipIn | None, Body()] = None,
) -> FulfillmentRequestOut:
    application = _application(request)
    _own_request(application, caller, request_id)
    body = body or ShipIn()
    shipped: dict[tuple[str, str], int] | None = None
    if body.lines is not None:
        shipped = {}
        for line in body.lines:
            key = (line.line_id, line.sku)
            shipped[key] = shipped.get(key, 0) + line.quantity
    return _answer(
        application,
        fulfillment_service.confirm_shipment(
            application.uow(),
            request_id,
            application.clock,
            actor=caller.actor,
            shipped=shipped,
            tracking_number=body.tracking_number,
            carrier=body.carrier,
            routing=application.routing,
        ),
    )


@router.post(
    "/fulfillment-requests/{request_id}/deliver",
    response_model=FulfillmentRequestOut,
    summary="The carrier delivered it",
)
def deliver(request: Request, caller: CallerDep, request_id: RequestId) -> FulfillmentRequestOut:
    application = _application(request)
    _own_request(application, caller, request_id)
    return _answer(
        application,
        fulfillment_service.mark_delivered(
            application.uow(), request_id, application.clock, actor=caller.actor
        ),
    )
