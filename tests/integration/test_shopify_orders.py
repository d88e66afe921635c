"""Shopify orders/create webhooks into orders, on SQLite and PostgreSQL: the payload
mapping, HMAC verification, replays and repeats (exactly one order), and malformed
payloads that change nothing."""

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
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.network import Network
from ordermesh.services import inventory, network
from ordermesh.services import shopify as shopify_service
from ordermesh.services.orders import PlaceOrder

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
SECRET = "shpss_0f3c9d5e7a1b2c4d6e8f"
CLOCK = SystemClock()


def shopify_network_document() -> dict[str, Any]:
    document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
    document = copy.deepcopy(document)
    document["channels"].append(
        {
            "id": "shop",
            "service_level": "standard",
            "connector": {"type": "shopify", "secret": SECRET},
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
            "address1": "123 Amoebobacterieae St",
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


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return body, base64.b64encode(digest).decode()


@pytest.fixture
def shop(engine: sa.Engine) -> Network:
    document = shopify_network_document()
    network.load_network(SqlUnitOfWork(engine), document, checksum(document), CLOCK)
    inventory.apply_snapshots(
        SqlUnitOfWork(engine),
        {"DC-RENO": [SnapshotLine("MUG-BLUE", 100), SnapshotLine("COASTER", 100)]},
        "test",
        CLOCK,
    )
    return network.current_network(SqlUnitOfWork(engine)).network


def command_for(payload: dict[str, Any], shop: Network) -> PlaceOrder:
    parsed = shopify_format.parse_payload(json.dumps(payload).encode())
    return shopify_format.to_place_order(parsed, shop.channels["shop"], shop)


@pytest.mark.postgres
def test_the_payload_maps_to_an_order(shop: Network) -> None:
    command = command_for(orders_create(), shop)
    assert command.channel == "shop"
    assert command.external_id == "5820982911946"
    assert [
        (line.line_id, line.item, line.quantity, line.unit_price) for line in command.lines
    ] == [
        ("466157049", "MUG-BLUE", 2, 16.0),
        ("518995019", "COASTER", 3, 3.0),
    ]  # the gift card needs no shipping
    assert command.ship_to.location.postal_code == "60610"
    assert round(command.ship_to.location.lat) == 42
    assert command.service_level == "standard"
    assert command.tags == ("vip", "summer-sale")
    assert command.placed_at is not None and command.placed_at.utcoffset() is not None


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("title", "code", "level"),
    [
        ("Express Shipping", None, "expedited"),
        ("UPS 2-Day Air", "02", "expedited"),
        ("Expedited", "EXP", "expedited"),
        ("FedEx Overnight", None, "standard"),  # next_day is not in this network
        ("Economy", "eco", "standard"),
    ],
)
def test_shipping_lines_choose_the_service_level(
    shop: Network, title: str, code: str | None, level: str
) -> None:
    payload = orders_create(shipping_lines=[{"title": title, "code": code, "price": "9.00"}])
    assert command_for(payload, shop).service_level == level


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


def test_hmac_is_verified_in_constant_time_against_the_raw_body() -> None:
    body, header = signed(orders_create())
    assert shopify_service.verify_hmac(SECRET, body, header)
    assert not shopify_service.verify_hmac("another-secret", body, header)
    assert not shopify_service.verify_hmac(SECRET, body + b" ", header)
    assert not shopify_service.verify_hmac(SECRET, body, None)
    assert not shopify_service.verify_hmac(SECRET, body, "")


def _receive(
    engine: sa.Engine, shop: Network, payload: dict[str, Any], webhook_id: str | None
) -> tuple[str, bool]:
    calls: list[int] = []

    def command() -> PlaceOrder:
        calls.append(1)
        return command_for(payload, shop)

    view, created = shopify_service.receive_order(
        lambda: SqlUnitOfWork(engine),
        SqlDeliveryStore(engine),
        "shop",
        webhook_id,
        str(payload["id"]),
        command,
        CLOCK,
    )
    if webhook_id is not None and not created:
        assert calls == [] or view.external_id == str(payload["id"])
    return view.id, created


def _order_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(orders_table)
                .where(orders_table.c.channel == "shop")
            ).scalar_one()
        )


@pytest.mark.postgres
def test_a_replayed_or_repeated_webhook_is_the_same_one_order(
    engine: sa.Engine, shop: Network
) -> None:
    payload = orders_create()
    first, created = _receive(engine, shop, payload, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert created
    # Shopify retries the same delivery: same webhook id.
    again, created = _receive(engine, shop, payload, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert (again, created) == (first, False)
    # A second delivery of the same order under a new webhook id: same external id.
    repeat, created = _receive(engine, shop, payload, "0e8a3b6c-1111-4c2d-9a7e-123456789abc")
    assert (repeat, created) == (first, False)
    assert _order_count(engine) == 1
    # A replayed webhook id is answered from the ledger even if the body changed.
    other = orders_create(order_id=1)
    replayed, created = _receive(engine, shop, other, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert (replayed, created) == (first, False)
    assert _order_count(engine) == 1


def _state(engine: sa.Engine) -> dict[str, list[Any]]:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(table.select()).all()), key=repr)
            for name, table in metadata.tables.items()
        }


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"line_items": []}, "line_items"),
        ({"line_items": [{"id": 1, "sku": "NO-SUCH-SKU", "quantity": 1}]}, "lines[0].sku"),
        ({"line_items": [{"id": 1, "sku": "MUG-BLUE", "quantity": 0}]}, "line_items[0].quantity"),
        ({"line_items": [{"id": 1, "sku": None, "quantity": 1}]}, "line_items[0].sku"),
        ({"shipping_address": None}, "shipping_address"),
        ({"shipping_address": {"zip": "00000", "country_code": "US"}}, "shipping_address.zip"),
        ({"shipping_address": {"city": "Nowhere"}}, "shipping_address"),
        ({"id": None}, "id"),
    ],
)
def test_a_malformed_payload_is_refused_and_changes_nothing(
    engine: sa.Engine, shop: Network, changes: dict[str, Any], where: str
) -> None:
    before = _state(engine)
    with pytest.raises(InvalidInput) as raised:
        _receive(engine, shop, orders_create(**changes), "11111111-2222-3333-4444-555555555555")
    assert where in [p.where for p in raised.value.problems]
    assert _state(engine) == before


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"id": 1}'])
def test_a_body_that_is_no_order_is_invalid_input(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        shopify_format.parse_payload(body)
