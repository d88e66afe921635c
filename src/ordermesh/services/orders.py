"""Use cases on orders: place (idempotently), read, list, cancel, hold, release, change
the address; read the event outbox; reconcile reservations with open shipments.

Each runs in one unit of work: load, decide with the domain, write the result and its
events, commit. Those that reserve stock run again from scratch when a concurrent writer
took the units they read (``retry.retrying``), so nothing is ever oversold and no
order is lost to a race.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Generic, TypeVar

from ordermesh.domain.errors import (
    DuplicateOrder,
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidInput,
    Problem,
    RequestAccepted,
    UnknownOrder,
)
from ordermesh.domain.events import EventType
from ordermesh.domain.idempotency import is_reuse
from ordermesh.domain.lifecycle import (
    EntityKind,
    HoldState,
    OrderStatus,
    RequestStatus,
    Transition,
    hold_transition,
    redaction_transition,
)
from ordermesh.domain.model import Capability
from ordermesh.domain.network import Network
from ordermesh.domain.order import OrderLine, ShipTo, recipient_problems
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.domain.served_area import destination_problems
from ordermesh.services.allocation import (
    Key,
    OrderUnits,
    Session,
    allocate,
    cancel_request,
    current_network,
    move_request,
    order_units,
    reference,
    refresh_status,
    sku_units,
    take_request_units,
)
from ordermesh.services.backorders import reroute_waiting
from ordermesh.services.ports import (
    DEFAULT_ROUTING,
    BackorderEntry,
    Clock,
    FulfillmentRequest,
    NewOrder,
    OrderFilter,
    OrderLineState,
    OrderState,
    Routing,
    StoredEvent,
    TransitionEntry,
    UnitOfWork,
)
from ordermesh.services.request_view import (
    nodes_holding,
    redacted_data,
    released_data,
    request_view,
)
from ordermesh.services.retry import retrying
from ordermesh.services.routing import Searches

T = TypeVar("T")

MAX_QUANTITY = 10_000
MAX_LINES = 500
MAX_PAGE = 200
MAX_EVENTS_PAGE = 1000
MAX_KEY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """An order as a channel submits it. ``ship_to.location`` must already be resolved to
    coordinates (the edge geocodes postal codes); for a pickup order it is replaced by the
    pickup node's location. ``placed_at`` defaults to the time it is accepted."""

    channel: str
    ship_to: ShipTo
    service_level: str
    lines: tuple[OrderLine, ...]
    external_id: str | None = None
    idempotency_key: str | None = None
    customer_tier: str | None = None
    tags: tuple[str, ...] = ()
    placed_at: datetime | None = None
    hold: bool = False  # place it on hold: its fulfillment requests wait to be released
    priority: int = 100  # of its backorders: lower is served first
    # The currency of the unit prices: None is the network's; any other is refused.
    currency: str | None = None
    notes: tuple[str, ...] = ()  # what the channel sent that the order does not carry
    # Of the request body, when it came under an Idempotency-Key (domain/idempotency.py).
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class OrderView:
    id: str
    channel: str
    external_id: str | None
    idempotency_key: str | None
    customer_tier: str | None
    ship_to: ShipTo
    service_level: str
    tags: tuple[str, ...]
    status: OrderStatus
    on_hold: bool
    placed_at: datetime
    promised_by: date | None
    rule_set_id: str | None
    rule_set_version: int | None
    lines: tuple[OrderLineState, ...]
    shipments: tuple[FulfillmentRequest, ...]  # every request, whatever its status
    backordered: tuple[BackorderEntry, ...]  # units still waiting
    explanation: Mapping[str, JsonValue] | None  # of the latest routing decision
    created_at: datetime
    updated_at: datetime
    currency: str | None = None
    notes: tuple[str, ...] = ()
    redacted_at: datetime | None = None  # when the recipient was erased (docs/lifecycle.md)

    @property
    def readers(self) -> frozenset[str]:
        """The nodes that may read the order and its recipient (docs/api.md)."""
        return nodes_holding(self.shipments)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None  # None: this was the last page


# -- views ----------------------------------------------------------------------------------


