"""Routing units of an order to nodes and reserving them: the core that placing an order,
re-routing a rejection, a short pick, an address change or a disabled node, and filling
a backorder all share.

Every function here runs inside a unit of work the caller opened, through a ``Session``
that carries the network, the time, the actor and the events to write at the end. Units
are counted per (order line, SKU): a bundle line counts its component SKUs, so a bundle's
components may be re-routed one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TypeVar

from ordermesh.domain.availability import Position
from ordermesh.domain.errors import NetworkNotLoaded, StaleInventory
from ordermesh.domain.events import STATUS_EVENTS, Event, EventType
from ordermesh.domain.inventory import AdjustmentReason, PositionChange, plan_adjustment
from ordermesh.domain.lifecycle import (
    EntityKind,
    RequestStatus,
    Transition,
    UnitCounts,
    derive_order_status,
    order_transition,
    request_transition,
)
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order, OrderLine
from ordermesh.domain.promise import NeverOpen, ship_date
from ordermesh.domain.routing import Decision, PlannedShipment, RuleSet, route, select_rule_set
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.services.opportunity import live_prices
from ordermesh.services.ports import (
    BackorderEntry,
    FulfillmentRequest,
    NewRequest,
    OrderState,
    RequestLine,
    UnitOfWork,
)
from ordermesh.services.request_view import released_data, request_view
from ordermesh.services.routing import Searches

T = TypeVar("T")

Key = tuple[str, str]  # (order line id, SKU)


# Attempts at a unit of work that lost a race for stock (a reservation refused because a
# concurrent order took the units after they were read) or a deadlock. The last attempt
# locks the positions it reads, so it cannot lose that race.
def current_network(uow: UnitOfWork) -> Network:
    current = uow.network.current()
    if current is None:
        raise NetworkNotLoaded()
    return current.network


@dataclass
class Session:
    """One unit of work's context for the order services."""

    uow: UnitOfWork
    network: Network
    now: datetime
    actor: str
    lock_positions: bool = False
    # The service call's searches: required by a session that routes (``allocate``).
    searches: Searches | None = None
    events: list[Event] = field(default_factory=list)
    # Transitions (transition, order id, reason) to write at ``flush``, in one statement.
    transitions: list[tuple[Transition, str, str]] = field(default_factory=list)
    # What ``allocate`` wrote in this session, in the order a read would return it, so a
    # caller that knows nothing else exists (a new order) need not read it back.
    written_requests: list[FulfillmentRequest] = field(default_factory=list)
    written_backorders: list[BackorderEntry] = field(default_factory=list)
    # Orders created in this session: their events are numbered from 1 without a read.
    new_orders: set[str] = field(default_factory=set)

    def record(self, transition: Transition, order_id: str, reason: str = "") -> None:
        """Record a transition; written, in the order recorded, by ``flush``."""
        self.transitions.append((transition, order_id, reason))

    def emit(self, type_: EventType, order_id: str | None, **data: JsonValue) -> None:
        self.events.append(Event(type_, order_id, data))

    def flush(self) -> None:
        """Write the transitions and the events; the last step before commit (the outbox
        serialises writers). Nothing reads transitions inside a unit of work, so writing
        them here rather than one at a time as they are recorded changes nothing but the
        number of statements."""
        if self.transitions:
            self.uow.orders.add_transitions(self.transitions, self.actor, self.now)
            self.transitions.clear()
        self.uow.events.add(self.events, self.now, new_orders=self.new_orders)
        self.events.clear()
        self.new_orders.clear()  # a second flush numbers on from what the first wrote


def reference(request_id: str, line_id: str, sku: str) -> str:
    """The reservation reference of one fulfillment request line."""
    return f"{request_id}:{line_id}:{sku}"


def sku_units(network: Network, item: str, quantity: int) -> dict[str, int]:
    """SKU units in ``quantity`` of a SKU or bundle."""
    bundle = network.bundles.get(item)
    if bundle is None:
        return {item: quantity}
    units: dict[str, int] = defaultdict(int)
    for component in bundle.components:
        units[component.sku] += component.quantity * quantity
    return dict(units)


def bundle_of(network: Network, item: str) -> str | None:
    return item if item in network.bundles else None


