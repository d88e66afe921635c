"""What happened, as events: written to the outbox in the transaction that made it happen.

The stable JSON form (event_id, type, occurred_at, order_id, sequence, data) is documented
in docs/events.md; the adapter that stores an event gives it its id, time and per-order
sequence number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ordermesh.domain.lifecycle import OrderStatus
from ordermesh.domain.routing.explain import JsonValue

EVENT_SCHEMA_VERSION = 1


class EventType(StrEnum):
    ORDER_RECEIVED = "order.received"
    ORDER_ROUTED = "order.routed"
    ORDER_PARTIALLY_BACKORDERED = "order.partially_backordered"
    ORDER_BACKORDERED = "order.backordered"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_LINES_CANCELLED = "order.lines_cancelled"
    ORDER_HELD = "order.held"
    ORDER_RELEASED = "order.released"
    ORDER_ADDRESS_CHANGED = "order.address_changed"
    ORDER_FULFILLED = "order.fulfilled"
    ORDER_REDACTED = "order.redacted"
    FULFILLMENT_CREATED = "fulfillment.created"
    FULFILLMENT_RELEASED = "fulfillment.released"
    FULFILLMENT_ACCEPTED = "fulfillment.accepted"
    FULFILLMENT_REJECTED = "fulfillment.rejected"
    FULFILLMENT_SHIPPED = "fulfillment.shipped"
    FULFILLMENT_DELIVERED = "fulfillment.delivered"
    FULFILLMENT_CANCELLED = "fulfillment.cancelled"
    FULFILLMENT_CHANGED = "fulfillment.changed"
    INVENTORY_CHANGED = "inventory.changed"
    INTAKE_EXCEPTION = "intake.exception"
    PARTNER_DOCUMENT_REJECTED = "partner.document_rejected"


# The event an order emits on entering a status (``received`` has its own, at intake).
STATUS_EVENTS: Mapping[OrderStatus, EventType] = {
    OrderStatus.RECEIVED: EventType.ORDER_RECEIVED,
    OrderStatus.ROUTED: EventType.ORDER_ROUTED,
    OrderStatus.PARTIALLY_BACKORDERED: EventType.ORDER_PARTIALLY_BACKORDERED,
    OrderStatus.BACKORDERED: EventType.ORDER_BACKORDERED,
    OrderStatus.FULFILLED: EventType.ORDER_FULFILLED,
    OrderStatus.CANCELLED: EventType.ORDER_CANCELLED,
}


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    order_id: str | None  # None for events about no one order (inventory.changed)
    data: Mapping[str, JsonValue] = field(default_factory=dict)