def _views(uow: UnitOfWork, orders: Sequence[OrderState]) -> list[OrderView]:
    ids = [order.id for order in orders]
    requests: defaultdict[str, list[FulfillmentRequest]] = defaultdict(list)
    for request in uow.orders.requests_of(ids):
        requests[request.order_id].append(request)
    waiting: defaultdict[str, list[BackorderEntry]] = defaultdict(list)
    for backorder in uow.orders.backorders_of(ids):
        waiting[backorder.order_id].append(backorder)
    return [_view_of(order, requests[order.id], waiting[order.id]) for order in orders]


def _view_of(
    order: OrderState,
    requests: Sequence[FulfillmentRequest],
    waiting: Sequence[BackorderEntry],
) -> OrderView:
    return OrderView(
        id=order.id,
        channel=order.channel,
        external_id=order.external_id,
        idempotency_key=order.idempotency_key,
        customer_tier=order.customer_tier,
        ship_to=order.ship_to,
        service_level=order.service_level,
        tags=order.tags,
        status=order.status,
        on_hold=order.on_hold,
        placed_at=order.placed_at,
        promised_by=order.promised_by,
        rule_set_id=order.rule_set_id,
        rule_set_version=order.rule_set_version,
        lines=order.lines,
        shipments=tuple(requests),
        backordered=tuple(waiting),
        explanation=order.explanation,
        created_at=order.created_at,
        updated_at=order.updated_at,
        currency=order.currency,
        notes=order.notes,
        redacted_at=order.redacted_at,
    )


def _as_stored(order_id: str, order: NewOrder, at: datetime) -> OrderState:
    """The order as a read of the rows ``uow.orders.add`` just wrote returns it: received,
    times in UTC, prices as the float column gives them back."""
    at = at.astimezone(UTC)
    return OrderState(
        id=order_id,
        channel=order.channel,
        external_id=order.external_id,
        idempotency_key=order.idempotency_key,
        customer_tier=order.customer_tier,
        ship_to=order.ship_to,
        service_level=order.service_level,
        tags=tuple(order.tags),
        status=OrderStatus.RECEIVED,
        on_hold=order.on_hold,
        priority=order.priority,
        placed_at=order.placed_at.astimezone(UTC),
        promised_by=None,
        rule_set_id=None,
        rule_set_version=None,
        explanation=None,
        created_at=at,
        updated_at=at,
        lines=tuple(
            OrderLineState(
                line_id=line.line_id,
                item=line.item,
                quantity=line.quantity,
                unit_price=None if line.unit_price is None else float(line.unit_price),
            )
            for line in order.lines
        ),
        currency=order.currency,
        notes=order.notes,
    )


def _view(uow: UnitOfWork, order_id: str) -> OrderView:
    order = uow.orders.get(order_id)
    if order is None:
        raise UnknownOrder(order_id)
    return _views(uow, [order])[0]


def _locked(uow: UnitOfWork, order_id: str) -> OrderState:
    order = uow.orders.get(order_id, lock=True)
    if order is None:
        raise UnknownOrder(order_id)
    return order


# -- placing --------------------------------------------------------------------------------


def check_order(command: PlaceOrder, network: Network) -> None:
    """Every problem of an order at once, with the path of each bad field."""
    problems: list[Problem] = []
    if command.channel not in network.channels:
        problems.append(Problem("channel", f"unknown channel {command.channel!r}"))
    if command.service_level not in network.service_levels:
        problems.append(
            Problem("service_level", f"unknown service level {command.service_level!r}")
        )
    for name, value in (
        ("external_id", command.external_id),
        ("idempotency_key", command.idempotency_key),
    ):
        if value is not None and not 1 <= len(value) <= MAX_KEY_LENGTH:
            problems.append(Problem(name, f"must be 1 to {MAX_KEY_LENGTH} characters"))
    if not command.lines:
        problems.append(Problem("lines", "an order needs at least one line"))
    if len(command.lines) > MAX_LINES:
        problems.append(Problem("lines", f"at most {MAX_LINES} lines"))
    seen: set[str] = set()
    for index, line in enumerate(command.lines):
        where = f"lines[{index}]"
        if not line.line_id:
            problems.append(Problem(f"{where}.line_id", "must not be empty"))
        elif line.line_id in seen:
            problems.append(Problem(f"{where}.line_id", f"duplicate line id {line.line_id!r}"))
        seen.add(line.line_id)
        if not network.is_sellable(line.item):
            problems.append(Problem(f"{where}.sku", f"unknown SKU or bundle {line.item!r}"))
        if not 1 <= line.quantity <= MAX_QUANTITY:
            problems.append(Problem(f"{where}.quantity", f"must be 1 to {MAX_QUANTITY}"))
        if line.unit_price is not None and not line.unit_price >= 0:
            problems.append(Problem(f"{where}.unit_price", "must be zero or more"))
    problems.extend(_ship_to_problems(command.ship_to, network))
    if command.currency is not None and command.currency != network.currency:
        problems.append(
            Problem(
                "currency",
                f"the network prices in {network.currency}, not {command.currency}",
            )
        )
    if command.placed_at is not None and command.placed_at.utcoffset() is None:
        problems.append(Problem("placed_at", "must carry a time zone"))
    if problems:
        raise InvalidInput("order", problems)


