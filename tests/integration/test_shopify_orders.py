"""Shopify order webhooks into orders, on SQLite and PostgreSQL: the payload mapping, HMAC
verification, the topics, replays and repeats (exactly one order), and every delivery
that cannot be placed kept as an intake exception, then retried or dismissed: nothing a
store sends is lost."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.tables import orders as orders_table
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.adapters.formats import shopify as shopify_format
from ordermesh.adapters.formats.network_document import (
    checksum,
    load_network_file,
    validate_network_document,
)
from ordermesh.domain.errors import IllegalTransition, InvalidInput, InvalidNetwork
from ordermesh.domain.intake import IntakeStatus
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.lifecycle import OrderStatus
from ordermesh.domain.network import Network
from ordermesh.services import intake_exceptions as intake
from ordermesh.services import inventory, network
from ordermesh.services import orders as order_service
from ordermesh.services import shopify as shopify_service
from ordermesh.services.intake_ports import IntakeException
from ordermesh.services.orders import PlaceOrder
from ordermesh.services.shopify import Delivery, DeliveryResult, Outcome

DATA = Path(__file__).parent.parent / "data"
NETWORK = DATA / "network_small.yaml"
SAMPLE = DATA / "shopify" / "orders_create_sample.json"
SECRET = "shpss_0f3c9d5e7a1b2c4d6e8f"
CLOCK = SystemClock()
PICKUP_LOCATION = "655441491"


def shopify_network_document(**connector: Any) -> dict[str, Any]:
    document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
    document = copy.deepcopy(document)
    document["channels"].append(
        {
            "id": "shop",
            "service_level": "standard",
            "connector": {
                "type": "shopify",
                "secret": SECRET,
                "locations": {PICKUP_LOCATION: "STORE-CHI"},
                **connector,
            },
        }
    )
    return document


def orders_create(order_id: int = 5_820_982_911_946, **changes: Any) -> dict[str, Any]:
    """An orders/create payload in the shape Shopify documents (trimmed of nothing the
    mapping reads; a few of the many other fields left in, as Shopify sends them)."""
    payload: dict[str, Any] = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": "#1001",
        "order_number": 1001,
        "email": "jon@example.com",
        "created_at": "2026-06-10T10:00:00-05:00",
        "currency": "USD",
        "financial_status": "paid",
        "fulfillment_status": None,
        "total_price": "45.00",
        "tags": "vip, summer-sale",
        "test": False,
        "location_id": None,
        "line_items": [
            {
                "id": 466157049,
                "variant_id": 39072856,
                "product_id": 632910392,
                "title": "Blue mug",
                "sku": "MUG-BLUE",
                "quantity": 2,
                "price": "16.00",
                "grams": 500,
                "requires_shipping": True,
                "gift_card": False,
                "fulfillment_service": "manual",
                "taxable": True,
            },
            {
                "id": 518995019,
                "variant_id": 49148385,
                "product_id": 632910393,
                "title": "Coaster",
                "sku": "COASTER",
                "quantity": 3,
                "price": "3.00",
                "grams": 90,
                "requires_shipping": True,
                "gift_card": False,
                "fulfillment_service": "manual",
                "taxable": True,
            },
            {
                "id": 703073504,
                "title": "Gift card",
                "sku": None,
                "quantity": 1,
                "price": "25.00",
                "requires_shipping": False,
                "gift_card": True,
            },
        ],
        "shipping_address": {
            "first_name": "Jon",
            "last_name": "Snow",
            "company": "Night's Watch",
            "address1": "123 Amoebobacterieae St",
            "address2": "Unit 4",
            "city": "Chicago",
            "province": "Illinois",
            "province_code": "IL",
            "country": "United States",
            "country_code": "US",
            "zip": "60610",
            "phone": "555-625-1199",
            "latitude": None,
            "longitude": None,
        },
        "shipping_lines": [
            {
                "id": 271878346,
                "title": "Standard Shipping",
                "code": "Standard",
                "price": "10.00",
                "source": "shopify",
                "carrier_identifier": None,
            }
        ],
        "customer": {"id": 115310627, "email": "jon@example.com", "first_name": "Jon"},
    }
    payload.update(changes)
    return payload


def line(sku: str | None, quantity: int = 1, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": 9_100_000 + quantity,
        "title": "Blue mug",
        "sku": sku,
        "quantity": quantity,
        "price": "16.00",
        "requires_shipping": True,
        "gift_card": False,
    }
    item.update(changes)
    return item


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return body, base64.b64encode(digest).decode()


def load(engine: sa.Engine, document: dict[str, Any]) -> Network:
    network.load_network(SqlUnitOfWork(engine), document, checksum(document), CLOCK)
    return network.current_network(SqlUnitOfWork(engine)).network


@pytest.fixture
def shop(engine: sa.Engine) -> Network:
    loaded = load(engine, shopify_network_document())
    inventory.apply_snapshots(
        SqlUnitOfWork(engine),
        {
            "DC-RENO": [SnapshotLine("MUG-BLUE", 100), SnapshotLine("COASTER", 100)],
            "STORE-CHI": [SnapshotLine("MUG-BLUE", 10)],
        },
        "test",
        CLOCK,
    )
    return loaded


def command_for(payload: dict[str, Any], shop: Network) -> PlaceOrder:
    parsed = shopify_format.parse_payload(json.dumps(payload).encode())
    return shopify_format.to_place_order(parsed, shop.channels["shop"], shop)


def deliver(
    engine: sa.Engine,
    payload: dict[str, Any] | bytes,
    topic: str | None = "orders/create",
    webhook_id: str | None = None,
) -> DeliveryResult:
    uow = SqlUnitOfWork(engine)
    current = network.current_network(uow).network
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return shopify_service.receive(
        lambda: SqlUnitOfWork(engine),
        SqlDeliveryStore(engine),
        shopify_format.READER,
        Delivery(current.channels["shop"], current, topic, webhook_id, body),
        CLOCK,
    )


def _order_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(orders_table)
                .where(orders_table.c.channel == "shop")
            ).scalar_one()
        )


def _state(engine: sa.Engine) -> dict[str, list[Any]]:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(table.select()).all()), key=repr)
            for name, table in metadata.tables.items()
        }


def kept_reasons(result: DeliveryResult) -> list[str]:
    assert result.outcome is Outcome.KEPT, result
    assert result.exception is not None
    return [reason.where for reason in result.exception.reasons]


# -- mapping ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_payload_maps_to_an_order_with_its_recipient(shop: Network) -> None:
    command = command_for(orders_create(), shop)
    assert command.channel == "shop"
    assert command.external_id == "5820982911946"
    assert [
        (line.line_id, line.item, line.quantity, line.unit_price) for line in command.lines
    ] == [
        ("466157049", "MUG-BLUE", 2, 16.0),
        ("518995019", "COASTER", 3, 3.0),
    ]
    assert command.notes == ("skipped line 703073504 ('Gift card' x1): gift card",)
    assert command.ship_to.location.postal_code == "60610"
    assert round(command.ship_to.location.lat) == 42
    recipient = command.ship_to.recipient
    assert recipient is not None
    assert (recipient.name, recipient.company, recipient.address1, recipient.address2) == (
        "Jon Snow",
        "Night's Watch",
        "123 Amoebobacterieae St",
        "Unit 4",
    )
    assert (recipient.city, recipient.region, recipient.phone, recipient.email) == (
        "Chicago",
        "IL",
        "555-625-1199",
        "jon@example.com",
    )
    assert command.service_level == "standard"
    assert command.currency == "USD"
    assert command.tags == ("vip", "summer-sale")
    assert command.placed_at is not None and command.placed_at.utcoffset() is not None


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("title", "code", "level"),
    [
        ("Express Shipping", None, "expedited"),
        ("UPS 2-Day Air", "02", "expedited"),
        ("Expedited", "EXP", "expedited"),
        ("Priority Mail", None, "expedited"),
        ("FedEx Overnight", None, "standard"),  # next_day is not in this network
        ("Economy", "eco", "standard"),
        ("Standard Shipping", None, "standard"),
        ("UPS Ground", None, "standard"),
        ("Local courier", None, "expedited"),  # the channel's own words, below
    ],
)
def test_shipping_lines_choose_the_service_level(
    engine: sa.Engine, title: str, code: str | None, level: str
) -> None:
    loaded = load(engine, shopify_network_document(service_levels={"local courier": "expedited"}))
    payload = orders_create(shipping_lines=[{"title": title, "code": code, "price": "9.00"}])
    assert command_for(payload, loaded).service_level == level


def test_a_channels_own_words_come_before_the_defaults() -> None:
    lines = [("Standard Express", None)]
    assert shopify_service.service_level_for(lines, "x", {"standard", "expedited"}) == ("expedited")
    assert (
        shopify_service.service_level_for(
            lines, "x", {"standard", "expedited"}, [("STANDARD EX", "standard")]
        )
        == "standard"
    )


def test_next_day_words_map_to_next_day_where_the_network_has_it() -> None:
    lines = [("Overnight", None)]
    assert shopify_service.service_level_for(lines, "standard", {"standard", "next_day"}) == (
        "next_day"
    )
    assert shopify_service.service_level_for([], "standard", {"next_day"}) == "standard"


@pytest.mark.postgres
def test_coordinates_are_used_when_shopify_sends_them(shop: Network) -> None:
    address = orders_create()["shipping_address"] | {
        "latitude": 40.6782,
        "longitude": -73.9442,
        "zip": "11201",
    }
    command = command_for(orders_create(shipping_address=address), shop)
    assert (command.ship_to.location.lat, command.ship_to.location.lon) == (40.6782, -73.9442)


@pytest.mark.postgres
@pytest.mark.parametrize("sku", ["mug-blue", " MUG-BLUE ", "Mug - Blue", "MUG-\tblue"])
def test_a_sku_that_differs_in_case_or_spaces_is_matched(shop: Network, sku: str) -> None:
    command = command_for(orders_create(line_items=[line(sku, 2)]), shop)
    assert [(line.item, line.quantity) for line in command.lines] == [("MUG-BLUE", 2)]


@pytest.mark.postgres
def test_a_line_without_a_sku_is_matched_by_its_title_to_a_sku_name(shop: Network) -> None:
    command = command_for(orders_create(line_items=[line(None, 1, title="blue MUG")]), shop)
    assert [line.item for line in command.lines] == ["MUG-BLUE"]


@pytest.mark.postgres
def test_a_sku_matching_two_skus_but_for_case_is_not_guessed(engine: sa.Engine) -> None:
    document = shopify_network_document()
    document["skus"].append(
        {"id": "mug-blue", "weight_lb": 1, "dims_in": [5, 5, 6], "unit_cost": 4, "price": 15}
    )
    loaded = load(engine, document)
    assert [
        line.item
        for line in command_for(orders_create(line_items=[line("MUG-BLUE")]), loaded).lines
    ] == ["MUG-BLUE"]
    with pytest.raises(InvalidInput) as raised:
        command_for(orders_create(line_items=[line("Mug-Blue")]), loaded)
    assert "matches several" in raised.value.problems[0].message


# -- connector settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connector", "where"),
    [
        ({"locations": {"1": "NOWHERE"}}, "channels[2].connector.locations.1"),
        ({"locations": {"1": "DC-RENO"}}, "channels[2].connector.locations.1"),
        ({"service_levels": {"x": "warp"}}, "channels[2].connector.service_levels.x"),
        ({"currency_rates": {"USD": 1.0}}, "channels[2].connector.currency_rates.USD"),
        ({"currency_rates": {"CAD": 0}}, "channels[2].connector.currency_rates.CAD"),
    ],
)
def test_a_shopify_connectors_settings_are_checked(connector: dict[str, Any], where: str) -> None:
    document = shopify_network_document(**connector)
    if "locations" in connector:
        document["channels"][2]["connector"]["locations"] = connector["locations"]
    with pytest.raises(InvalidNetwork) as raised:
        validate_network_document(document)
    assert where in [p.where for p in raised.value.problems], raised.value.problems


def test_only_a_shopify_connector_has_shopify_settings() -> None:
    document = shopify_network_document()
    document["channels"][0]["connector"] = {"type": "api", "currency_rates": {"CAD": 0.7}}
    with pytest.raises(InvalidNetwork) as raised:
        validate_network_document(document)
    assert "channels[0].connector.currency_rates" in [p.where for p in raised.value.problems]


def test_hmac_is_verified_in_constant_time_against_the_raw_body() -> None:
    body, header = signed(orders_create())
    assert shopify_service.verify_hmac(SECRET, body, header)
    assert not shopify_service.verify_hmac("another-secret", body, header)
    assert not shopify_service.verify_hmac(SECRET, body + b" ", header)
    assert not shopify_service.verify_hmac(SECRET, body, None)
    assert not shopify_service.verify_hmac(SECRET, body, "")


# -- deliveries -------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_replayed_or_repeated_webhook_is_the_same_one_order(
    engine: sa.Engine, shop: Network
) -> None:
    payload = orders_create()
    first = deliver(engine, payload, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert first.outcome is Outcome.PLACED and first.order is not None
    # Shopify retries the same delivery: same webhook id.
    again = deliver(engine, payload, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert again.outcome is Outcome.REPEAT and again.order is not None
    assert again.order.id == first.order.id
    # A second delivery of the same order under a new webhook id: same external id.
    repeat = deliver(engine, payload, webhook_id="0e8a3b6c-1111-4c2d-9a7e-123456789abc")
    assert repeat.outcome is Outcome.REPEAT and repeat.order is not None
    assert repeat.order.id == first.order.id
    # A replayed webhook id is answered from the ledger even if the body changed.
    replayed = deliver(
        engine, orders_create(order_id=1), webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    )
    assert replayed.order is not None and replayed.order.id == first.order.id
    assert _order_count(engine) == 1


@pytest.mark.postgres
def test_a_placed_order_lists_its_skipped_lines_and_currency(
    engine: sa.Engine, shop: Network
) -> None:
    placed = deliver(engine, orders_create())
    assert placed.order is not None
    stored = order_service.get_order(SqlUnitOfWork(engine), placed.order.id)
    assert stored.currency == "USD"
    assert stored.notes == ("skipped line 703073504 ('Gift card' x1): gift card",)
    assert [line.item for line in stored.lines] == ["MUG-BLUE", "COASTER"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"line_items": []}, "line_items"),
        ({"line_items": [line("NO-SUCH-SKU")]}, "line_items[0].sku"),
        ({"line_items": [line("MUG-BLUE", 0)]}, "line_items[0].quantity"),
        ({"line_items": [line(None, title="Custom engraving")]}, "line_items[0].sku"),
        (
            {"line_items": [line(None, title="Gift card", gift_card=True)]},
            "line_items",
        ),
        ({"shipping_address": None}, "shipping_address"),
        ({"shipping_address": {"zip": "00000", "country_code": "US"}}, "shipping_address.zip"),
        ({"shipping_address": {"city": "Nowhere"}}, "shipping_address"),
        (
            {"shipping_address": {"zip": "K2P 0L7", "country_code": "CA", "city": "Ottawa"}},
            "shipping_address.zip",
        ),
        ({"shipping_address": None, "location_id": 99}, "location_id"),
        ({"currency": "CAD"}, "currency"),
    ],
)
def test_a_delivery_that_cannot_be_placed_is_kept_with_its_reasons_and_nothing_else_changes(
    engine: sa.Engine, shop: Network, changes: dict[str, Any], where: str
) -> None:
    before = _state(engine)
    payload = orders_create(**changes)
    result = deliver(engine, payload, webhook_id="11111111-2222-3333-4444-555555555555")
    assert where in kept_reasons(result)
    after = _state(engine)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"intake_exceptions", "outbox_events"}
    assert result.exception is not None
    kept = intake.get_exception(SqlUnitOfWork(engine), result.exception.id)
    assert (kept.status, kept.channel, kept.source, kept.topic, kept.external_id) == (
        IntakeStatus.OPEN,
        "shop",
        "shopify",
        "orders/create",
        "5820982911946",
    )
    assert json.loads(kept.payload) == payload
    events = order_service.list_events(SqlUnitOfWork(engine))
    assert [(e.type, e.data["intake_exception_id"]) for e in events[-1:]] == [
        ("intake.exception", kept.id)
    ]


@pytest.mark.postgres
def test_a_body_that_is_no_json_is_kept_too(engine: sa.Engine, shop: Network) -> None:
    result = deliver(engine, b"{not json")
    assert kept_reasons(result) == ["body"]
    assert result.exception is not None and result.exception.external_id is None


@pytest.mark.postgres
def test_another_delivery_of_a_kept_order_updates_the_one_exception(
    engine: sa.Engine, shop: Network
) -> None:
    first = deliver(engine, orders_create(line_items=[line("TEAPOT")]))
    second = deliver(engine, orders_create(line_items=[line("TEAPOT", 2)]))
    assert first.exception is not None and second.exception is not None
    assert second.exception.id == first.exception.id
    assert second.exception.attempts == 2
    page = intake.list_exceptions(SqlUnitOfWork(engine))
    assert [e.id for e in page.items] == [first.exception.id]
    assert json.loads(page.items[0].payload)["line_items"][0]["quantity"] == 2


@pytest.mark.postgres
def test_a_pickup_at_a_mapped_location_goes_to_its_node(engine: sa.Engine, shop: Network) -> None:
    result = deliver(engine, orders_create(shipping_address=None, location_id=int(PICKUP_LOCATION)))
    assert result.outcome is Outcome.PLACED and result.order is not None
    assert result.order.ship_to.pickup_node == "STORE-CHI"
    assert {r.node_id for r in result.order.shipments} == {"STORE-CHI"}


@pytest.mark.postgres
def test_a_pickup_named_by_its_shipping_line_goes_to_its_node(engine: sa.Engine) -> None:
    load(engine, shopify_network_document(locations={"Chicago store": "STORE-CHI"}))
    inventory.apply_snapshots(
        SqlUnitOfWork(engine), {"STORE-CHI": [SnapshotLine("MUG-BLUE", 10)]}, "test", CLOCK
    )
    pickup_line = {"title": "Chicago Store", "code": "Chicago Store", "source": "shopify"}
    result = deliver(
        engine,
        orders_create(
            shipping_address=None, shipping_lines=[pickup_line], line_items=[line("MUG-BLUE")]
        ),
    )
    assert result.order is not None and result.order.ship_to.pickup_node == "STORE-CHI"


@pytest.mark.postgres
def test_a_test_order_is_acknowledged_and_changes_nothing(engine: sa.Engine, shop: Network) -> None:
    before = _state(engine)
    result = deliver(engine, orders_create(test=True))
    assert result.outcome is Outcome.IGNORED
    assert _state(engine) == before


@pytest.mark.postgres
@pytest.mark.parametrize("topic", ["products/update", "orders/paid", "app/uninstalled"])
def test_a_topic_ordermesh_does_not_handle_is_ignored(
    engine: sa.Engine, shop: Network, topic: str
) -> None:
    before = _state(engine)
    result = deliver(engine, orders_create(), topic=topic)
    assert result.outcome is Outcome.IGNORED and topic in result.message
    assert _state(engine) == before


@pytest.mark.postgres
def test_shopifys_own_sample_is_placed_once_not_a_test(engine: sa.Engine) -> None:
    document = shopify_network_document()
    document["skus"].append(
        {
            "id": "IPOD2008PINK",
            "weight_lb": 1.25,
            "dims_in": [4, 2, 1],
            "unit_cost": 90,
            "price": 199,
        }
    )
    load(engine, document)
    inventory.apply_snapshots(
        SqlUnitOfWork(engine), {"DC-RENO": [SnapshotLine("IPOD2008PINK", 10)]}, "test", CLOCK
    )
    sample = json.loads(SAMPLE.read_text())
    # Shopify's published sample is a test order ("test": true): acknowledged only.
    assert deliver(engine, sample).outcome is Outcome.IGNORED
    result = deliver(engine, sample | {"test": False})
    assert result.outcome is Outcome.PLACED and result.order is not None
    assert result.order.external_id == "820982911946154508"
    assert [(line.line_id, line.item) for line in result.order.lines] == [
        ("866550311766439020", "IPOD2008PINK"),
        ("141249953214522974", "IPOD2008PINK"),
    ]
    assert result.order.ship_to.location.postal_code == "40003"


# -- cancellations and updates ----------------------------------------------------------------


@pytest.mark.postgres
def test_orders_cancelled_cancels_the_order_and_releases_its_stock(
    engine: sa.Engine, shop: Network
) -> None:
    placed = deliver(engine, orders_create())
    assert placed.order is not None
    cancelled = deliver(engine, orders_create(cancel_reason="customer"), "orders/cancelled")
    assert cancelled.outcome is Outcome.CANCELLED
    assert cancelled.order is not None and cancelled.order.status is OrderStatus.CANCELLED
    assert _order_count(engine) == 1
    again = deliver(engine, orders_create(cancel_reason="customer"), "orders/cancelled")
    assert again.outcome is Outcome.UNCHANGED


@pytest.mark.postgres
def test_orders_cancelled_of_a_kept_order_dismisses_it(engine: sa.Engine, shop: Network) -> None:
    kept = deliver(engine, orders_create(line_items=[line("TEAPOT")]))
    assert kept.exception is not None
    result = deliver(engine, orders_create(), "orders/cancelled")
    assert result.outcome is Outcome.CANCELLED
    stored = intake.get_exception(SqlUnitOfWork(engine), kept.exception.id)
    assert (stored.status, stored.resolution) == (IntakeStatus.DISMISSED, "cancelled in Shopify")
    assert _order_count(engine) == 0


@pytest.mark.postgres
def test_orders_cancelled_of_an_unknown_order_is_ignored(engine: sa.Engine, shop: Network) -> None:
    assert deliver(engine, orders_create(order_id=42), "orders/cancelled").outcome is (
        Outcome.IGNORED
    )


@pytest.mark.postgres
def test_orders_updated_moves_an_order_nothing_of_which_is_released(
    engine: sa.Engine, shop: Network
) -> None:
    # No pillow in stock: wholly backordered, nothing released to a node yet.
    payload = orders_create(line_items=[line("PILLOW")])
    placed = deliver(engine, payload)
    assert placed.order is not None and placed.order.status is OrderStatus.BACKORDERED
    moved = orders_create(
        line_items=[line("PILLOW")],
        shipping_address=payload["shipping_address"] | {"zip": "10001", "city": "New York"},
    )
    result = deliver(engine, moved, "orders/updated")
    assert result.outcome is Outcome.ADDRESS_CHANGED
    assert result.order is not None and result.order.ship_to.location.postal_code == "10001"
    assert deliver(engine, moved, "orders/updated").outcome is Outcome.UNCHANGED


@pytest.mark.postgres
def test_orders_updated_after_release_is_kept_for_review(engine: sa.Engine, shop: Network) -> None:
    payload = orders_create()
    placed = deliver(engine, payload)
    assert placed.order is not None
    moved = orders_create(shipping_address=payload["shipping_address"] | {"zip": "10001"})
    result = deliver(engine, moved, "orders/updated")
    assert kept_reasons(result) == ["shipping_address"]
    assert result.exception is not None and result.exception.topic == "orders/updated"
    stored = order_service.get_order(SqlUnitOfWork(engine), placed.order.id)
    assert stored.ship_to.location.postal_code == "60610"


@pytest.mark.postgres
def test_orders_updated_of_an_unknown_order_places_nothing(
    engine: sa.Engine, shop: Network
) -> None:
    assert deliver(engine, orders_create(), "orders/updated").outcome is Outcome.IGNORED
    assert _order_count(engine) == 0


@pytest.mark.postgres
def test_orders_updated_of_a_kept_order_that_now_maps_places_it(
    engine: sa.Engine, shop: Network
) -> None:
    kept = deliver(engine, orders_create(line_items=[line("TEAPOT")]))
    assert kept.exception is not None
    fixed = deliver(engine, orders_create(line_items=[line("MUG-BLUE")]), "orders/updated")
    assert fixed.outcome is Outcome.PLACED and fixed.order is not None
    stored = intake.get_exception(SqlUnitOfWork(engine), kept.exception.id)
    assert (stored.status, stored.order_id) == (IntakeStatus.RESOLVED, fixed.order.id)


# -- retry and dismissal ----------------------------------------------------------------------


@pytest.mark.postgres
def test_a_kept_order_is_placed_by_a_retry_once_the_network_has_its_sku(
    engine: sa.Engine, shop: Network
) -> None:
    kept = deliver(engine, orders_create(line_items=[line("TEAPOT", 2)]))
    assert kept.exception is not None
    exception_id = kept.exception.id

    def retry() -> Any:
        return intake.retry(
            lambda: SqlUnitOfWork(engine),
            exception_id,
            shopify_format.intake_again,
            CLOCK,
            actor="api:admin",
        )

    still = retry()
    assert (still.status, still.attempts) == (IntakeStatus.OPEN, 2)
    assert [r.where for r in still.reasons] == ["line_items[0].sku"]

    document = shopify_network_document()
    document["skus"].append(
        {"id": "TEAPOT", "weight_lb": 2, "dims_in": [8, 8, 8], "unit_cost": 9, "price": 30}
    )
    load(engine, document)
    inventory.apply_snapshots(
        SqlUnitOfWork(engine), {"DC-OHIO": [SnapshotLine("TEAPOT", 5)]}, "test", CLOCK
    )
    resolved = retry()
    assert resolved.status is IntakeStatus.RESOLVED and resolved.order_id is not None
    assert resolved.resolved_by == "api:admin"
    order = order_service.get_order(SqlUnitOfWork(engine), resolved.order_id)
    assert (order.external_id, [(line.item, line.quantity) for line in order.lines]) == (
        "5820982911946",
        [("TEAPOT", 2)],
    )
    with pytest.raises(IllegalTransition):
        retry()


def kept_in_cad_then_placed_at_a_rate(engine: sa.Engine) -> tuple[IntakeException, str]:
    """An order in CAD kept as an exception, then placed by a retry once a rate is set:
    the exception as kept, and the order's id."""
    kept = deliver(engine, orders_create(currency="CAD", line_items=[line("MUG-BLUE")]))
    assert kept.exception is not None
    load(engine, shopify_network_document(currency_rates={"CAD": 0.74}))
    resolved = intake.retry(
        lambda: SqlUnitOfWork(engine),
        kept.exception.id,
        shopify_format.intake_again,
        CLOCK,
        actor="api:admin",
    )
    assert resolved.order_id is not None
    return kept.exception, resolved.order_id


