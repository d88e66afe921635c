"""Use cases of the nodes: read their fulfillment requests, accept, reject, confirm a
shipment (short picks included), mark delivered; and re-routing the requests of nodes a
new network version takes away.

A rejection or a short pick re-routes the missing units away from that node (the node is
remembered per order line), and when the node says the stock is not there, its on-hand
count drops by those units, journalled, so it stops selling them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from ordermesh.domain.errors import InvalidInput, Problem, UnknownFulfillmentRequest
from ordermesh.domain.events import EventType
from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.domain.lifecycle import OPEN_REQUEST_STATUSES, RejectReason, RequestStatus
from ordermesh.domain.network import Network
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.services.allocation import (
    Key,
    Session,
    allocate,
    current_network,
    emit_inventory_change,
    move_request,
    reference,
    refresh_status,
    shrink,
)
from ordermesh.services.orders import (
    MAX_PAGE,
    Page,
    cancel_requests,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from ordermesh.services.ports import (
    DEFAULT_ROUTING,
    Clock,
    FulfillmentRequest,
    OrderState,
    Routing,
    UnitOfWork,
)
from ordermesh.services.request_view import RequestView, request_views
from ordermesh.services.retry import retrying
from ordermesh.services.routing import Searches

# What a node works on: released to it, or accepted and not yet shipped.
ACTIVE_STATUSES = frozenset({RequestStatus.RELEASED, RequestStatus.ACCEPTED})

_SHRINK_REASONS = {
    RejectReason.STOCK_NOT_FOUND: AdjustmentReason.SHRINK,
    RejectReason.DAMAGED: AdjustmentReason.DAMAGE,
}


def list_requests(
    uow: UnitOfWork,
    node_id: str,
    statuses: Collection[RequestStatus] | None = None,
    *,
    cursor: str | None = None,
    limit: int = 100,
) -> Page[RequestView]:
    """A node's requests with their orders' ship-to, oldest first; by default the ones it
    has to act on."""
    check_limit(limit, MAX_PAGE)
    after = None if cursor is None else decode_cursor(cursor)
    wanted = ACTIVE_STATUSES if statuses is None else frozenset(statuses)
    with uow:
        found = uow.orders.requests_at([node_id], wanted, after, limit + 1)
        views = request_views(uow, found[:limit])
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(tuple(views), next_cursor)


def get_request(uow: UnitOfWork, request_id: str) -> FulfillmentRequest:
    with uow:
        request = uow.orders.get_request(request_id)
    if request is None:
        raise UnknownFulfillmentRequest(request_id)
    return request


def get_request_view(uow: UnitOfWork, request_id: str) -> RequestView:
    """The request as its node receives it: with its order's ship-to, id and channel."""
    with uow:
        request = uow.orders.get_request(request_id)
        if request is None:
            raise UnknownFulfillmentRequest(request_id)
        return request_views(uow, [request])[0]


def _load(session: Session, request_id: str) -> tuple[OrderState, FulfillmentRequest]:
    """The request and its order, the order locked first: every change to one order's
    requests then runs one at a time, and the request is read after the lock is held."""
    uow = session.uow
    request = uow.orders.get_request(request_id)
    if request is None:
        raise UnknownFulfillmentRequest(request_id)
    order = uow.orders.get(request.order_id, lock=True)
    fresh = uow.orders.get_request(request_id)
    assert order is not None and fresh is not None, "requests are never deleted"
    return order, fresh


def accept(uow: UnitOfWork, request_id: str, clock: Clock, *, actor: str) -> FulfillmentRequest:
    with uow:
        session = Session(uow, current_network(uow), clock.now(), actor)
        _, request = _load(session, request_id)
        accepted = move_request(session, request, RequestStatus.ACCEPTED, "accepted by the node")
        uow.orders.save_request(accepted, session.now)
        session.emit(
            EventType.FULFILLMENT_ACCEPTED,
            request.order_id,
            request_id=request.id,
            node_id=request.node_id,
        )
        session.flush()
        uow.commit()
        return accepted