@dataclass(frozen=True, slots=True)
class OrderUnits:
    """Where each (line, SKU) of an order stands."""

    ordered: Mapping[Key, int]
    cancelled: Mapping[Key, int]
    open: Mapping[Key, int]
    shipped: Mapping[Key, int]
    backordered: Mapping[Key, int]

    @property
    def counts(self) -> UnitCounts:
        return UnitCounts(
            ordered=sum(self.ordered.values()),
            cancelled=sum(self.cancelled.values()),
            open=sum(self.open.values()),
            shipped=sum(self.shipped.values()),
            backordered=sum(self.backordered.values()),
        )

    def unshipped(self, key: Key) -> int:
        """Units that can still be cancelled: waiting or in requests not yet shipped."""
        return self.open.get(key, 0) + self.backordered.get(key, 0)


def order_units(
    network: Network,
    order: OrderState,
    requests: Iterable[FulfillmentRequest],
    backorders: Iterable[BackorderEntry],
) -> OrderUnits:
    ordered: dict[Key, int] = {}
    cancelled: dict[Key, int] = {}
    for line in order.lines:
        per_unit = sku_units(network, line.item, 1)
        for sku, k in per_unit.items():
            ordered[(line.line_id, sku)] = line.quantity * k
            cancelled[(line.line_id, sku)] = line.cancelled_quantity * k
    open_: dict[Key, int] = defaultdict(int)
    shipped: dict[Key, int] = defaultdict(int)
    for request in requests:
        for request_line in request.lines:
            key = (request_line.line_id, request_line.sku)
            if request.status.holds_stock:
                open_[key] += request_line.wanted - request_line.shipped_quantity
            elif request.status.has_shipped:
                shipped[key] += request_line.shipped_quantity
    waiting: dict[Key, int] = defaultdict(int)
    for backorder in backorders:
        waiting[(backorder.line_id, backorder.sku)] += backorder.quantity
    return OrderUnits(ordered, cancelled, dict(open_), dict(shipped), dict(waiting))


def refresh_status(
    session: Session,
    order: OrderState,
    reason: str,
    *,
    requests: Sequence[FulfillmentRequest] | None = None,
    backorders: Sequence[BackorderEntry] | None = None,
) -> OrderState:
    """Save the order with the status its units now put it in, recording the change.

    ``requests`` and ``backorders``: all the order's, when the caller already has them;
    read from the database when None."""
    uow = session.uow
    units = order_units(
        session.network,
        order,
        uow.orders.requests_of([order.id]) if requests is None else requests,
        uow.orders.backorders_of([order.id]) if backorders is None else backorders,
    )
    status = derive_order_status(units.counts)
    if status != order.status:
        session.record(order_transition(order.id, order.status, status), order.id, reason)
        session.emit(
            STATUS_EVENTS[status],
            order.id,
            status=str(status),
            previous_status=str(order.status),
            reason=reason,
            backordered_units=units.counts.backordered,
        )
        order = replace(order, status=status)
    uow.orders.save(order, session.now)
    return order


def move_request(
    session: Session, request: FulfillmentRequest, target: RequestStatus, reason: str = ""
) -> FulfillmentRequest:
    """Check and record a request's transition; the caller saves the request."""
    session.record(request_transition(request.id, request.status, target), request.order_id, reason)
    return replace(request, status=target)


# -- routing and reserving ------------------------------------------------------------------


def _rule_set(network: Network, order: Order) -> RuleSet:
    # Networks carry their rule sets once the network document declares them; until then
    # (or when none matches) the built-in default routes.
    return select_rule_set(network.rule_sets, order)


def _capacity_used(session: Session) -> dict[str, int]:
    days: dict[str, date] = {}
    for node in session.network.enabled_nodes():
        try:
            days[node.id] = ship_date(node, session.now)
        except NeverOpen:
            continue
    return session.uow.orders.shipments_on(days)


def _routing_lines(
    network: Network, order: OrderState, needs: Mapping[Key, int]
) -> tuple[list[OrderLine], dict[str, str]]:
    """One routing line per (line, SKU) still needed, and the order line each stands for."""
    by_id = {line.line_id: line for line in order.lines}
    lines: list[OrderLine] = []
    line_of: dict[str, str] = {}
    for (line_id, sku), quantity in sorted(needs.items()):
        if quantity <= 0:
            continue
        original = by_id[line_id]
        name = line_id if original.item == sku else f"{line_id}/{sku}"
        while name in line_of:  # only if line ids themselves look like "<line>/<sku>"
            name += "'"
        line_of[name] = line_id
        price = original.unit_price if original.item == sku else None
        lines.append(OrderLine(line_id=name, item=sku, quantity=quantity, unit_price=price))
    return lines, line_of


