"""A fulfillment request as its node receives it: the request, and from its order what the
node needs to ship it: who and where (``ship_to``, recipient included), the channel's order
id and the channel.

The one home of "a request plus its order's ship-to": the API's fulfillment request
bodies, the CSV request file and the ``fulfillment.released`` event (thus every webhook
delivery of it) all start from a ``RequestView``. It also says which nodes may read an
order's personal data, and what an event keeps of it once the order is redacted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.domain.order import RECIPIENT_FIELDS, ShipTo, recipient_fields
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.services.ports import FulfillmentRequest, UnitOfWork


class OrderFacts(Protocol):
    """What a request view reads of an order (an ``OrderState`` or an ``OrderView``)."""

    @property
    def id(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def external_id(self) -> str | None: ...

    @property
    def ship_to(self) -> ShipTo: ...


@dataclass(frozen=True, slots=True)
class RequestView:
    request: FulfillmentRequest
    channel: str
    external_id: str | None
    ship_to: ShipTo


def request_view(request: FulfillmentRequest, order: OrderFacts) -> RequestView:
    assert request.order_id == order.id, "a request is viewed with its own order"
    return RequestView(request, order.channel, order.external_id, order.ship_to)


def request_views(uow: UnitOfWork, requests: Sequence[FulfillmentRequest]) -> list[RequestView]:
    """Each request with its order, read in one go (inside ``uow``'s transaction)."""
    orders = {order.id: order for order in uow.orders.get_many({r.order_id for r in requests})}
    return [request_view(request, orders[request.order_id]) for request in requests]


def ship_to_data(ship_to: ShipTo) -> dict[str, JsonValue]:
    """The JSON form of a ship-to in events: the fields of the API's ``ship_to``."""
    location = ship_to.location
    data: dict[str, JsonValue] = {
        "postal_code": location.postal_code,
        "country": location.country,
        "lat": location.lat,
        "lon": location.lon,
        "pickup_node": ship_to.pickup_node,
    }
    data.update(recipient_fields(ship_to.recipient))
    return data


def released_data(view: RequestView) -> dict[str, JsonValue]:
    """The data of a ``fulfillment.released`` event: everything a node needs to ship the
    request without asking (docs/events.md)."""
    request = view.request
    return {
        "request_id": request.id,
        "node_id": request.node_id,
        "service_id": request.service_id,
        "ship_date": request.ship_date.isoformat(),
        "promise_date": request.promise_date.isoformat(),
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "bundle_id": line.bundle_id,
                "quantity": line.wanted,
            }
            for line in request.lines
            if line.wanted > 0
        ],
        "channel": view.channel,
        "external_id": view.external_id,
        "ship_to": ship_to_data(view.ship_to),
    }


def redacted_data(data: Mapping[str, JsonValue]) -> dict[str, JsonValue] | None:
    """An event's data with the recipient fields of its ``ship_to`` set to null (postal
    code and country stay); None when it holds no recipient to erase."""
    ship_to = data.get("ship_to")
    if not isinstance(ship_to, dict):
        return None
    if all(ship_to.get(name) is None for name in RECIPIENT_FIELDS):
        return None
    erased: dict[str, JsonValue] = {**ship_to, **dict.fromkeys(RECIPIENT_FIELDS)}
    return {**data, "ship_to": erased}


# A node that rejected its request, or whose request was cancelled, has no parcel of the
# order to ship any more, so no reason to read who receives it.
_NO_LONGER_AT_NODE = frozenset({RequestStatus.CANCELLED, RequestStatus.REJECTED})


def nodes_holding(requests: Iterable[FulfillmentRequest]) -> frozenset[str]:
    """The nodes that may read an order and its recipient: those holding one of its
    requests, neither cancelled nor rejected."""
    return frozenset(r.node_id for r in requests if r.status not in _NO_LONGER_AT_NODE)