def reject(
    uow: UnitOfWork,
    request_id: str,
    reason: RejectReason,
    clock: Clock,
    *,
    actor: str,
    note: str = "",
    routing: Routing = DEFAULT_ROUTING,
) -> FulfillmentRequest:
    """The node will not ship the request: its units go to other nodes (or wait), and if
    the stock is not there (``stock_not_found``, ``damaged``) the node's on-hand drops."""
    searches = Searches(routing)
    return retrying(
        lambda lock: _reject(uow, request_id, reason, clock, actor, note, lock, searches)
    )


def _reject(
    uow: UnitOfWork,
    request_id: str,
    reason: RejectReason,
    clock: Clock,
    actor: str,
    note: str,
    lock: bool,
    searches: Searches,
) -> FulfillmentRequest:
    with uow:
        session = Session(
            uow, current_network(uow), clock.now(), actor, lock_positions=lock, searches=searches
        )
        order, request = _load(session, request_id)
        why = f"{reason}: {note}" if note else str(reason)
        rejected = move_request(session, request, RequestStatus.REJECTED, why)
        rejected = replace(rejected, reject_reason=str(reason))
        uow.orders.save_request(rejected, session.now)
        missing: dict[Key, int] = {}
        for line in request.lines:
            units = line.wanted - line.shipped_quantity
            if units > 0:
                uow.inventory.release(reference(request.id, line.line_id, line.sku), session.now)
                missing[(line.line_id, line.sku)] = units
        if reason.stock_missing:
            _shrink_missing(session, request.node_id, missing, _SHRINK_REASONS[reason])
        session.emit(
            EventType.FULFILLMENT_REJECTED,
            request.order_id,
            request_id=request.id,
            node_id=request.node_id,
            reason=str(reason),
            note=note,
            lines=_units_json(missing),
        )
        order = _exclude(order, request.node_id, missing)
        order = allocate(session, order, missing, reason=f"rejected by {request.node_id}")
        refresh_status(session, order, f"{request.node_id} rejected {request.id}")
        session.flush()
        uow.commit()
        return rejected


def confirm_shipment(
    uow: UnitOfWork,
    request_id: str,
    clock: Clock,
    *,
    actor: str,
    shipped: Mapping[tuple[str, str], int] | None = None,
    tracking_number: str | None = None,
    carrier: str | None = None,
    routing: Routing = DEFAULT_ROUTING,
) -> FulfillmentRequest:
    """The node shipped the parcel: ``shipped`` units per (line id, SKU), every unit when
    None. Shipped units leave the node's stock (their reservation is consumed); units
    short of what was asked are taken off the node's count and routed elsewhere."""
    searches = Searches(routing)
    return retrying(
        lambda lock: _confirm(
            uow, request_id, clock, actor, shipped, tracking_number, carrier, lock, searches
        )
    )


def _confirm(
    uow: UnitOfWork,
    request_id: str,
    clock: Clock,
    actor: str,
    shipped: Mapping[tuple[str, str], int] | None,
    tracking_number: str | None,
    carrier: str | None,
    lock: bool,
    searches: Searches,
) -> FulfillmentRequest:
    with uow:
        session = Session(
            uow, current_network(uow), clock.now(), actor, lock_positions=lock, searches=searches
        )
        order, request = _load(session, request_id)
        counts = _shipped_counts(request, shipped)
        done = move_request(session, request, RequestStatus.SHIPPED, "shipped")
        done = replace(
            done,
            tracking_number=tracking_number,
            carrier=carrier,
            lines=tuple(
                replace(line, shipped_quantity=counts[(line.line_id, line.sku)])
                for line in request.lines
            ),
        )
        uow.orders.save_request(done, session.now)
        missing: dict[Key, int] = {}
        for line in request.lines:
            key = (line.line_id, line.sku)
            ref = reference(request.id, line.line_id, line.sku)
            change = uow.reservations.consume(ref, counts[key], actor, session.now)
            if change is not None:
                emit_inventory_change(session, change)
            if line.wanted > counts[key]:
                missing[key] = line.wanted - counts[key]
        session.emit(
            EventType.FULFILLMENT_SHIPPED,
            request.order_id,
            request_id=request.id,
            node_id=request.node_id,
            tracking_number=tracking_number,
            carrier=carrier,
            lines=[
                {
                    "line_id": line.line_id,
                    "sku": line.sku,
                    "quantity": line.wanted,
                    "shipped": counts[(line.line_id, line.sku)],
                }
                for line in request.lines
            ],
        )
        if missing:
            # A short pick: the node did not find the rest, so it does not have it.
            _shrink_missing(session, request.node_id, missing, AdjustmentReason.SHRINK)
            order = _exclude(order, request.node_id, missing)
            order = allocate(session, order, missing, reason=f"short pick at {request.node_id}")
        refresh_status(session, order, f"{request.node_id} shipped {request.id}")
        session.flush()
        uow.commit()
        return done


