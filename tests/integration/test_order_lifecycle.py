"""Orders through their whole lifecycle, on SQLite and PostgreSQL: placing, shipping,
rejections, short picks, backorders, cancellation, hold, address change, a node taken
out of the network; with the events and transitions each step writes, and the stock
ledger reconciled with the open shipments after every scenario."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ordermesh.adapters.db.tables import orders as orders_table
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.domain.availability import Position
from ordermesh.domain.errors import (
    IllegalTransition,
    InvalidInput,
    RequestAccepted,
    UnknownOrder,
)
from ordermesh.domain.inventory import AdjustmentReason, SnapshotLine
from ordermesh.domain.lifecycle import EntityKind, OrderStatus, RejectReason, RequestStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services import fulfillment, inventory, network, orders, overview
from ordermesh.services.orders import OrderView, PlaceOrder
from ordermesh.services.ports import FulfillmentRequest

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
# Wednesday 10 June 2026, 15:00 UTC: before every node's cutoff, on a working day.
WEDNESDAY = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
CHICAGO = ShipTo(Location(41.9107, -87.6340, "60610", "US", "IL"))
BROOKLYN = ShipTo(Location(40.6782, -73.9442, "11201", "US", "NY"))


class SteppingClock:
    """A clock for tests: a fixed start, one second later at every reading, so records
    come out in a known order whatever the machine's speed."""

    def __init__(self, start: datetime = WEDNESDAY) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