def _ship_to_problems(ship_to: ShipTo, network: Network) -> list[Problem]:
    recipient = ship_to.recipient
    problems = [] if recipient is None else recipient_problems(recipient)
    return problems + _destination_problems(ship_to, network)


def _destination_problems(ship_to: ShipTo, network: Network) -> list[Problem]:
    pickup = ship_to.pickup_node
    if pickup is not None:
        node = network.nodes.get(pickup)
        if node is None:
            return [Problem("ship_to.pickup_node", f"unknown node {pickup!r}")]
        if not node.enabled or not node.can(Capability.PICKUP):
            return [Problem("ship_to.pickup_node", f"{pickup} does not offer pickup")]
        return []
    location = ship_to.location
    if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
        return [Problem("ship_to", "latitude or longitude out of range")]
    return destination_problems(location, network)


def _refuse_reused_key(uow: UnitOfWork, command: PlaceOrder) -> None:
    """``IdempotencyKeyReused`` when the channel placed an order under this request's key
    from a different request; a repeat of the same request passes."""
    if command.idempotency_key is None:
        return
    held = uow.orders.key_fingerprint(command.channel, command.idempotency_key)
    if held is not None and is_reuse(held[1], command.fingerprint):
        raise IdempotencyKeyReused(command.channel, command.idempotency_key, held[0])


def _resolved(ship_to: ShipTo, network: Network) -> ShipTo:
    if ship_to.pickup_node is None:
        return ship_to
    # The customer who collects keeps their name, phone and e-mail for the store to call.
    return replace(ship_to, location=network.nodes[ship_to.pickup_node].location)


def place_order(
    uow: UnitOfWork,
    command: PlaceOrder,
    clock: Clock,
    *,
    actor: str,
    routing: Routing = DEFAULT_ROUTING,
) -> tuple[OrderView, bool]:
    """Accept, route and reserve an order; returns (the order, whether it was created).

    A repeat of an order already placed (same channel and idempotency key, or same channel
    and external id) returns the original and creates nothing, even when the two requests
    race: the loser's insert breaks a unique constraint, it rolls back and reads the winner.
    The same idempotency key from a request with another fingerprint is refused instead
    (``IdempotencyKeyReused``), raced or not.
    ``routing`` searches the plan; a slow solve (a large order's MIP) runs between two runs
    of the unit of work, not inside one (``services.routing``).
    """
    try:
        searches = Searches(routing)
        return retrying(lambda lock: _place(uow, command, clock, actor, lock, searches))
    except DuplicateOrder:
        with uow:
            existing = uow.orders.find_by_key(
                command.channel, command.idempotency_key, command.external_id
            )
            if existing is None:
                raise
            _refuse_reused_key(uow, command)
            return _view(uow, existing), False