def _shipped_counts(
    request: FulfillmentRequest, shipped: Mapping[tuple[str, str], int] | None
) -> dict[Key, int]:
    wanted = {(line.line_id, line.sku): line.wanted for line in request.lines}
    if shipped is None:
        return wanted
    problems = []
    for (line_id, sku), units in shipped.items():
        where = f"shipped[{line_id}][{sku}]"
        if (line_id, sku) not in wanted:
            problems.append(Problem(where, "not a line of this fulfillment request"))
        elif not 0 <= units <= wanted[(line_id, sku)]:
            problems.append(Problem(where, f"must be 0 to {wanted[(line_id, sku)]}"))
    counts = {key: shipped.get(key, 0) for key in wanted}
    if not problems and sum(counts.values()) == 0:
        problems.append(Problem("shipped", "nothing shipped: reject the request instead"))
    if problems:
        raise InvalidInput("shipment", problems)
    return counts


def mark_delivered(
    uow: UnitOfWork, request_id: str, clock: Clock, *, actor: str
) -> FulfillmentRequest:
    with uow:
        session = Session(uow, current_network(uow), clock.now(), actor)
        _, request = _load(session, request_id)
        delivered = move_request(session, request, RequestStatus.DELIVERED, "delivered")
        uow.orders.save_request(delivered, session.now)
        session.emit(
            EventType.FULFILLMENT_DELIVERED,
            request.order_id,
            request_id=request.id,
            node_id=request.node_id,
        )
        session.flush()
        uow.commit()
        return delivered


def reroute_from_nodes(
    uow: UnitOfWork,
    network: Network,
    node_ids: Collection[str],
    actor: str,
    clock: Clock,
    *,
    searches: Searches,
    which: Callable[[FulfillmentRequest], bool] = lambda _request: True,
    reason: str = "node taken out of the network",
) -> list[str]:
    """Within the caller's unit of work: cancel the requests at ``node_ids`` that no node
    has accepted yet (created or released), those ``which`` selects, and route their units
    again. Returns the orders re-routed. Accepted requests stay: the node has the parcel
    in hand."""
    session = Session(uow, network, clock.now(), actor, searches=searches)
    unaccepted = OPEN_REQUEST_STATUSES - {RequestStatus.ACCEPTED}
    by_order: defaultdict[str, list[str]] = defaultdict(list)
    for request in uow.orders.requests_at(node_ids, unaccepted):
        if which(request):
            by_order[request.order_id].append(request.id)
    for order_id in sorted(by_order):
        order = uow.orders.get(order_id, lock=True)
        assert order is not None, "orders are never deleted"
        requests = [
            request
            for request in uow.orders.requests_of([order_id])
            if request.id in by_order[order_id] and request.status in unaccepted
        ]
        needs = cancel_requests(session, requests, reason)
        order = allocate(session, order, needs, reason=reason)
        refresh_status(session, order, reason)
    session.flush()
    return sorted(by_order)


def _shrink_missing(
    session: Session, node_id: str, missing: Mapping[Key, int], reason: AdjustmentReason
) -> None:
    per_sku: defaultdict[str, int] = defaultdict(int)
    for (_, sku), units in missing.items():
        per_sku[sku] += units
    for sku, units in sorted(per_sku.items()):
        shrink(session, node_id, sku, units, reason)


def _exclude(order: OrderState, node_id: str, missing: Mapping[Key, int]) -> OrderState:
    lines = {line_id for line_id, _ in missing}
    return replace(
        order,
        lines=tuple(
            replace(line, excluded_nodes=line.excluded_nodes | {node_id})
            if line.line_id in lines
            else line
            for line in order.lines
        ),
    )


def _units_json(units: Mapping[Key, int]) -> list[JsonValue]:
    return [
        {"line_id": line_id, "sku": sku, "quantity": quantity}
        for (line_id, sku), quantity in sorted(units.items())
    ]