class Shop:
    """The services over one database, as a channel, a node and an operator use them."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.clock = SteppingClock()
        self.document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
        network.load_network(self.uow(), self.document, checksum(self.document), self.clock)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def stock(self, node_id: str, **on_hand: int) -> None:
        lines = [SnapshotLine(sku.replace("_", "-"), units) for sku, units in on_hand.items()]
        inventory.apply_snapshots(self.uow(), {node_id: lines}, "counter", self.clock)

    def place(self, *lines: tuple[str, int], **fields: Any) -> OrderView:
        command = PlaceOrder(
            channel=fields.pop("channel", "web"),
            ship_to=fields.pop("ship_to", CHICAGO),
            service_level=fields.pop("service_level", "standard"),
            lines=tuple(
                OrderLine(str(number), item, quantity)
                for number, (item, quantity) in enumerate(lines, start=1)
            ),
            **fields,
        )
        view, created = orders.place_order(self.uow(), command, self.clock, actor="channel:web")
        assert created
        return view

    def order(self, order_id: str) -> OrderView:
        return orders.get_order(self.uow(), order_id)

    def position(self, node_id: str, sku: str) -> Position:
        with self.uow() as uow:
            held = uow.inventory.positions(node_id, [sku])
        return held[0] if held else Position(node_id, sku)

    def accept(self, request: FulfillmentRequest) -> FulfillmentRequest:
        return fulfillment.accept(self.uow(), request.id, self.clock, actor=request.node_id)

    def event_types(self, order_id: str) -> list[str]:
        events = orders.list_events(self.uow(), 0, 1000)
        mine = [event for event in events if event.order_id == order_id]
        assert [event.sequence for event in mine] == list(range(1, len(mine) + 1))
        return [event.type for event in mine]

    def reconciled(self) -> list[str]:
        return orders.reconcile(self.uow())


@pytest.fixture
def shop(engine: sa.Engine) -> Iterator[Shop]:
    shop = Shop(engine)
    yield shop
    # Whatever a scenario did, reserved stock must match the open shipments exactly.
    assert shop.reconciled() == []


def open_requests(view: OrderView) -> list[FulfillmentRequest]:
    return [r for r in view.shipments if r.status.holds_stock]


def units_by_node(view: OrderView) -> dict[str, int]:
    units: dict[str, int] = {}
    for request in open_requests(view):
        units[request.node_id] = units.get(request.node_id, 0) + request.units
    return units


def test_placing_an_order_routes_it_reserves_its_stock_and_releases_it_to_the_node(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)

    view = shop.place(("MUG-BLUE", 2), idempotency_key="checkout-1")

    assert view.id.startswith("ord_")
    assert view.status is OrderStatus.ROUTED
    (request,) = view.shipments
    assert (request.node_id, request.status, request.units) == ("DC-OHIO", "released", 2)
    assert request.lines[0].sku == "MUG-BLUE"
    assert request.costs["cost"] == pytest.approx(
        request.costs["shipping"] + request.costs["handling"]
    )
    assert view.rule_set_id == "default"
    assert view.explanation is not None and view.explanation["rule_set"]
    assert shop.position("DC-OHIO", "MUG-BLUE").reserved == 2
    assert shop.event_types(view.id) == [
        "order.received",
        "fulfillment.created",
        "fulfillment.released",
        "order.routed",
    ]
    history = orders.order_history(shop.uow(), view.id)
    assert [
        (t.transition.entity, t.transition.from_status, t.transition.to_status) for t in history
    ] == [
        (EntityKind.ORDER, None, "received"),
        (EntityKind.FULFILLMENT_REQUEST, None, "created"),
        (EntityKind.FULFILLMENT_REQUEST, "created", "released"),
        (EntityKind.ORDER, "received", "routed"),
    ]
    assert {t.actor for t in history} == {"channel:web"}


def test_a_repeated_order_returns_the_original_and_creates_nothing(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    first = shop.place(("MUG-BLUE", 1), idempotency_key="k-1")
    by_channel_id = shop.place(("MUG-BLUE", 1), external_id="1001")

    for command in (
        PlaceOrder(
            "web", CHICAGO, "standard", (OrderLine("1", "MUG-BLUE", 1),), idempotency_key="k-1"
        ),
        PlaceOrder(
            "web", CHICAGO, "standard", (OrderLine("1", "MUG-BLUE", 3),), external_id="1001"
        ),
    ):
        again, created = orders.place_order(shop.uow(), command, shop.clock, actor="channel:web")
        assert not created
        assert again.id in (first.id, by_channel_id.id)

    # The same key from another channel is another order.
    other = shop.place(("MUG-BLUE", 1), idempotency_key="k-1", channel="amazon")
    assert other.id not in (first.id, by_channel_id.id)
    with shop.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(orders_table)).scalar() == 3
        )
    assert shop.position("DC-OHIO", "MUG-BLUE").reserved == 3


def test_accepted_shipped_and_delivered_the_order_is_fulfilled_and_the_units_leave_the_node(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 2))
    (request,) = view.shipments

    shop.accept(request)
    shipped = fulfillment.confirm_shipment(
        shop.uow(), request.id, shop.clock, actor="DC-OHIO", tracking_number="1Z999", carrier="UPS"
    )
    delivered = fulfillment.mark_delivered(shop.uow(), request.id, shop.clock, actor="carrier")

    assert shipped.status is RequestStatus.SHIPPED
    assert shipped.tracking_number == "1Z999"
    assert delivered.status is RequestStatus.DELIVERED
    assert shop.order(view.id).status is OrderStatus.FULFILLED
    position = shop.position("DC-OHIO", "MUG-BLUE")
    assert (position.on_hand, position.reserved) == (3, 0)
    assert shop.event_types(view.id)[-5:] == [
        "order.routed",
        "fulfillment.accepted",
        "fulfillment.shipped",
        "order.fulfilled",
        "fulfillment.delivered",
    ]
    with shop.uow() as uow:
        (entry, *_) = uow.inventory.journal("DC-OHIO")
    assert (entry.change.on_hand_before, entry.change.on_hand_after) == (5, 3)
    assert entry.change.reason == "shipment"


def test_a_rejection_reroutes_the_units_away_from_that_node_and_lowers_its_stock(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    shop.stock("DC-RENO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 2))
    (first,) = view.shipments
    other = "DC-RENO" if first.node_id == "DC-OHIO" else "DC-OHIO"

    rejected = fulfillment.reject(
        shop.uow(), first.id, RejectReason.STOCK_NOT_FOUND, shop.clock, actor=first.node_id
    )

    assert rejected.status is RequestStatus.REJECTED
    assert rejected.reject_reason == "stock_not_found"
    after = shop.order(view.id)
    assert after.status is OrderStatus.ROUTED
    assert units_by_node(after) == {other: 2}
    assert after.lines[0].excluded_nodes == {first.node_id}
    # The two units the node could not find are no longer on its books.
    rejecting = shop.position(first.node_id, "MUG-BLUE")
    assert (rejecting.on_hand, rejecting.reserved) == (3, 0)
    assert shop.position(other, "MUG-BLUE").reserved == 2
    types = shop.event_types(view.id)
    assert types[-3:] == ["fulfillment.rejected", "fulfillment.created", "fulfillment.released"]

    # Rejected by the second node too, for capacity: nobody else may ship it, it waits,
    # and a capacity rejection leaves the node's stock alone.
    (second,) = open_requests(after)
    fulfillment.reject(shop.uow(), second.id, RejectReason.CAPACITY, shop.clock, actor=other)
    waiting = shop.order(view.id)
    assert waiting.status is OrderStatus.BACKORDERED
    assert [(b.sku, b.quantity) for b in waiting.backordered] == [("MUG-BLUE", 2)]
    assert shop.position(other, "MUG-BLUE").on_hand == 5
    assert shop.event_types(view.id)[-1] == "order.backordered"


def test_a_short_pick_ships_what_was_found_and_sends_the_rest_elsewhere(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    shop.stock("DC-RENO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 3))
    (request,) = view.shipments
    picker = request.node_id
    other = "DC-RENO" if picker == "DC-OHIO" else "DC-OHIO"
    shop.accept(request)

    shipped = fulfillment.confirm_shipment(
        shop.uow(), request.id, shop.clock, actor=picker, shipped={("1", "MUG-BLUE"): 1}
    )

    assert shipped.lines[0].shipped_quantity == 1
    after = shop.order(view.id)
    assert after.status is OrderStatus.ROUTED
    assert units_by_node(after) == {other: 2}
    # 1 shipped and 2 not found: both leave the picker's count.
    picked = shop.position(picker, "MUG-BLUE")
    assert (picked.on_hand, picked.reserved) == (2, 0)

    (rest,) = open_requests(after)
    shop.accept(rest)
    fulfillment.confirm_shipment(shop.uow(), rest.id, shop.clock, actor=other)
    assert shop.order(view.id).status is OrderStatus.FULFILLED


def test_a_backordered_order_is_routed_when_a_later_snapshot_brings_stock(shop: Shop) -> None:
    older = shop.place(("MUG-BLUE", 2))
    newer = shop.place(("MUG-BLUE", 2))
    assert older.status is OrderStatus.BACKORDERED
    assert [(b.line_id, b.sku, b.quantity) for b in older.backordered] == [("1", "MUG-BLUE", 2)]
    assert older.shipments == ()

    # Enough for one of them: the one that has waited longer gets it.
    shop.stock("DC-OHIO", MUG_BLUE=2)

    filled = shop.order(older.id)
    assert filled.status is OrderStatus.ROUTED
    assert filled.backordered == ()
    assert units_by_node(filled) == {"DC-OHIO": 2}
    assert shop.order(newer.id).status is OrderStatus.BACKORDERED
    assert shop.event_types(older.id)[-3:] == [
        "fulfillment.created",
        "fulfillment.released",
        "order.routed",
    ]
    changed = [e for e in orders.list_events(shop.uow(), 0, 1000) if e.type == "inventory.changed"]
    assert changed[-1].data["on_hand_after"] == 2

    # A receipt (an adjustment) brings the rest: the newer order is routed too, one unit
    # of it now and one still waiting.
    inventory.adjust(
        shop.uow(), "DC-RENO", "MUG-BLUE", 1, AdjustmentReason.RECEIPT, "receiver", shop.clock
    )
    partly = shop.order(newer.id)
    assert partly.status is OrderStatus.PARTIALLY_BACKORDERED
    assert sum(units_by_node(partly).values()) == 2 - sum(b.quantity for b in partly.backordered)


def test_a_bundle_line_waits_and_ships_as_its_components(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=10, COASTER=1)

    view = shop.place(("MUG-PAIR", 1))

    assert view.status is OrderStatus.PARTIALLY_BACKORDERED
    assert [(b.sku, b.bundle_id, b.quantity) for b in view.backordered] == [
        ("COASTER", "MUG-PAIR", 1)
    ]
    shop.stock("DC-OHIO", COASTER=2)  # a count: one reserved and one new
    after = shop.order(view.id)
    assert after.status is OrderStatus.ROUTED
    shipped: dict[tuple[str, str | None], int] = {}
    for request in open_requests(after):
        for line in request.lines:
            key = (line.sku, line.bundle_id)
            shipped[key] = shipped.get(key, 0) + line.quantity
    assert shipped == {("MUG-BLUE", "MUG-PAIR"): 2, ("COASTER", "MUG-PAIR"): 2}


def test_cancelling_an_order_releases_its_stock_and_cannot_be_done_twice(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5, COASTER=5)
    view = shop.place(("MUG-BLUE", 2), ("COASTER", 3))

    partly = orders.cancel_order(
        shop.uow(), view.id, shop.clock, actor="channel:web", lines={"2": 2}, reason="customer"
    )
    assert partly.status is OrderStatus.ROUTED
    assert partly.lines[1].cancelled_quantity == 2
    assert shop.position("DC-OHIO", "COASTER").reserved == 1

    cancelled = orders.cancel_order(shop.uow(), view.id, shop.clock, actor="channel:web")

    assert cancelled.status is OrderStatus.CANCELLED
    assert {r.status for r in cancelled.shipments} == {RequestStatus.CANCELLED}
    assert shop.position("DC-OHIO", "MUG-BLUE").reserved == 0
    assert shop.position("DC-OHIO", "COASTER").reserved == 0
    assert shop.event_types(view.id)[-3:] == [
        "order.lines_cancelled",
        "fulfillment.cancelled",
        "order.cancelled",
    ]
    with pytest.raises(IllegalTransition) as refused:
        orders.cancel_order(shop.uow(), view.id, shop.clock, actor="channel:web")
    assert (refused.value.from_status, refused.value.to_status) == ("cancelled", "cancelled")


def test_cancelling_frees_stock_for_a_waiting_order(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=2)
    first = shop.place(("MUG-BLUE", 2))
    waiting = shop.place(("MUG-BLUE", 2))
    assert waiting.status is OrderStatus.BACKORDERED

    orders.cancel_order(shop.uow(), first.id, shop.clock, actor="ops")

    assert shop.order(waiting.id).status is OrderStatus.ROUTED


def test_shipped_units_cannot_be_cancelled(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 2))
    (request,) = view.shipments
    shop.accept(request)
    fulfillment.confirm_shipment(shop.uow(), request.id, shop.clock, actor="DC-OHIO")

    with pytest.raises(IllegalTransition):
        orders.cancel_order(shop.uow(), view.id, shop.clock, actor="ops", lines={"1": 1})
    assert shop.position("DC-OHIO", "MUG-BLUE").on_hand == 3


def test_a_held_order_waits_can_change_address_and_is_released_to_its_node(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1), hold=True)
    (created,) = view.shipments
    assert view.on_hold
    assert created.status is RequestStatus.CREATED
    # A node cannot take a request that was never released to it.
    with pytest.raises(IllegalTransition):
        shop.accept(created)

    moved = orders.change_address(shop.uow(), view.id, BROOKLYN, shop.clock, actor="ops")

    assert moved.ship_to == BROOKLYN
    old, new = sorted(moved.shipments, key=lambda r: r.created_at)
    assert (old.status, new.status) == (RequestStatus.CANCELLED, RequestStatus.CREATED)
    assert shop.position("DC-OHIO", "MUG-BLUE").reserved == 1

    released = orders.release_order(shop.uow(), view.id, shop.clock, actor="ops")
    assert not released.on_hold
    assert [r.status for r in open_requests(released)] == [RequestStatus.RELEASED]
    with pytest.raises(IllegalTransition):
        orders.release_order(shop.uow(), view.id, shop.clock, actor="ops")
    # Accepted by its node now: the address is fixed.
    (sent,) = open_requests(released)
    shop.accept(sent)
    with pytest.raises(RequestAccepted) as refused:
        orders.change_address(shop.uow(), view.id, CHICAGO, shop.clock, actor="ops")
    assert (refused.value.request_id, refused.value.node_id) == (sent.id, sent.node_id)
    held = orders.hold_order(shop.uow(), view.id, shop.clock, actor="ops")
    assert held.on_hold
    assert [r.id for r in open_requests(held)] == [sent.id]  # the node keeps what it accepted
    types = shop.event_types(view.id)
    assert "order.held" in types and "order.released" in types and "order.address_changed" in types


def test_disabling_a_node_reroutes_the_requests_it_has_not_accepted(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    shop.stock("DC-RENO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1))
    (request,) = view.shipments
    node = request.node_id
    other = "DC-RENO" if node == "DC-OHIO" else "DC-OHIO"
    accepted_view = shop.place(("MUG-BLUE", 1))
    (accepted,) = accepted_view.shipments
    if accepted.node_id == node:
        shop.accept(accepted)

    document = copy.deepcopy(shop.document)
    for entry in document["nodes"]:
        if entry["id"] == node:
            entry["enabled"] = False
    network.load_network(shop.uow(), document, checksum(document), shop.clock)

    after = shop.order(view.id)
    assert units_by_node(after) == {other: 1}
    assert any(r.status is RequestStatus.CANCELLED and r.node_id == node for r in after.shipments)
    assert shop.position(node, "MUG-BLUE").reserved == (1 if accepted.node_id == node else 0)
    # An accepted request stays with its node: the parcel is in hand.
    if accepted.node_id == node:
        assert units_by_node(shop.order(accepted_view.id)) == {node: 1}


def test_requests_due_to_ship_on_a_day_a_new_calendar_closes_are_planned_again(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    shop.stock("DC-RENO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1))
    (request,) = view.shipments
    node = request.node_id

    # A blackout on another day changes the calendar but not this request's ship date.
    document = copy.deepcopy(shop.document)
    (entry,) = [e for e in document["nodes"] if e["id"] == node]
    calendar = entry.setdefault("calendar", {})
    elsewhere = (request.ship_date + timedelta(days=20)).isoformat()
    calendar["blackout_dates"] = [*calendar.get("blackout_dates", []), elsewhere]
    network.load_network(shop.uow(), document, checksum(document), shop.clock)
    assert units_by_node(shop.order(view.id)) == {node: 1}

    calendar["blackout_dates"].append(request.ship_date.isoformat())
    network.load_network(shop.uow(), document, checksum(document), shop.clock)
    after = shop.order(view.id)
    # The request due that day is cancelled and its unit planned again: from another node,
    # or from the same one on a later working day, whichever now costs least.
    assert [r.status for r in after.shipments if r.id == request.id] == [RequestStatus.CANCELLED]
    (replanned,) = open_requests(after)
    assert (replanned.node_id, replanned.ship_date) != (node, request.ship_date)
    assert sum(shop.position(n, "MUG-BLUE").reserved for n in ("DC-OHIO", "DC-RENO")) == 1


def test_illegal_request_transitions_are_refused_and_change_nothing(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1))
    (request,) = view.shipments

    with pytest.raises(IllegalTransition) as not_accepted:
        fulfillment.confirm_shipment(shop.uow(), request.id, shop.clock, actor="DC-OHIO")
    with pytest.raises(IllegalTransition):
        fulfillment.mark_delivered(shop.uow(), request.id, shop.clock, actor="DC-OHIO")
    shop.accept(request)
    with pytest.raises(IllegalTransition):
        shop.accept(request)

    error = not_accepted.value
    assert (error.entity, error.entity_id, error.from_status, error.to_status) == (
        "fulfillment_request",
        request.id,
        "released",
        "shipped",
    )
    assert shop.position("DC-OHIO", "MUG-BLUE").reserved == 1


def test_an_invalid_order_names_every_bad_field_and_writes_nothing(shop: Shop) -> None:
    command = PlaceOrder(
        channel="fax",
        ship_to=ShipTo(CHICAGO.location, pickup_node="DC-OHIO"),
        service_level="teleport",
        lines=(
            OrderLine("1", "MUG-BLUE", 1),
            OrderLine("2", "SAUCER", 1),
            OrderLine("3", "MUG-BLUE", 0),
            OrderLine("4", "COASTER", 10_001),
        ),
    )
    with pytest.raises(InvalidInput) as invalid:
        orders.place_order(shop.uow(), command, shop.clock, actor="channel:web")

    assert [p.where for p in invalid.value.problems] == [
        "channel",
        "service_level",
        "lines[1].sku",
        "lines[2].quantity",
        "lines[3].quantity",
        "ship_to.pickup_node",
    ]
    assert orders.list_orders(shop.uow()).items == ()
    with pytest.raises(UnknownOrder):
        shop.order("ord_missing")


def test_orders_list_newest_first_page_by_page_and_by_filter(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=3)
    placed = [shop.place(("MUG-BLUE", 1)).id for _ in range(5)]
    placed.append(shop.place(("MUG-BLUE", 1), channel="amazon").id)

    seen: list[str] = []
    cursor = None
    while True:
        page = orders.list_orders(shop.uow(), cursor=cursor, limit=4)
        seen.extend(view.id for view in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == placed[::-1]
    waiting = orders.list_orders(shop.uow(), status=OrderStatus.BACKORDERED)
    assert {view.id for view in waiting.items} == set(placed[3:])
    assert [v.id for v in orders.list_orders(shop.uow(), channel="amazon").items] == placed[5:]
    with pytest.raises(InvalidInput):
        orders.list_orders(shop.uow(), cursor="not-a-cursor")

    mine = fulfillment.list_requests(shop.uow(), "DC-OHIO", limit=2)
    assert len(mine.items) == 2 and mine.next_cursor is not None
    rest = fulfillment.list_requests(shop.uow(), "DC-OHIO", cursor=mine.next_cursor)
    assert len(rest.items) == 1 and rest.next_cursor is None


def test_orders_are_found_by_node_sku_and_the_channels_own_id(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=1, COASTER=1)
    mug = shop.place(("MUG-BLUE", 1), external_id="web-1001")
    coaster = shop.place(("COASTER", 1), external_id="web-1002")
    waiting = shop.place(("MUG-BLUE", 2), external_id="web-1003")  # none left to ship

    def found(**where: Any) -> set[str]:
        return {view.id for view in orders.list_orders(shop.uow(), **where).items}

    assert found(sku="COASTER") == {coaster.id}
    assert found(sku="MUG-BLUE") == {mug.id, waiting.id}
    assert found(node="DC-OHIO") == {mug.id, coaster.id}
    assert found(node="DC-OHIO", sku="MUG-BLUE") == {mug.id}
    assert found(external_id="web-1003") == {waiting.id}
    assert found(external_id="web-9999") == set()


def test_orders_per_day_counts_each_utc_day_of_the_window_zero_days_included(
    shop: Shop,
) -> None:
    shop.place(("MUG-BLUE", 1))
    shop.clock._now += timedelta(days=2)  # two days pass
    shop.place(("MUG-BLUE", 1))
    shop.place(("MUG-BLUE", 1), channel="amazon")
    today = shop.clock.now().date()

    days = overview.orders_per_day(shop.uow(), shop.clock, days=4)
    assert days == [
        (today - timedelta(days=3), 0),
        (today - timedelta(days=2), 1),
        (today - timedelta(days=1), 0),
        (today, 2),
    ]
    assert overview.orders_per_day(shop.uow(), shop.clock, days=1, channel="amazon") == [(today, 1)]
