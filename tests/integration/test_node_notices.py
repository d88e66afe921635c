"""What a node receives when its work changes after a request reached it, on SQLite and
PostgreSQL: a partial cancel, a whole cancel, an address change, a hold, and a count that
finds fewer units on the shelf than were reserved. A webhook node gets the events, a CSV
node a replacing request file or a cancellation file, an X12 node a 940 with W0501 ``R``
(change) or ``F`` (cancel); a request the node has accepted is not changed behind its back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_partner_cancellations import shipping_order, x12_reno
from test_partner_files import Partners
from test_webhook_connectors import NODE_SECRET, document, load, relay_pass

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.events.local import WebhookReceiver
from ordermesh.adapters.formats.flat_files import (
    RequestAction,
    parse_fulfillment_cancellations,
    parse_fulfillment_requests,
)
from ordermesh.adapters.formats.x12.x940 import CHANGE, ORIGINAL
from ordermesh.domain.availability import Position
from ordermesh.domain.errors import RequestAccepted
from ordermesh.domain.inventory import AdjustmentReason, SnapshotLine
from ordermesh.domain.lifecycle import OrderStatus, RequestStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services import fulfillment, inventory, orders
from ordermesh.services.orders import OrderView
from ordermesh.services.ports import FulfillmentRequest

CHICAGO = ShipTo(Location(41.9107, -87.6340, "60610", "US", "IL"))
BROOKLYN = ShipTo(Location(40.6782, -73.9442, "11201", "US", "NY"))
RENO = "DC-RENO"


@pytest.fixture
def partners(engine: sa.Engine, tmp_path: Path) -> Partners:
    return Partners(engine, tmp_path)


def place(partners: Partners, *lines: tuple[str, int], ship_to: ShipTo = CHICAGO) -> OrderView:
    view, _ = orders.place_order(
        partners.app.uow(),
        orders.PlaceOrder(
            channel="web",
            ship_to=ship_to,
            service_level="standard",
            lines=tuple(
                OrderLine(str(n), sku, quantity) for n, (sku, quantity) in enumerate(lines, 1)
            ),
        ),
        partners.clock,
        actor="test",
    )
    return view


def sent_to_reno(partners: Partners) -> tuple[OrderView, FulfillmentRequest, int]:
    """An order of 4 coasters, its request released to DC-RENO and the request's document
    written to the node; with the last outbox event id so far."""
    view = place(partners, ("COASTER", 4))
    request = only_request(view)
    assert request.node_id == RENO and request.status is RequestStatus.RELEASED
    assert partners.write() == 1
    return view, request, last_event(partners)


def only_request(view: OrderView) -> FulfillmentRequest:
    (request,) = [r for r in view.shipments if r.status.holds_stock]
    return request


def node_events(partners: Partners, node_id: str, after: int = 0) -> list[tuple[str, Any]]:
    """The events a webhook connector of the node would be sent (docs/events.md)."""
    return [
        (event.type, event.data)
        for event in orders.list_events(partners.app.uow(), after, 1000)
        if event.type.startswith("fulfillment.") and event.data.get("node_id") == node_id
    ]


def last_event(partners: Partners) -> int:
    events = orders.list_events(partners.app.uow(), 0, 1000)
    return events[-1].id if events else 0


def lines_of(data: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    return [(line["line_id"], line["sku"], line["quantity"]) for line in data["lines"]]


def outbox(partners: Partners, folder: str = "reno") -> Path:
    return partners.root / folder / "outbox"


def cancel(partners: Partners, order_id: str, lines: dict[str, int] | None = None) -> OrderView:
    return orders.cancel_order(
        partners.app.uow(), order_id, partners.clock, actor="test", lines=lines, reason="customer"
    )


# -- partial and whole cancel -----------------------------------------------------------------


def test_a_partial_cancel_tells_the_node_and_replaces_its_csv_request(partners: Partners) -> None:
    view, request, start = sent_to_reno(partners)

    after = cancel(partners, view.id, {"1": 3})

    assert only_request(after).units == 1
    [(kind, data)] = node_events(partners, RENO, start)
    assert kind == "fulfillment.changed"
    assert data["request_id"] == request.id
    assert lines_of(data) == [("1", "COASTER", 1)]
    assert data["removed"] == [{"line_id": "1", "sku": "COASTER", "quantity": 3}]
    assert partners.write() == 1
    first, replacing = sorted(outbox(partners).glob("fulfillment-*.csv"))
    [sent] = parse_fulfillment_requests(first.read_bytes())
    [now] = parse_fulfillment_requests(replacing.read_bytes())
    assert (sent.action, sent.request_id, sent.quantity) == (RequestAction.NEW, request.id, 4)
    assert (now.action, now.request_id, now.quantity) == (RequestAction.REPLACE, request.id, 1)
    assert position(partners, RENO, "COASTER").reserved == 1


def test_a_partial_cancel_sends_an_x12_node_a_changing_940(partners: Partners) -> None:
    x12_reno(partners)
    view, request, _ = sent_to_reno(partners)

    cancel(partners, view.id, {"1": 3})
    assert partners.write() == 1

    folder = outbox(partners, "reno12")
    [original] = [p for p in folder.glob("940-*.x12") if "change" not in p.name]
    [changing] = sorted(folder.glob("940-change-*.x12"))
    (sent, _), (changed, _) = shipping_order(original), shipping_order(changing)
    assert (sent.status, changed.status) == (ORIGINAL, CHANGE)
    assert changed.depositor_order == sent.depositor_order
    assert [(line.line_id, line.quantity) for line in sent.lines] == [("1", 4)]
    assert [(line.line_id, line.quantity) for line in changed.lines] == [("1", 1)]
    assert changing.name.endswith(f"-{request.id}.x12")


def test_a_webhook_node_receives_the_change_and_then_the_cancellation(
    engine: sa.Engine,
) -> None:
    clock = SystemClock()
    with WebhookReceiver() as hook:
        load(engine, document({"url": hook.url, "secret": NODE_SECRET}, None))
        inventory.apply_snapshots(
            SqlUnitOfWork(engine), {RENO: [SnapshotLine("COASTER", 10)]}, "counter", clock
        )
        view, _ = orders.place_order(
            SqlUnitOfWork(engine),
            orders.PlaceOrder(
                channel="web",
                ship_to=CHICAGO,
                service_level="standard",
                lines=(OrderLine("1", "COASTER", 4),),
            ),
            clock,
            actor="test",
        )
        relay_pass(engine)
        before = len(hook.accepted())
        orders.cancel_order(SqlUnitOfWork(engine), view.id, clock, actor="t", lines={"1": 3})
        orders.cancel_order(SqlUnitOfWork(engine), view.id, clock, actor="t")
        relay_pass(engine)
        got = [json.loads(r.body) for r in hook.accepted()[before:]]

    request = only_request(view)
    assert [(event["type"], event["data"]["request_id"]) for event in got] == [
        ("fulfillment.changed", request.id),
        ("fulfillment.cancelled", request.id),
    ]
    assert lines_of(got[0]["data"]) == [("1", "COASTER", 1)]


def test_a_whole_cancel_tells_the_node_the_request_is_cancelled(partners: Partners) -> None:
    view, request, start = sent_to_reno(partners)

    cancel(partners, view.id)

    assert [(kind, data["request_id"]) for kind, data in node_events(partners, RENO, start)] == [
        ("fulfillment.cancelled", request.id)
    ]
    assert partners.write() == 1
    [file] = outbox(partners).glob("cancellation-*.csv")
    assert [c.request_id for c in parse_fulfillment_cancellations(file.read_bytes())] == [
        request.id
    ]


def test_a_cancel_that_reaches_an_accepted_request_is_refused_and_changes_nothing(
    partners: Partners,
) -> None:
    view = place(partners, ("COASTER", 4))
    request = only_request(view)
    fulfillment.accept(partners.app.uow(), request.id, partners.clock, actor=RENO)
    start = last_event(partners)

    for lines in ({"1": 1}, None):
        with pytest.raises(RequestAccepted) as refused:
            cancel(partners, view.id, lines)
        assert (refused.value.request_id, refused.value.node_id) == (request.id, RENO)

    assert only_request(partners_order(partners, view.id)).units == 4
    assert node_events(partners, RENO, start) == []
    assert position(partners, RENO, "COASTER").reserved == 4


# -- address change and hold ------------------------------------------------------------------


def test_an_address_change_recalls_the_released_request_and_routes_it_again(
    partners: Partners,
) -> None:
    view, old, start = sent_to_reno(partners)

    moved = orders.change_address(
        partners.app.uow(), view.id, BROOKLYN, partners.clock, actor="ops"
    )

    new = only_request(moved)
    assert new.id != old.id and new.status is RequestStatus.RELEASED
    assert [(kind, data["request_id"]) for kind, data in node_events(partners, RENO, start)] == [
        ("fulfillment.cancelled", old.id),
        ("fulfillment.created", new.id),
        ("fulfillment.released", new.id),
    ]
    assert partners.write() == 2
    [cancelled] = outbox(partners).glob("cancellation-*.csv")
    assert parse_fulfillment_cancellations(cancelled.read_bytes())[0].request_id == old.id
    [sent] = outbox(partners).glob(f"fulfillment-*-{new.id}.csv")
    [row] = parse_fulfillment_requests(sent.read_bytes())
    assert (row.action, row.postal_code, row.quantity) == (RequestAction.NEW, "11201", 4)

    # Once the node accepts, the address is fixed: refused, and the node hears nothing.
    fulfillment.accept(partners.app.uow(), new.id, partners.clock, actor=RENO)
    start = last_event(partners)
    with pytest.raises(RequestAccepted) as refused:
        orders.change_address(partners.app.uow(), view.id, CHICAGO, partners.clock, actor="ops")
    assert refused.value.request_id == new.id and refused.value.change == "address change"
    assert node_events(partners, RENO, start) == []


def test_a_hold_recalls_the_released_request_and_the_release_sends_it_again(
    partners: Partners,
) -> None:
    view, old, start = sent_to_reno(partners)

    held = orders.hold_order(partners.app.uow(), view.id, partners.clock, actor="ops")

    waiting = only_request(held)
    assert waiting.status is RequestStatus.CREATED and held.on_hold
    assert ("fulfillment.cancelled", old.id) in [
        (kind, data["request_id"]) for kind, data in node_events(partners, RENO, start)
    ]
    assert partners.write() == 1
    [cancelled] = outbox(partners).glob("cancellation-*.csv")
    assert parse_fulfillment_cancellations(cancelled.read_bytes())[0].request_id == old.id

    orders.release_order(partners.app.uow(), view.id, partners.clock, actor="ops")
    assert partners.write() == 1
    [again] = outbox(partners).glob(f"fulfillment-*-{waiting.id}.csv")
    assert parse_fulfillment_requests(again.read_bytes())[0].quantity == 4
    assert position(partners, RENO, "COASTER").reserved == 4


# -- fewer units on the shelf than reserved ---------------------------------------------------


def test_a_count_below_what_is_reserved_takes_units_from_the_newest_requests_first(
    partners: Partners,
) -> None:
    oldest = place(partners, ("COASTER", 4))
    middle = place(partners, ("COASTER", 4))
    newest = place(partners, ("COASTER", 4))
    assert partners.write() == 3
    inventory.apply_snapshots(
        partners.app.uow(), {"DC-OHIO": [SnapshotLine("COASTER", 3)]}, "counter", partners.clock
    )
    start = last_event(partners)

    inventory.apply_snapshots(
        partners.app.uow(), {RENO: [SnapshotLine("COASTER", 5)]}, "counter", partners.clock
    )

    reno = position(partners, RENO, "COASTER")
    assert (reno.on_hand, reno.reserved) == (5, 5)
    at_reno = {
        v.id: [(r.status, r.units) for r in partners_order(partners, v.id).shipments]
        for v in (oldest, middle, newest)
    }
    assert at_reno[oldest.id] == [(RequestStatus.RELEASED, 4)]
    # The middle order keeps 1 unit at Reno and gets the 3 found at Ohio ...
    assert sorted(at_reno[middle.id]) == [(RequestStatus.RELEASED, 1), (RequestStatus.RELEASED, 3)]
    assert units_at(partners, middle.id) == {RENO: 1, "DC-OHIO": 3}
    # ... the newest loses all 4, which wait for stock.
    assert at_reno[newest.id] == [(RequestStatus.CANCELLED, 0)]
    after = partners_order(partners, newest.id)
    assert after.status is OrderStatus.BACKORDERED
    assert sum(b.quantity for b in after.backordered) == 4

    told = node_events(partners, RENO, start)
    assert [(kind, data["request_id"]) for kind, data in told] == [
        ("fulfillment.changed", only_at(partners, middle.id, RENO).id),
        ("fulfillment.cancelled", only_request(newest).id),
    ]
    assert lines_of(told[0][1]) == [("1", "COASTER", 1)]
    types = [e.type for e in orders.list_events(partners.app.uow(), start, 1000)]
    assert "order.backordered" in types
    assert ("fulfillment.released", "DC-OHIO") in [
        (e.type, e.data.get("node_id")) for e in orders.list_events(partners.app.uow(), start, 1000)
    ]

    # The CSV node gets the middle request replaced and the newest cancelled.
    assert partners.write() == 2
    [replacing] = [
        p
        for p in outbox(partners).glob("fulfillment-*.csv")
        if parse_fulfillment_requests(p.read_bytes())[0].action is RequestAction.REPLACE
    ]
    [row] = parse_fulfillment_requests(replacing.read_bytes())
    assert (row.request_id, row.quantity) == (only_at(partners, middle.id, RENO).id, 1)
    [cancelled] = outbox(partners).glob("cancellation-*.csv")
    assert parse_fulfillment_cancellations(cancelled.read_bytes())[0].request_id == (
        only_request(newest).id
    )
    assert orders.reconcile(partners.app.uow()) == []


def test_an_adjustment_below_what_is_reserved_backorders_the_excess_at_once(
    partners: Partners,
) -> None:
    view = place(partners, ("COASTER", 4))
    request = only_request(view)
    start = last_event(partners)

    inventory.adjust(
        partners.app.uow(),
        RENO,
        "COASTER",
        -18,
        AdjustmentReason.DAMAGE,
        "counter",
        partners.clock,
    )

    reno = position(partners, RENO, "COASTER")
    assert (reno.on_hand, reno.reserved) == (2, 2)
    after = partners_order(partners, view.id)
    assert after.status is OrderStatus.PARTIALLY_BACKORDERED
    assert only_request(after).units == 2
    assert sum(b.quantity for b in after.backordered) == 2
    [(kind, data)] = node_events(partners, RENO, start)
    assert (kind, data["request_id"], lines_of(data)) == (
        "fulfillment.changed",
        request.id,
        [("1", "COASTER", 2)],
    )
    assert orders.reconcile(partners.app.uow()) == []


# -- helpers over the partners fixture --------------------------------------------------------


def position(partners: Partners, node_id: str, sku: str) -> Position:
    with partners.app.uow() as uow:
        held = uow.inventory.positions(node_id=node_id, skus=[sku])
    return held[0] if held else Position(node_id, sku)


def partners_order(partners: Partners, order_id: str) -> OrderView:
    return orders.get_order(partners.app.uow(), order_id)


def units_at(partners: Partners, order_id: str) -> dict[str, int]:
    units: dict[str, int] = {}
    for request in partners_order(partners, order_id).shipments:
        if request.status.holds_stock:
            units[request.node_id] = units.get(request.node_id, 0) + request.units
    return units


def only_at(partners: Partners, order_id: str, node_id: str) -> FulfillmentRequest:
    (request,) = [
        r
        for r in partners_order(partners, order_id).shipments
        if r.node_id == node_id and r.status.holds_stock
    ]
    return request