def _place(
    uow: UnitOfWork,
    command: PlaceOrder,
    clock: Clock,
    actor: str,
    lock: bool,
    searches: Searches,
) -> tuple[OrderView, bool]:
    with uow:
        network = current_network(uow)
        check_order(command, network)
        existing = uow.orders.find_by_key(
            command.channel, command.idempotency_key, command.external_id
        )
        if existing is not None:
            _refuse_reused_key(uow, command)
            return _view(uow, existing), False
        now = clock.now()
        session = Session(uow, network, now, actor, lock_positions=lock, searches=searches)
        new_order = NewOrder(
            channel=command.channel,
            external_id=command.external_id,
            idempotency_key=command.idempotency_key,
            customer_tier=command.customer_tier,
            ship_to=_resolved(command.ship_to, network),
            service_level=command.service_level,
            tags=tuple(command.tags),
            on_hold=command.hold,
            priority=command.priority,
            placed_at=command.placed_at or now,
            lines=command.lines,
            currency=command.currency or network.currency,
            notes=command.notes,
            fingerprint=command.fingerprint,
        )
        order_id = uow.orders.add(new_order, now)
        session.new_orders.add(order_id)
        session.record(
            Transition(EntityKind.ORDER, order_id, None, OrderStatus.RECEIVED), order_id, "placed"
        )
        session.emit(
            EventType.ORDER_RECEIVED,
            order_id,
            channel=command.channel,
            external_id=command.external_id,
            lines=[
                {"line_id": line.line_id, "item": line.item, "quantity": line.quantity}
                for line in command.lines
            ],
        )
        if command.hold:
            session.record(
                Transition(EntityKind.ORDER_HOLD, order_id, HoldState.ACTIVE, HoldState.ON_HOLD),
                order_id,
                "placed on hold",
            )
            session.emit(EventType.ORDER_HELD, order_id, reason="placed on hold")
        # No read back: this transaction inserted the row (so holds its lock, as
        # ``_locked`` would take) and nothing else can have touched it.
        order = _as_stored(order_id, new_order, now)
        needs = {
            (line.line_id, sku): units
            for line in order.lines
            for sku, units in sku_units(network, line.item, line.quantity).items()
        }
        order = allocate(session, order, needs, whole_order=True, reason="placed")
        # A new order has exactly the requests and backorders this session wrote.
        requests = sorted(session.written_requests, key=lambda r: (r.created_at, r.id))
        waiting = sorted(session.written_backorders, key=lambda b: (b.created_at, b.id))
        order = refresh_status(session, order, "routed", requests=requests, backorders=waiting)
        view = _view_of(order, requests, waiting)
        session.flush()
        uow.commit()
        return view, True


# -- reading --------------------------------------------------------------------------------


def get_order(uow: UnitOfWork, order_id: str) -> OrderView:
    with uow:
        return _view(uow, order_id)


def order_history(uow: UnitOfWork, order_id: str) -> list[TransitionEntry]:
    """Every recorded transition of the order and its fulfillment requests, oldest first."""
    with uow:
        if uow.orders.get(order_id) is None:
            raise UnknownOrder(order_id)
        return uow.orders.transitions(order_id)


def encode_cursor(created_at: datetime, entity_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), entity_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor names; ``InvalidInput`` for anything this did not write."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, entity_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = datetime.fromisoformat(created)
        if not isinstance(entity_id, str) or at.utcoffset() is None:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", [Problem("cursor", "not a cursor this API issued")]) from None
    return at, entity_id


def check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise InvalidInput("page", [Problem("limit", f"must be 1 to {maximum}")])


def list_orders(
    uow: UnitOfWork,
    *,
    status: OrderStatus | None = None,
    channel: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    node: str | None = None,
    sku: str | None = None,
    external_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OrderView]:
    """Orders newest first; pass ``next_cursor`` back for the next page."""
    check_limit(limit, MAX_PAGE)
    after = None if cursor is None else decode_cursor(cursor)
    where = OrderFilter(status, channel, created_from, created_to, node, sku, external_id)
    with uow:
        # One more than asked tells whether there is a next page without a count query.
        found = uow.orders.page(where, after, limit + 1)
        views = _views(uow, found[:limit])
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(tuple(views), next_cursor)


def list_events(uow: UnitOfWork, after: int = 0, limit: int = 100) -> list[StoredEvent]:
    """Outbox events with an id above ``after``, in id order."""
    check_limit(limit, MAX_EVENTS_PAGE)
    with uow:
        return uow.events.after(after, limit)


# -- cancelling -----------------------------------------------------------------------------


