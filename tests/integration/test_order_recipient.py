"""The recipient of an order (who, street address, phone, e-mail), on SQLite and PostgreSQL:
kept with the order, carried by every fulfillment request of it, refused when a label
could not carry it, and erased by redaction once the order is closed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from test_order_lifecycle import BROOKLYN, CHICAGO, Shop
from test_webhook_connectors import document, load, relay_pass

from ordermesh.adapters.db.tables import orders as orders_table
from ordermesh.adapters.db.tables import outbox_events
from ordermesh.adapters.events.local import WebhookReceiver
from ordermesh.domain.errors import IllegalTransition, InvalidInput
from ordermesh.domain.lifecycle import EntityKind, OrderStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import RECIPIENT_FIELDS, Recipient, ShipTo
from ordermesh.services import fulfillment, orders
from ordermesh.services.orders import OrderView
from ordermesh.services.ports import StoredEvent

ADA = Recipient(
    name="Ada Lovelace",
    company="Analytical Engines Ltd",
    address1="1600 N Clark St",
    address2="Apt 3",
    city="Chicago",
    region="IL",
    phone="+1 312 555 0100",
    email="ada@example.com",
)
TO_ADA = replace(CHICAGO, recipient=ADA)
# What an event says of CHICAGO besides the recipient.
CHICAGO_DATA = {
    "postal_code": "60610",
    "country": "US",
    "lat": 41.9107,
    "lon": -87.634,
    "pickup_node": None,
}


@pytest.fixture
def shop(engine: sa.Engine) -> Iterator[Shop]:
    shop = Shop(engine)
    yield shop
    assert shop.reconciled() == []


def events_of(shop: Shop, order_id: str, type_: str) -> list[StoredEvent]:
    return [
        event
        for event in orders.list_events(shop.uow(), 0, 1000)
        if event.order_id == order_id and event.type == type_
    ]


def stored_text(shop: Shop, order_id: str) -> str:
    """Every stored byte of the order row and of its events, as one text to search."""
    with shop.engine.connect() as connection:
        row = connection.execute(sa.select(orders_table).where(orders_table.c.id == order_id)).one()
        payloads = connection.execute(
            sa.select(outbox_events.c.payload).where(outbox_events.c.order_id == order_id)
        ).scalars()
        return json.dumps([list(map(str, row)), list(payloads)], default=str)


def fulfilled(shop: Shop, view: OrderView) -> OrderView:
    (request,) = view.shipments
    shop.accept(request)
    fulfillment.confirm_shipment(shop.uow(), request.id, shop.clock, actor=request.node_id)
    return shop.order(view.id)


def test_an_order_keeps_its_recipient_and_reads_it_back_whole(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)

    view = shop.place(("MUG-BLUE", 1), ship_to=TO_ADA, external_id="web-1001")

    assert view.ship_to == TO_ADA
    assert shop.order(view.id).ship_to == TO_ADA
    with shop.uow() as uow:
        [stored] = uow.orders.get_many([view.id, "ord_missing"])
    assert stored.ship_to.recipient == ADA and stored.redacted_at is None


def test_an_order_stored_before_recipients_were_kept_reads_without_one(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1), ship_to=TO_ADA)
    old_shape = {"lat": 41.9107, "lon": -87.634, "postal_code": "60610", "country": "US"}
    with shop.engine.begin() as connection:
        connection.execute(
            orders_table.update().where(orders_table.c.id == view.id).values(ship_to=old_shape)
        )

    assert shop.order(view.id).ship_to.recipient is None


def test_the_node_receives_the_recipient_external_id_and_channel_with_the_request(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 2), ship_to=TO_ADA, external_id="web-1002")
    (request,) = view.shipments

    (listed,) = fulfillment.list_requests(shop.uow(), "DC-OHIO").items
    one = fulfillment.get_request_view(shop.uow(), request.id)

    for seen in (listed, one):
        assert seen.request.id == request.id
        assert (seen.channel, seen.external_id, seen.ship_to) == ("web", "web-1002", TO_ADA)
    (released,) = events_of(shop, view.id, "fulfillment.released")
    assert released.data["request_id"] == request.id
    assert released.data["external_id"] == "web-1002"
    assert released.data["channel"] == "web"
    assert released.data["ship_to"] == {
        **CHICAGO_DATA,
        "name": "Ada Lovelace",
        "company": "Analytical Engines Ltd",
        "address1": "1600 N Clark St",
        "address2": "Apt 3",
        "city": "Chicago",
        "region": "IL",
        "phone": "+1 312 555 0100",
        "email": "ada@example.com",
    }
    assert released.data["lines"] == [
        {"line_id": "1", "sku": "MUG-BLUE", "bundle_id": None, "quantity": 2}
    ]


def test_the_nodes_webhook_delivery_of_the_release_carries_the_recipient(shop: Shop) -> None:
    shop.stock("DC-RENO", COASTER=5)
    with WebhookReceiver() as hook:
        load(shop.engine, document({"url": hook.url, "secret": "reno-secret"}, None))
        relay_pass(shop.engine)  # the relay sees the connector: deliveries from now on
        view = shop.place(("COASTER", 1), ship_to=TO_ADA, external_id="web-1003")
        relay_pass(shop.engine)
        delivered = [r.json() for r in hook.accepted()]

    (released,) = [e for e in delivered if e["type"] == "fulfillment.released"]
    assert released["order_id"] == view.id
    data = released["data"]
    assert (data["node_id"], data["external_id"], data["channel"]) == (
        "DC-RENO",
        "web-1003",
        "web",
    )
    assert (data["ship_to"]["name"], data["ship_to"]["address1"]) == (
        "Ada Lovelace",
        "1600 N Clark St",
    )


def test_a_held_order_released_later_sends_the_recipient_of_its_new_address(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1), ship_to=TO_ADA, hold=True)
    grace = Recipient(name="Grace Hopper", address1="1 Navy Yard", city="Brooklyn")

    moved = orders.change_address(
        shop.uow(), view.id, replace(BROOKLYN, recipient=grace), shop.clock, actor="ops"
    )
    orders.release_order(shop.uow(), view.id, shop.clock, actor="ops")

    assert moved.ship_to.recipient == grace
    (released,) = events_of(shop, view.id, "fulfillment.released")
    ship_to = released.data["ship_to"]
    assert isinstance(ship_to, dict)
    assert (ship_to["name"], ship_to["postal_code"], ship_to["company"]) == (
        "Grace Hopper",
        "11201",
        None,
    )


def test_a_pickup_order_keeps_who_collects_it_at_the_stores_location(shop: Shop) -> None:
    shop.stock("STORE-CHI", MUG_BLUE=5)
    collector = Recipient(name="Ada Lovelace", phone="+1 312 555 0100")

    view = shop.place(
        ("MUG-BLUE", 1),
        ship_to=ShipTo(Location(0.0, 0.0), "STORE-CHI", collector),
    )

    assert view.ship_to.pickup_node == "STORE-CHI"
    assert view.ship_to.location == Location(41.9033, -87.6336)  # the store's
    assert shop.order(view.id).ship_to.recipient == collector


def test_a_recipient_no_label_can_carry_is_refused_naming_each_field(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    bad = Recipient(name="x" * 101, address1="1 Main St\nSuite 2", email="ada at example")

    with pytest.raises(InvalidInput) as error:
        shop.place(("MUG-BLUE", 1), ship_to=replace(CHICAGO, recipient=bad))

    assert [(p.where, p.message) for p in error.value.problems] == [
        ("ship_to.name", "at most 100 characters, not 101"),
        ("ship_to.address1", "must not hold line breaks or control characters"),
        ("ship_to.email", "'ada at example' is not an e-mail address"),
    ]
    assert orders.list_orders(shop.uow()).items == ()


def test_redacting_a_fulfilled_order_erases_the_recipient_everywhere_it_is_kept(
    shop: Shop,
) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = fulfilled(shop, shop.place(("MUG-BLUE", 1), ship_to=TO_ADA))
    assert view.status is OrderStatus.FULFILLED
    assert "Lovelace" in stored_text(shop, view.id)

    redacted = orders.redact_order(shop.uow(), view.id, shop.clock, actor="api:admin")

    assert redacted.ship_to.recipient is None
    assert redacted.ship_to.location == CHICAGO.location  # postal code and country stay
    assert redacted.redacted_at is not None
    assert shop.order(view.id).ship_to.recipient is None
    stored = stored_text(shop, view.id)
    for personal in ("Lovelace", "Clark St", "Apt 3", "555 0100", "ada@example.com"):
        assert personal not in stored
    (released,) = events_of(shop, view.id, "fulfillment.released")
    assert released.data["ship_to"] == {**CHICAGO_DATA, **dict.fromkeys(RECIPIENT_FIELDS)}
    (event,) = events_of(shop, view.id, "order.redacted")
    assert event.data == {"actor": "api:admin"}
    last = orders.order_history(shop.uow(), view.id)[-1]
    assert (last.transition.entity, last.transition.from_status, last.transition.to_status) == (
        EntityKind.ORDER_RECIPIENT,
        "kept",
        "redacted",
    )
    assert (last.actor, last.at) == ("api:admin", redacted.redacted_at)


def test_a_cancelled_order_can_be_redacted_but_only_once(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1), ship_to=TO_ADA)
    orders.cancel_order(shop.uow(), view.id, shop.clock, actor="ops")

    orders.redact_order(shop.uow(), view.id, shop.clock, actor="ops")

    with pytest.raises(IllegalTransition) as error:
        orders.redact_order(shop.uow(), view.id, shop.clock, actor="ops")
    assert (error.value.from_status, error.value.to_status) == ("redacted", "redacted")


def test_an_open_order_cannot_be_redacted_and_keeps_its_recipient(shop: Shop) -> None:
    shop.stock("DC-OHIO", MUG_BLUE=5)
    view = shop.place(("MUG-BLUE", 1), ship_to=TO_ADA)

    with pytest.raises(IllegalTransition) as error:
        orders.redact_order(shop.uow(), view.id, shop.clock, actor="ops")

    assert error.value.entity == "order_recipient"
    assert "only a fulfilled or cancelled order" in error.value.detail
    assert shop.order(view.id).ship_to.recipient == ADA
    assert events_of(shop, view.id, "order.redacted") == []