def _stock(
    session: Session, order: OrderState, lines: Sequence[OrderLine], line_of: Mapping[str, str]
) -> dict[tuple[str, str], int]:
    network = session.network
    skus = sorted({sku for line in lines for sku in sku_units(network, line.item, 1)})
    if session.lock_positions:
        session.uow.reservations.lock_positions(skus)
    stock = {
        (p.node_id, p.sku): max(0, p.on_hand - p.reserved - p.safety_stock)
        for p in session.uow.inventory.positions(skus=skus)
    }
    excluded = {line.line_id: line.excluded_nodes for line in order.lines}
    for line in lines:
        for node_id in excluded.get(line_of[line.line_id], frozenset()):
            for sku in sku_units(network, line.item, 1):
                stock[(node_id, sku)] = 0
    return stock


def _costs(shipment: PlannedShipment) -> dict[str, JsonValue]:
    penalties = shipment.penalties
    return {
        "zone": shipment.zone,
        "billable_lb": shipment.billable_lb,
        "shipping": round(shipment.shipping, 4),
        "handling": round(shipment.handling, 4),
        "cost": round(shipment.cost, 4),
        "penalties": {
            "split": round(penalties.split, 4),
            "store": round(penalties.store, 4),
            "co2e": round(penalties.co2e, 4),
            "capacity": round(penalties.capacity, 4),
            "late": round(penalties.late, 4),
            "opportunity": round(penalties.opportunity, 4),
            "total": round(penalties.total, 4),
        },
        "co2e_g": round(shipment.co2e_g, 1),
        "transit_days": shipment.transit_days,
        "meets_promise": shipment.meets_promise,
        "ship_alone": shipment.ship_alone,
    }


def allocate(
    session: Session,
    order: OrderState,
    needs: Mapping[Key, int],
    *,
    waiting: Sequence[BackorderEntry] = (),
    whole_order: bool = False,
    reason: str,
) -> OrderState:
    """Route ``needs`` and reserve what the decision ships; what it cannot ship waits.

    ``waiting`` are existing backorders whose units are part of ``needs``: units still not
    shippable stay on them (keeping their age and priority), and only the excess becomes a
    new backorder. ``whole_order`` routes the order's own lines (bundles kept as bundles)
    instead of (line, SKU) units. Raises ``StaleInventory`` when a reservation is refused:
    the caller's unit of work must be rolled back and run again.
    """
    network = session.network
    if whole_order:
        lines = [
            OrderLine(line.line_id, line.item, line.quantity, line.unit_price)
            for line in order.lines
        ]
        line_of = {line.line_id: line.line_id for line in lines}
    else:
        lines, line_of = _routing_lines(network, order, needs)
    if not lines:
        return order
    routing_order = Order(
        id=order.id,
        channel=order.channel,
        customer_tier=order.customer_tier,
        ship_to=order.ship_to,
        service_level=order.service_level,
        lines=tuple(lines),
        tags=frozenset(order.tags),
        placed_at=order.placed_at,
    )
    if session.searches is None:
        raise AssertionError("a session that routes needs its service call's searches")
    # A new order's id is made anew by each run of the unit of work.
    question = (None if order.id in session.new_orders else order.id, order.ship_to)
    stock = _stock(session, order, lines, line_of)
    prices, version = live_prices(
        session.uow, session.searches.routing, session.now, {sku for _, sku in stock}
    )
    decision = route(
        routing_order,
        network,
        stock,
        _capacity_used(session),
        _rule_set(network, routing_order),
        placed_at=session.now,
        strategy=session.searches.strategy(question),
        opportunity_cost=prices,
    )
    placed = _write_shipments(session, order, decision, line_of)
    _write_backorders(session, order, decision, needs, placed, line_of, waiting)
    explanation = decision.explanation.to_json_dict()
    # Which opportunity costs priced the units (docs/explanation-schema.md); null: none.
    explanation["opportunity"] = None if version is None else version.to_json_dict()
    return replace(
        order,
        rule_set_id=decision.rule_set_id,
        rule_set_version=decision.rule_set_version,
        explanation=explanation,
        promised_by=order.promised_by or decision.promised_by,
    )


