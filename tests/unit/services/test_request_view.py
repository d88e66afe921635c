"""A request as its node receives it, in pure functions: the release event's data, what
redaction leaves of it, and which nodes may read the order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import RECIPIENT_FIELDS, Recipient, ShipTo
from ordermesh.services.ports import FulfillmentRequest, RequestLine
from ordermesh.services.request_view import (
    RequestView,
    nodes_holding,
    redacted_data,
    released_data,
)

AT = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
CHICAGO = Location(41.9107, -87.634, "60610", "US", "IL")


def request(
    node_id: str = "DC-RENO", status: RequestStatus = RequestStatus.RELEASED
) -> FulfillmentRequest:
    return FulfillmentRequest(
        id=f"ful_{node_id}_{status}",
        order_id="ord_1",
        node_id=node_id,
        service_id="ground",
        status=status,
        costs={},
        ship_date=date(2026, 6, 10),
        promise_date=date(2026, 6, 13),
        tracking_number=None,
        carrier=None,
        reject_reason=None,
        created_at=AT,
        updated_at=AT,
        lines=(
            RequestLine("1", "MUG-BLUE", None, 2),
            RequestLine("2", "PILLOW", None, 1, cancelled_quantity=1),
        ),
    )


def test_the_release_says_what_to_ship_where_and_to_whom() -> None:
    view = RequestView(
        request(), "web", "A1", ShipTo(CHICAGO, recipient=Recipient(name="Ada Lovelace"))
    )

    data = released_data(view)

    assert (data["request_id"], data["node_id"], data["channel"], data["external_id"]) == (
        "ful_DC-RENO_released",
        "DC-RENO",
        "web",
        "A1",
    )
    # A line wholly cancelled is not asked for.
    assert data["lines"] == [{"line_id": "1", "sku": "MUG-BLUE", "bundle_id": None, "quantity": 2}]
    assert data["ship_to"] == {
        "postal_code": "60610",
        "country": "US",
        "lat": 41.9107,
        "lon": -87.634,
        "pickup_node": None,
        **dict.fromkeys(RECIPIENT_FIELDS),
        "name": "Ada Lovelace",
    }


def test_redaction_blanks_the_recipient_and_keeps_the_rest_of_the_event() -> None:
    view = RequestView(request(), "web", None, ShipTo(CHICAGO, recipient=Recipient(phone="1")))
    data = released_data(view)

    erased = redacted_data(data)

    assert erased is not None
    ship_to = data["ship_to"]
    assert isinstance(ship_to, dict)
    assert erased["ship_to"] == {**ship_to, "phone": None}
    assert {k: v for k, v in erased.items() if k != "ship_to"} == {
        k: v for k, v in data.items() if k != "ship_to"
    }
    assert redacted_data(erased) is None  # nothing left to erase
    assert redacted_data({"request_id": "ful_1", "node_id": "DC-RENO"}) is None


def test_only_nodes_still_holding_a_request_may_read_the_order() -> None:
    requests = [
        request("DC-RENO", RequestStatus.SHIPPED),
        request("DC-OHIO", RequestStatus.REJECTED),
        request("STORE-CHI", RequestStatus.CANCELLED),
        request("STORE-NYC", RequestStatus.CREATED),
    ]
    assert nodes_holding(requests) == {"DC-RENO", "STORE-NYC"}
