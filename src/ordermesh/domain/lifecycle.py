"""The order and fulfillment-request state machines, as explicit transition tables.

An order::

    received -> routed | partially_backordered | backordered -> fulfilled | cancelled

and, across those, an on-hold flag (hold / release) that keeps new fulfillment requests
from being released to nodes, and the recipient (who and the street address), kept until
a closed order is redacted::

    kept -> redacted                                  (only when fulfilled or cancelled)
 The three routing outcomes move among themselves as
exceptions are handled (a rejection backorders units, a receipt fills a backorder).

A fulfillment request (one parcel sent to a node)::

    created -> released -> accepted -> shipped -> delivered
       |           |          |
       |           +----------+--> rejected
       +-----------+----------+--> cancelled          (only before shipping)

Anything not in a table is refused with ``IllegalTransition``; the services record every
transition that happens (who, when, why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ordermesh.domain.errors import IllegalTransition


class EntityKind(StrEnum):
    ORDER = "order"
    ORDER_HOLD = "order_hold"  # the on-hold flag, recorded as its own small machine
    ORDER_RECIPIENT = "order_recipient"  # the personal data of the ship-to, until redacted
    FULFILLMENT_REQUEST = "fulfillment_request"


class OrderStatus(StrEnum):
    RECEIVED = "received"
    ROUTED = "routed"
    PARTIALLY_BACKORDERED = "partially_backordered"
    BACKORDERED = "backordered"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self not in (OrderStatus.FULFILLED, OrderStatus.CANCELLED)


class HoldState(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"


class RecipientState(StrEnum):
    KEPT = "kept"
    REDACTED = "redacted"


class RequestStatus(StrEnum):
    CREATED = "created"
    RELEASED = "released"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def holds_stock(self) -> bool:
        """A request in these states has reserved units waiting at its node."""
        return self in OPEN_REQUEST_STATUSES

    @property
    def has_shipped(self) -> bool:
        return self in (RequestStatus.SHIPPED, RequestStatus.DELIVERED)


OPEN_REQUEST_STATUSES = frozenset(
    {RequestStatus.CREATED, RequestStatus.RELEASED, RequestStatus.ACCEPTED}
)


class RejectReason(StrEnum):
    STOCK_NOT_FOUND = "stock_not_found"
    DAMAGED = "damaged"
    CAPACITY = "capacity"
    OTHER = "other"

    @property
    def stock_missing(self) -> bool:
        """The node says the units are not there to sell: its on-hand count must drop."""
        return self in (RejectReason.STOCK_NOT_FOUND, RejectReason.DAMAGED)


_IN_PROGRESS = frozenset(
    {OrderStatus.ROUTED, OrderStatus.PARTIALLY_BACKORDERED, OrderStatus.BACKORDERED}
)

ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.RECEIVED: _IN_PROGRESS | {OrderStatus.CANCELLED},
    # Exceptions move an order among the three routing outcomes; it ends fulfilled (every
    # unit shipped or cancelled) or cancelled (every unit cancelled).
    OrderStatus.ROUTED: (_IN_PROGRESS - {OrderStatus.ROUTED})
    | {OrderStatus.FULFILLED, OrderStatus.CANCELLED},
    OrderStatus.PARTIALLY_BACKORDERED: (_IN_PROGRESS - {OrderStatus.PARTIALLY_BACKORDERED})
    | {OrderStatus.FULFILLED, OrderStatus.CANCELLED},
    OrderStatus.BACKORDERED: (_IN_PROGRESS - {OrderStatus.BACKORDERED})
    | {OrderStatus.FULFILLED, OrderStatus.CANCELLED},
    OrderStatus.FULFILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

REQUEST_TRANSITIONS: Mapping[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.CREATED: frozenset({RequestStatus.RELEASED, RequestStatus.CANCELLED}),
    RequestStatus.RELEASED: frozenset(
        {RequestStatus.ACCEPTED, RequestStatus.REJECTED, RequestStatus.CANCELLED}
    ),
    # A node may still find the shelf empty after accepting.
    RequestStatus.ACCEPTED: frozenset(
        {RequestStatus.SHIPPED, RequestStatus.REJECTED, RequestStatus.CANCELLED}
    ),
    RequestStatus.SHIPPED: frozenset({RequestStatus.DELIVERED}),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.DELIVERED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Transition:
    entity: EntityKind
    entity_id: str
    from_status: str | None  # None: the entity was just created
    to_status: str


def order_transition(order_id: str, current: OrderStatus, target: OrderStatus) -> Transition:
    if target not in ORDER_TRANSITIONS[current]:
        raise IllegalTransition(str(EntityKind.ORDER), order_id, current, target)
    return Transition(EntityKind.ORDER, order_id, current, target)


def request_transition(
    request_id: str, current: RequestStatus, target: RequestStatus
) -> Transition:
    if target not in REQUEST_TRANSITIONS[current]:
        raise IllegalTransition(str(EntityKind.FULFILLMENT_REQUEST), request_id, current, target)
    return Transition(EntityKind.FULFILLMENT_REQUEST, request_id, current, target)


def hold_transition(
    order_id: str, status: OrderStatus, on_hold: bool, target: HoldState
) -> Transition:
    """Hold or release an open order; holding a held order (or releasing an active one)
    is refused rather than ignored, so a caller learns its view was stale."""
    current = HoldState.ON_HOLD if on_hold else HoldState.ACTIVE
    if not status.is_open:
        raise IllegalTransition(
            str(EntityKind.ORDER_HOLD), order_id, current, target, f"the order is {status}"
        )
    if current == target:
        raise IllegalTransition(str(EntityKind.ORDER_HOLD), order_id, current, target)
    return Transition(EntityKind.ORDER_HOLD, order_id, current, target)


def redaction_transition(order_id: str, status: OrderStatus, redacted: bool) -> Transition:
    """Erase the recipient of a closed order. An open order still needs it (a node may be
    printing its label); a second redaction is refused, as a second hold is."""
    current = RecipientState.REDACTED if redacted else RecipientState.KEPT
    target = RecipientState.REDACTED
    if status.is_open:
        raise IllegalTransition(
            str(EntityKind.ORDER_RECIPIENT),
            order_id,
            current,
            target,
            f"the order is {status}: only a fulfilled or cancelled order is redacted",
        )
    if redacted:
        raise IllegalTransition(str(EntityKind.ORDER_RECIPIENT), order_id, current, target)
    return Transition(EntityKind.ORDER_RECIPIENT, order_id, current, target)


@dataclass(frozen=True, slots=True)
class UnitCounts:
    """Where the units of one order stand, summed over its lines (in SKU units: a bundle
    line counts its components)."""

    ordered: int
    cancelled: int
    open: int  # in created, released or accepted fulfillment requests
    shipped: int
    backordered: int


def derive_order_status(counts: UnitCounts) -> OrderStatus:
    """The status an order's units put it in: waiting units make it (partially)
    backordered; nothing left to ship makes it fulfilled, or cancelled if nothing shipped."""
    if counts.backordered > 0:
        if counts.open + counts.shipped > 0:
            return OrderStatus.PARTIALLY_BACKORDERED
        return OrderStatus.BACKORDERED
    if counts.open == 0:
        if counts.shipped == 0 and counts.cancelled >= counts.ordered:
            return OrderStatus.CANCELLED
        return OrderStatus.FULFILLED
    return OrderStatus.ROUTED