def cancel_order(
    uow: UnitOfWork,
    order_id: str,
    clock: Clock,
    *,
    actor: str,
    lines: Mapping[str, int] | None = None,
    reason: str = "",
    routing: Routing = DEFAULT_ROUTING,
) -> OrderView:
    """Cancel the whole order (``lines`` None), or so many units of some lines, before they
    ship. Waiting units go first, then units in requests least far along; their
    reservations are released and waiting backorders of those SKUs are re-routed."""
    searches = Searches(routing)
    return retrying(
        lambda lock: _cancel(uow, order_id, clock, actor, lines, reason, lock, searches)
    )


def _cancel(
    uow: UnitOfWork,
    order_id: str,
    clock: Clock,
    actor: str,
    lines: Mapping[str, int] | None,
    reason: str,
    lock: bool,
    searches: Searches,
) -> OrderView:
    with uow:
        network = current_network(uow)
        session = Session(uow, network, clock.now(), actor, lock_positions=lock, searches=searches)
        order = _locked(uow, order_id)
        if not order.status.is_open:
            raise IllegalTransition(
                str(EntityKind.ORDER), order_id, order.status, OrderStatus.CANCELLED
            )
        requests = uow.orders.requests_of([order_id])
        waiting = uow.orders.backorders_of([order_id])
        units = order_units(network, order, requests, waiting)
        if lines is None:
            if any(request.status.has_shipped for request in requests):
                raise IllegalTransition(
                    str(EntityKind.ORDER),
                    order_id,
                    order.status,
                    OrderStatus.CANCELLED,
                    "units have shipped: cancel the lines still open instead",
                )
            wanted = {line.line_id: line.quantity - line.cancelled_quantity for line in order.lines}
        else:
            wanted = _check_cancellation(network, order, lines, units)
        per_key: dict[Key, int] = {}
        by_id = {line.line_id: line for line in order.lines}
        for line_id, quantity in wanted.items():
            for sku, count in sku_units(network, by_id[line_id].item, quantity).items():
                per_key[(line_id, sku)] = count
        freed = _take_units(session, requests, waiting, per_key, reason or "cancelled")
        order = replace(
            order,
            lines=tuple(
                replace(line, cancelled_quantity=line.cancelled_quantity + wanted[line.line_id])
                if line.line_id in wanted
                else line
                for line in order.lines
            ),
        )
        if lines is not None:
            session.emit(
                EventType.ORDER_LINES_CANCELLED,
                order_id,
                lines=[{"line_id": line_id, "quantity": n} for line_id, n in wanted.items()],
                reason=reason,
            )
        order = refresh_status(session, order, reason or "cancelled")
        reroute_waiting(session, freed)
        view = _views(uow, [order])[0]
        session.flush()
        uow.commit()
        return view