def _write_shipments(
    session: Session, order: OrderState, decision: Decision, line_of: Mapping[str, str]
) -> dict[Key, int]:
    network = session.network
    uow = session.uow
    items = {line.line_id: line.item for line in order.lines}
    placed: dict[Key, int] = defaultdict(int)
    to_reserve: list[tuple[str, str, str, int]] = []  # node, sku, reference, units
    for shipment in decision.shipments:
        units: dict[Key, int] = defaultdict(int)
        for shipment_line in shipment.lines:
            units[(line_of[shipment_line.line_id], shipment_line.sku)] += shipment_line.quantity
        request_lines = tuple(
            RequestLine(
                line_id=line_id,
                sku=sku,
                bundle_id=bundle_of(network, items[line_id]),
                quantity=quantity,
            )
            for (line_id, sku), quantity in sorted(units.items())
        )
        new_request = NewRequest(
            order_id=order.id,
            node_id=shipment.node_id,
            service_id=shipment.service_id,
            # Written released at once unless the order is held; both transitions are
            # recorded below.
            status=RequestStatus.CREATED if order.on_hold else RequestStatus.RELEASED,
            costs=_costs(shipment),
            ship_date=shipment.ship_date,
            promise_date=shipment.promise_date,
            lines=request_lines,
        )
        request_id = uow.orders.add_request(new_request, session.now)
        stored = _as_stored(request_id, new_request, session.now)
        session.written_requests.append(stored)
        session.record(
            Transition(EntityKind.FULFILLMENT_REQUEST, request_id, None, RequestStatus.CREATED),
            order.id,
            "routed",
        )
        session.emit(
            EventType.FULFILLMENT_CREATED,
            order.id,
            request_id=request_id,
            node_id=shipment.node_id,
            service_id=shipment.service_id,
            ship_date=shipment.ship_date.isoformat(),
            promise_date=shipment.promise_date.isoformat(),
            lines=[_line_json(line) for line in request_lines],
        )
        if not order.on_hold:
            session.record(
                Transition(
                    EntityKind.FULFILLMENT_REQUEST,
                    request_id,
                    RequestStatus.CREATED,
                    RequestStatus.RELEASED,
                ),
                order.id,
                "released on creation",
            )
            session.emit(
                EventType.FULFILLMENT_RELEASED,
                order.id,
                **released_data(request_view(stored, order)),
            )
        for (line_id, sku), quantity in units.items():
            placed[(line_id, sku)] += quantity
            to_reserve.append(
                (shipment.node_id, sku, reference(request_id, line_id, sku), quantity)
            )
    channel = network.channels.get(order.channel)
    # In (node, SKU) order, as every locker of positions here does, so that two orders
    # reserving the same positions never wait on each other in a cycle.
    for node_id, sku, ref, quantity in sorted(to_reserve):
        node = network.nodes[node_id]
        buffer = 0 if channel is None else channel.buffer.units(node.type, sku)
        if not uow.inventory.try_reserve(node_id, sku, quantity, buffer, ref, session.now):
            raise StaleInventory(node_id, sku)
    return dict(placed)


def _as_stored(request_id: str, request: NewRequest, at: datetime) -> FulfillmentRequest:
    """The request as a read of the row just written returns it (times read back in UTC)."""
    at = at.astimezone(UTC)
    return FulfillmentRequest(
        id=request_id,
        order_id=request.order_id,
        node_id=request.node_id,
        service_id=request.service_id,
        status=request.status,
        costs=request.costs,
        ship_date=request.ship_date,
        promise_date=request.promise_date,
        tracking_number=None,
        carrier=None,
        reject_reason=None,
        created_at=at,
        updated_at=at,
        lines=tuple(sorted(request.lines, key=lambda line: (line.line_id, line.sku))),
    )


def _line_json(line: RequestLine) -> dict[str, JsonValue]:
    return {
        "line_id": line.line_id,
        "sku": line.sku,
        "bundle_id": line.bundle_id,
        "quantity": line.wanted,
    }