@pytest.mark.postgres
def test_another_currency_is_placed_once_a_rate_is_configured(
    engine: sa.Engine, shop: Network
) -> None:
    _, order_id = kept_in_cad_then_placed_at_a_rate(engine)
    order = order_service.get_order(SqlUnitOfWork(engine), order_id)
    assert order.currency == "USD"
    assert [line.unit_price for line in order.lines] == [11.84]  # 16.00 CAD at 0.74
    assert order.notes == ("prices converted from CAD at 0.74 USD",)


@pytest.mark.postgres
def test_redacting_an_order_placed_from_an_exception_erases_the_kept_payload(
    engine: sa.Engine, shop: Network
) -> None:
    kept, order_id = kept_in_cad_then_placed_at_a_rate(engine)
    assert "shipping_address" in kept.payload
    order_service.cancel_order(SqlUnitOfWork(engine), order_id, CLOCK, actor="test")

    order_service.redact_order(SqlUnitOfWork(engine), order_id, CLOCK, actor="test")

    stored = intake.get_exception(SqlUnitOfWork(engine), kept.id)
    assert stored.payload == order_service.REDACTED_PAYLOAD
    assert (stored.status, stored.order_id) == (IntakeStatus.RESOLVED, order_id)


@pytest.mark.postgres
def test_a_dismissed_exception_keeps_its_reason_and_cannot_be_retried(
    engine: sa.Engine, shop: Network
) -> None:
    kept = deliver(engine, orders_create(line_items=[line("TEAPOT")]))
    assert kept.exception is not None
    dismissed = intake.dismiss(
        SqlUnitOfWork(engine), kept.exception.id, "refunded in Shopify", CLOCK, actor="api:admin"
    )
    assert (dismissed.status, dismissed.resolution) == (
        IntakeStatus.DISMISSED,
        "refunded in Shopify",
    )
    with pytest.raises(IllegalTransition):
        intake.retry(
            lambda: SqlUnitOfWork(engine),
            kept.exception.id,
            shopify_format.intake_again,
            CLOCK,
            actor="api:admin",
        )
    open_only = intake.list_exceptions(SqlUnitOfWork(engine), status=IntakeStatus.OPEN)
    assert open_only.items == ()


@pytest.mark.postgres
def test_exceptions_page_newest_first_by_cursor(engine: sa.Engine, shop: Network) -> None:
    ids = []
    for order_id in range(1, 6):
        result = deliver(engine, orders_create(order_id=order_id, line_items=[line("TEAPOT")]))
        assert result.exception is not None
        ids.append(result.exception.id)
    first = intake.list_exceptions(SqlUnitOfWork(engine), channel="shop", limit=3)
    assert first.next_cursor is not None
    rest = intake.list_exceptions(SqlUnitOfWork(engine), cursor=first.next_cursor, limit=3)
    assert rest.next_cursor is None
    assert [e.id for e in first.items + rest.items] == ids[::-1]
    assert intake.list_exceptions(SqlUnitOfWork(engine), channel="web").items == ()


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"id": 1}'])
def test_a_body_that_is_no_order_is_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        shopify_format.parse_payload(body)