def _check_cancellation(
    network: Network, order: OrderState, lines: Mapping[str, int], units: OrderUnits
) -> dict[str, int]:
    by_id = {line.line_id: line for line in order.lines}
    problems = []
    for line_id, quantity in lines.items():
        if line_id not in by_id:
            problems.append(Problem(f"lines.{line_id}", f"the order has no line {line_id!r}"))
        elif quantity < 1:
            problems.append(Problem(f"lines.{line_id}", "must be 1 or more"))
    if problems or not lines:
        raise InvalidInput("cancellation", problems or [Problem("lines", "name a line")])
    for line_id, quantity in lines.items():
        line = by_id[line_id]
        per_unit = sku_units(network, line.item, 1)
        cancellable = min(units.unshipped((line_id, sku)) // k for sku, k in per_unit.items())
        if quantity > cancellable:
            raise IllegalTransition(
                str(EntityKind.ORDER),
                order.id,
                order.status,
                OrderStatus.CANCELLED,
                f"line {line_id}: {cancellable} unit(s) not yet shipped, {quantity} asked",
            )
    return dict(lines)


_CANCEL_ORDER = {RequestStatus.CREATED: 0, RequestStatus.RELEASED: 1, RequestStatus.ACCEPTED: 2}


def _take_units(
    session: Session,
    requests: Sequence[FulfillmentRequest],
    waiting: Sequence[BackorderEntry],
    per_key: Mapping[Key, int],
    reason: str,
) -> set[str]:
    """Cancel ``per_key`` units, waiting ones first; returns the SKUs whose stock was freed.
    ``RequestAccepted`` when the units can only come from a request its node accepted."""
    uow = session.uow
    left = dict(per_key)
    for backorder in sorted(waiting, key=lambda b: (b.created_at, b.id), reverse=True):
        key = (backorder.line_id, backorder.sku)
        take = min(left.get(key, 0), backorder.quantity)
        if take:
            uow.orders.set_backorder_quantity(backorder.id, backorder.quantity - take)
            left[key] -= take
    plan: list[tuple[FulfillmentRequest, dict[Key, int]]] = []
    open_requests = sorted(
        (r for r in requests if r.status.holds_stock),
        key=lambda r: (_CANCEL_ORDER[r.status], r.created_at, r.id),
    )
    for request in open_requests:
        take_here: dict[Key, int] = {}
        for line in request.lines:
            key = (line.line_id, line.sku)
            take = min(left.get(key, 0), line.wanted - line.shipped_quantity)
            if take:
                left[key] -= take
                take_here[key] = take
        if take_here:
            _refuse_if_accepted(request, "cancel")
            plan.append((request, take_here))
    freed: set[str] = set()
    for request, take_here in plan:
        take_request_units(session, request, take_here, reason)
        freed.update(sku for _, sku in take_here)
    return freed


def _refuse_if_accepted(request: FulfillmentRequest, change: str) -> None:
    """A request its node accepted is not changed behind the node's back: the caller asks
    the node to reject it (its units are then routed again) and tries again."""
    if request.status is RequestStatus.ACCEPTED:
        raise RequestAccepted(request.order_id, request.id, request.node_id, change)


def cancel_requests(
    session: Session, requests: Sequence[FulfillmentRequest], reason: str
) -> dict[Key, int]:
    """Cancel whole open requests, releasing their reservations; returns their units."""
    units: defaultdict[Key, int] = defaultdict(int)
    for request in requests:
        for line in request.lines:
            open_units = line.wanted - line.shipped_quantity
            if open_units > 0:
                session.uow.inventory.release(
                    reference(request.id, line.line_id, line.sku), session.now
                )
                units[(line.line_id, line.sku)] += open_units
        session.uow.orders.save_request(cancel_request(session, request, reason), session.now)
    return dict(units)


# -- hold, release, address -----------------------------------------------------------------


def hold_order(
    uow: UnitOfWork,
    order_id: str,
    clock: Clock,
    *,
    actor: str,
    reason: str = "",
    routing: Routing = DEFAULT_ROUTING,
) -> OrderView:
    """Stop releasing the order's fulfillment requests to nodes until it is released.
    Requests already released and not yet accepted are recalled: cancelled at their nodes
    (which are told) and their units routed again as requests that wait, unreleased, for
    the order's release. Accepted requests stay with their nodes (docs/lifecycle.md)."""
    searches = Searches(routing)
    return retrying(lambda lock: _hold(uow, order_id, clock, actor, reason, lock, searches))


def _hold(
    uow: UnitOfWork,
    order_id: str,
    clock: Clock,
    actor: str,
    reason: str,
    lock: bool,
    searches: Searches,
) -> OrderView:
    with uow:
        network = current_network(uow)
        session = Session(uow, network, clock.now(), actor, lock_positions=lock, searches=searches)
        order = _locked(uow, order_id)
        session.record(
            hold_transition(order_id, order.status, order.on_hold, HoldState.ON_HOLD),
            order_id,
            reason,
        )
        session.emit(EventType.ORDER_HELD, order_id, reason=reason)
        order = replace(order, on_hold=True)
        released = [
            r for r in uow.orders.requests_of([order_id]) if r.status is RequestStatus.RELEASED
        ]
        if released:
            why = f"order held: {reason}" if reason else "order held"
            needs = cancel_requests(session, released, why)
            order = allocate(session, order, needs, reason=why)
            order = refresh_status(session, order, why)
        else:
            uow.orders.save(order, session.now)
        view = _view(uow, order_id)
        session.flush()
        uow.commit()
        return view


def release_order(
    uow: UnitOfWork, order_id: str, clock: Clock, *, actor: str, reason: str = ""
) -> OrderView:
    """Take the order off hold and release its waiting (created) requests to their nodes."""
    with uow:
        network = current_network(uow)
        session = Session(uow, network, clock.now(), actor)
        order = _locked(uow, order_id)
        session.record(
            hold_transition(order_id, order.status, order.on_hold, HoldState.ACTIVE),
            order_id,
            reason,
        )
        session.emit(EventType.ORDER_RELEASED, order_id, reason=reason)
        uow.orders.save(replace(order, on_hold=False), session.now)
        for request in uow.orders.requests_of([order_id]):
            if request.status is RequestStatus.CREATED:
                released = move_request(session, request, RequestStatus.RELEASED, "order released")
                uow.orders.save_request(released, session.now)
                session.emit(
                    EventType.FULFILLMENT_RELEASED,
                    order_id,
                    **released_data(request_view(released, order)),
                )
        view = _view(uow, order_id)
        session.flush()
        uow.commit()
        return view


# Requests no node has accepted: an address change cancels them (telling a node that had
# one) and routes their units to the new address.
_RECALLABLE = frozenset({RequestStatus.CREATED, RequestStatus.RELEASED})
_ADDRESS_CHANGEABLE = _RECALLABLE | {RequestStatus.CANCELLED, RequestStatus.REJECTED}


def change_address(
    uow: UnitOfWork,
    order_id: str,
    ship_to: ShipTo,
    clock: Clock,
    *,
    actor: str,
    routing: Routing = DEFAULT_ROUTING,
) -> OrderView:
    """Ship the order somewhere else, while no node has accepted or shipped any of it:
    its requests are cancelled (a node that had one is told, ``fulfillment.cancelled``),
    their stock released, and every unit is routed again to the new address.
    ``RequestAccepted`` when a node has accepted one of its requests."""
    searches = Searches(routing)
    return retrying(
        lambda lock: _change_address(uow, order_id, ship_to, clock, actor, lock, searches)
    )


def _change_address(
    uow: UnitOfWork,
    order_id: str,
    ship_to: ShipTo,
    clock: Clock,
    actor: str,
    lock: bool,
    searches: Searches,
) -> OrderView:
    with uow:
        network = current_network(uow)
        problems = _ship_to_problems(ship_to, network)
        if problems:
            raise InvalidInput("address", problems)
        session = Session(uow, network, clock.now(), actor, lock_positions=lock, searches=searches)
        order = _locked(uow, order_id)
        if not order.status.is_open:
            raise IllegalTransition(
                str(EntityKind.ORDER), order_id, order.status, "address_changed"
            )
        requests = uow.orders.requests_of([order_id])
        for request in requests:
            # Finished requests (cancelled, rejected) hold nothing; one not yet accepted is
            # recalled from its node; an accepted one may already be packed.
            _refuse_if_accepted(request, "address change")
            if request.status not in _ADDRESS_CHANGEABLE:
                raise IllegalTransition(
                    str(EntityKind.FULFILLMENT_REQUEST),
                    request.id,
                    request.status,
                    RequestStatus.CANCELLED,
                    "units have shipped: the address can no longer change",
                )
        needs: defaultdict[Key, int] = defaultdict(int)
        recalled = [r for r in requests if r.status in _RECALLABLE]
        for key, units in cancel_requests(session, recalled, "address changed").items():
            needs[key] += units
        waiting = uow.orders.backorders_of([order_id])
        for backorder in waiting:
            needs[(backorder.line_id, backorder.sku)] += backorder.quantity
        order = replace(order, ship_to=_resolved(ship_to, network))
        session.emit(
            EventType.ORDER_ADDRESS_CHANGED,
            order_id,
            postal_code=ship_to.location.postal_code,
            country=ship_to.location.country,
            pickup_node=ship_to.pickup_node,
        )
        order = allocate(session, order, needs, waiting=waiting, reason="address changed")
        order = refresh_status(session, order, "address changed")
        view = _views(uow, [order])[0]
        session.flush()
        uow.commit()
        return view


# -- redaction ------------------------------------------------------------------------------

# What an intake exception's raw payload reads once the order it became is redacted.
REDACTED_PAYLOAD = ""


def redact_order(uow: UnitOfWork, order_id: str, clock: Clock, *, actor: str) -> OrderView:
    """Erase the recipient (name, company, street, city, region, phone, e-mail) of a
    fulfilled or cancelled order, wherever ordermesh keeps it: the order, the data of
    its stored events and the raw payload of an intake exception it was placed from.
    Postal code and country stay, for KPIs. Recorded as an ``order_recipient`` transition
    and an ``order.redacted`` event."""
    with uow:
        session = Session(uow, current_network(uow), clock.now(), actor)
        order = _locked(uow, order_id)
        session.record(
            redaction_transition(order_id, order.status, order.redacted_at is not None),
            order_id,
            "personal data erased",
        )
        ship_to = replace(order.ship_to, recipient=None)
        uow.orders.save(replace(order, ship_to=ship_to, redacted_at=session.now), session.now)
        for event in uow.events.of_order(order_id):
            erased = redacted_data(event.data)
            if erased is not None:
                uow.events.rewrite(event.id, erased)
        # The raw delivery an intake exception kept holds the same address; once it
        # became this order nothing reads it again.
        for kept in uow.intake_exceptions.of_order(order_id):
            uow.intake_exceptions.save(replace(kept, payload=REDACTED_PAYLOAD))
        session.emit(EventType.ORDER_REDACTED, order_id, actor=actor)
        view = _view(uow, order_id)
        session.flush()
        uow.commit()
        return view


# -- reconciliation -------------------------------------------------------------------------


def reconcile(uow: UnitOfWork) -> list[str]:
    """Every disagreement between the stock ledger and the orders; empty when all agree.

    - each position's ``reserved`` equals its open reservations;
    - each open reservation belongs to an open fulfillment request line and holds exactly
      its unshipped units, and each such line has its reservation;
    - each order line's units are all accounted for: cancelled, waiting, in an open
      request or shipped.
    """
    problems: list[str] = []
    with uow:
        network = current_network(uow)
        open_reservations = uow.reservations.open_reservations()
        held: defaultdict[tuple[str, str], int] = defaultdict(int)
        by_reference: defaultdict[str, int] = defaultdict(int)
        for reservation in open_reservations:
            held[(reservation.node_id, reservation.sku)] += reservation.quantity
            by_reference[reservation.reference] += reservation.quantity
        for position in uow.inventory.positions():
            if position.reserved != held.get((position.node_id, position.sku), 0):
                problems.append(
                    f"{position.node_id}/{position.sku}: reserved {position.reserved} but "
                    f"{held.get((position.node_id, position.sku), 0)} in open reservations"
                )
        expected: dict[str, int] = {}
        after = None
        while True:
            orders = uow.orders.page(OrderFilter(), after, 500)
            if not orders:
                break
            after = (orders[-1].created_at, orders[-1].id)
            ids = [order.id for order in orders]
            requests = uow.orders.requests_of(ids)
            waiting = uow.orders.backorders_of(ids)
            for request in requests:
                if request.status.holds_stock:
                    for line in request.lines:
                        open_units = line.wanted - line.shipped_quantity
                        if open_units > 0:
                            expected[reference(request.id, line.line_id, line.sku)] = open_units
            problems.extend(_unit_problems(network, orders, requests, waiting))
        for ref in sorted(set(expected) | set(by_reference)):
            if expected.get(ref, 0) != by_reference.get(ref, 0):
                problems.append(
                    f"reservation {ref}: {by_reference.get(ref, 0)} open, "
                    f"{expected.get(ref, 0)} unshipped in open requests"
                )
    return problems


def _unit_problems(
    network: Network,
    orders: Collection[OrderState],
    requests: Sequence[FulfillmentRequest],
    waiting: Sequence[BackorderEntry],
) -> list[str]:
    problems = []
    for order in orders:
        units = order_units(
            network,
            order,
            [r for r in requests if r.order_id == order.id],
            [b for b in waiting if b.order_id == order.id],
        )
        for key, ordered in units.ordered.items():
            accounted = (
                units.cancelled.get(key, 0)
                + units.open.get(key, 0)
                + units.shipped.get(key, 0)
                + units.backordered.get(key, 0)
            )
            if accounted != ordered:
                problems.append(
                    f"order {order.id} line {key[0]} {key[1]}: {ordered} ordered, "
                    f"{accounted} accounted for"
                )
    return problems