def _write_backorders(
    session: Session,
    order: OrderState,
    decision: Decision,
    needs: Mapping[Key, int],
    placed: Mapping[Key, int],
    line_of: Mapping[str, str],
    waiting: Sequence[BackorderEntry],
) -> None:
    network = session.network
    reasons: dict[Key, str] = {}
    bundles: dict[Key, str | None] = {}
    items = {line.line_id: line.item for line in order.lines}
    for backorder in decision.backordered:
        line_id = line_of[backorder.line_id]
        # A bundle kept whole waits as its components, like any other bundle line.
        for sku in sku_units(network, backorder.item, 1):
            reasons[(line_id, sku)] = backorder.reason
    if not needs:  # the whole order was routed: every unit of every line was needed
        needs = {
            (line.line_id, sku): units
            for line in order.lines
            for sku, units in sku_units(network, line.item, line.quantity).items()
        }
    rows: dict[Key, list[BackorderEntry]] = defaultdict(list)
    for row in sorted(waiting, key=lambda row: (row.created_at, row.id)):
        rows[(row.line_id, row.sku)].append(row)
    for key in sorted(set(needs) | set(rows)):
        line_id, sku = key
        bundles[key] = bundle_of(network, items[line_id])
        left = needs.get(key, 0) - placed.get(key, 0)
        # The oldest backorders keep their place in the queue; later ones are filled first.
        for row in rows.get(key, []):
            keep = min(row.quantity, max(left, 0))
            if keep != row.quantity:
                session.uow.orders.set_backorder_quantity(row.id, keep)
            left -= keep
        if left > 0:
            reason = reasons.get(key, "no stock")
            backorder_id = session.uow.orders.add_backorder(
                order.id, line_id, sku, bundles[key], left, reason, order.priority, session.now
            )
            session.written_backorders.append(
                BackorderEntry(
                    id=backorder_id,
                    order_id=order.id,
                    line_id=line_id,
                    sku=sku,
                    bundle_id=bundles[key],
                    quantity=left,
                    reason=reason,
                    priority=order.priority,
                    created_at=session.now.astimezone(UTC),
                )
            )


def cancel_request(
    session: Session, request: FulfillmentRequest, reason: str
) -> FulfillmentRequest:
    """Record the request's move to cancelled and tell its node; the caller releases its
    reservations and saves it."""
    cancelled = move_request(session, request, RequestStatus.CANCELLED, reason)
    session.emit(
        EventType.FULFILLMENT_CANCELLED,
        request.order_id,
        request_id=request.id,
        node_id=request.node_id,
        reason=reason,
    )
    return cancelled


def take_request_units(
    session: Session, request: FulfillmentRequest, take: Mapping[Key, int], reason: str
) -> FulfillmentRequest:
    """Take units off an open request (at most what each line has not shipped), release
    their reservations and save it; tell its node: ``fulfillment.cancelled`` when nothing
    is left, else ``fulfillment.changed`` with the lines as they now stand. The caller
    decides what becomes of the units (cancelled from the order, or routed again)."""
    lines = []
    taken: dict[Key, int] = {}
    for line in request.lines:
        key = (line.line_id, line.sku)
        units = min(take.get(key, 0), line.wanted - line.shipped_quantity)
        if units > 0:
            session.uow.reservations.release_units(
                reference(request.id, line.line_id, line.sku), units, session.now
            )
            line = replace(line, cancelled_quantity=line.cancelled_quantity + units)
            taken[key] = units
        lines.append(line)
    if not taken:
        return request
    changed = replace(request, lines=tuple(lines))
    if changed.units == 0:
        changed = cancel_request(session, changed, reason)
    else:
        session.emit(
            EventType.FULFILLMENT_CHANGED,
            request.order_id,
            request_id=request.id,
            node_id=request.node_id,
            status=str(request.status),
            reason=reason,
            lines=[_line_json(line) for line in changed.lines if line.wanted > 0],
            removed=[
                {"line_id": line_id, "sku": sku, "quantity": units}
                for (line_id, sku), units in sorted(taken.items())
            ],
        )
    session.uow.orders.save_request(changed, session.now)
    return changed


def shrink(
    session: Session, node_id: str, sku: str, units: int, reason: AdjustmentReason
) -> PositionChange | None:
    """Take ``units`` the node says are not there off its on-hand count (never below
    zero), journalled like any adjustment, so its ATS drops. ``StaleInventory`` on a
    concurrent count: the caller's unit of work runs again."""
    held = session.uow.inventory.positions(node_id=node_id, skus=[sku])
    position = held[0] if held else Position(node_id, sku)
    delta = -min(units, position.on_hand)
    if delta == 0:
        return None
    change = plan_adjustment(position, delta, reason)
    session.uow.inventory.apply(change, session.actor, session.now)
    emit_inventory_change(session, change)
    return change


def emit_inventory_change(session: Session, change: PositionChange) -> None:
    session.emit(
        EventType.INVENTORY_CHANGED,
        None,
        node_id=change.node_id,
        sku=change.sku,
        kind=str(change.kind),
        reason=change.reason,
        on_hand_before=change.on_hand_before,
        on_hand_after=change.on_hand_after,
        safety_stock_before=change.safety_stock_before,
        safety_stock_after=change.safety_stock_after,
    )
