"""Shopify's order webhooks over real HTTP against ``ordermesh serve``, on SQLite and
PostgreSQL: Shopify's own published sample and every awkward case a real store sends.
Past the HMAC check every delivery is answered 2xx and none is lost: each is placed,
acknowledged with a reason, or kept as an intake exception that
``GET /v1/intake-exceptions`` shows, and a retry after the network is fixed places it."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from api_server import NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

SECRET = "shpss_e2e_4b1d2c3a5f6e7d8c"
PATH = "/v1/channels/shop/shopify/orders"
PICKUP_LOCATION = 655441491
SAMPLE = Path(__file__).parent.parent / "data" / "shopify" / "orders_create_sample.json"


def network_document(*extra_skus: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        json.dumps(yaml.safe_load(NETWORK.read_text()), default=str)
    )
    document["channels"].append(
        {
            "id": "shop",
            "service_level": "standard",
            "connector": {
                "type": "shopify",
                "secret": SECRET,
                "locations": {str(PICKUP_LOCATION): "STORE-CHI"},
            },
        }
    )
    # Shopify's sample sells an "IPod Nano - 8GB" under SKU IPOD2008PINK: the test network
    # gets that SKU rather than the sample being edited.
    for sku in ("IPOD2008PINK", *extra_skus):
        document["skus"].append(
            {"id": sku, "weight_lb": 1.25, "dims_in": [4, 3, 1], "unit_cost": 90, "price": 199}
        )
    return document


def put_network(server: ApiServer, document: dict[str, Any]) -> None:
    with server.client("admin") as client:
        response = client.put("/v1/network", json=document)
    assert response.status_code in (200, 201), response.text


@pytest.fixture(scope="module")
def server(api_server: ApiServer) -> Iterator[ApiServer]:  # noqa: F811
    put_network(api_server, network_document())
    stock = {
        "lines": [
            {"sku": "MUG-BLUE", "on_hand": 500},
            {"sku": "COASTER", "on_hand": 500},
            {"sku": "IPOD2008PINK", "on_hand": 50},
        ]
    }
    with api_server.client("admin") as client:
        response = client.post("/v1/nodes/DC-RENO/inventory/snapshot", json=stock)
        assert response.status_code == 200, response.text
        response = client.post(
            "/v1/nodes/STORE-CHI/inventory/snapshot",
            json={"lines": [{"sku": "MUG-BLUE", "on_hand": 20}]},
        )
        assert response.status_code == 200, response.text
        response = client.post("/v1/keys", json={"role": "channel:shop"})
        assert response.status_code == 201, response.text
        api_server.keys["channel:shop"] = response.json()["key"]
    yield api_server


def orders_create(order_id: int, **changes: Any) -> dict[str, Any]:
    """An orders/create payload in the shape Shopify documents."""
    payload: dict[str, Any] = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id % 10_000}",
        "email": "bob.norman@example.com",
        "created_at": "2026-06-10T10:00:00-04:00",
        "currency": "USD",
        "financial_status": "paid",
        "total_price": "38.00",
        "tags": "",
        "test": False,
        "location_id": None,
        "line_items": [
            {
                "id": 866550311,
                "variant_id": 808950810,
                "title": "Blue mug",
                "sku": "MUG-BLUE",
                "quantity": 2,
                "price": "16.00",
                "requires_shipping": True,
                "gift_card": False,
                "fulfillment_service": "manual",
            }
        ],
        "shipping_address": {
            "first_name": "Bob",
            "last_name": "Norman",
            "address1": "Chestnut Street 92",
            "city": "Louisville",
            "province": "Kentucky",
            "province_code": "KY",
            "country": "United States",
            "country_code": "US",
            "zip": "40202",
            "latitude": None,
            "longitude": None,
        },
        "shipping_lines": [
            {"id": 369256396, "title": "Express Shipping", "code": "EXPRESS", "price": "6.00"}
        ],
    }
    payload.update(changes)
    return payload


def post(
    server: ApiServer,
    payload: Any,
    webhook_id: str,
    secret: str = SECRET,
    raw: bytes | None = None,
    topic: str = "orders/create",
) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": "example.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "2025-01",
    }
    with httpx.Client(base_url=server.base_url, timeout=30) as client:  # no API key
        return client.post(PATH, content=body, headers=headers)


def shop_orders(server: ApiServer) -> list[dict[str, Any]]:
    with server.client("admin") as client:
        response = client.get("/v1/orders", params={"channel": "shop", "limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def shop_order(server: ApiServer, external_id: int) -> dict[str, Any] | None:
    found = [o for o in shop_orders(server) if o["external_id"] == str(external_id)]
    assert len(found) <= 1
    return found[0] if found else None


def intake_exception(server: ApiServer, exception_id: str) -> dict[str, Any]:
    with server.client("channel:shop") as client:
        response = client.get(f"/v1/intake-exceptions/{exception_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def assert_kept(server: ApiServer, response: httpx.Response, field: str) -> dict[str, Any]:
    """A delivery kept as an intake exception that the channel's key can list."""
    assert response.status_code == 202, response.text
    ack = response.json()
    assert ack["outcome"] == "kept"
    kept = intake_exception(server, ack["intake_exception_id"])
    assert kept["status"] == "open"
    assert field in [reason["field"] for reason in kept["reasons"]], kept["reasons"]
    with server.client("channel:shop") as client:
        listed = client.get("/v1/intake-exceptions", params={"status": "open", "limit": 200})
    assert listed.status_code == 200, listed.text
    assert kept["id"] in [item["id"] for item in listed.json()["items"]]
    return kept


def test_shopifys_own_sample_is_a_test_order_acknowledged_then_placed_when_live(
    server: ApiServer,
) -> None:
    body = SAMPLE.read_bytes()  # posted byte for byte as stored
    before = server.state()
    response = post(server, None, "wh-sample-test", raw=body)
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "ignored"  # the sample says "test": true
    assert server.state() == before

    live = json.loads(body) | {"test": False}  # the same order from a live store
    response = post(server, live, "wh-sample-live")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["external_id"] == "820982911946154508"
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [
        ("IPOD2008PINK", 1),
        ("IPOD2008PINK", 1),
    ]
    assert order["ship_to"]["postal_code"] == "40003"
    assert order["currency"] == "USD"
    assert order["service_level"] == "standard"  # "Generic Shipping": the channel's default

    cancelled = post(server, live, "wh-sample-cancel", topic="orders/cancelled")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["outcome"] == "cancelled"
    found = shop_order(server, 820982911946154508)
    assert found is not None and found["status"] == "cancelled"


def test_valid_forged_and_duplicated_deliveries_make_exactly_one_order(server: ApiServer) -> None:
    payload = orders_create(450789469)
    before = server.state()
    forged = post(server, payload, "wh-forged", secret="not-the-store-secret")
    assert forged.status_code == 401, forged.text
    assert forged.json()["error"]["code"] == "unauthenticated"
    assert server.state() == before

    created = post(server, payload, "wh-1")
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["channel"] == "shop"
    assert order["external_id"] == "450789469"
    assert order["service_level"] == "expedited"
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [("MUG-BLUE", 2)]

    after_first = server.state()
    replayed = post(server, payload, "wh-1")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["id"] == order["id"]
    repeated = post(server, payload, "wh-2")  # Shopify's retry under a new webhook id
    assert repeated.status_code == 200, repeated.text
    assert repeated.json()["id"] == order["id"]
    assert shop_order(server, 450789469) is not None
    # Nothing but the second webhook id's ledger line was written.
    changed = {name for name in after_first if server.state()[name] != after_first[name]}
    assert changed <= {"shopify_webhooks"}


def test_a_tampered_body_with_an_old_signature_is_refused(server: ApiServer) -> None:
    body = json.dumps(orders_create(1001)).encode()
    digest = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    tampered = body.replace(b'"quantity": 2', b'"quantity": 9')
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        response = client.post(
            PATH,
            content=tampered,
            headers={"X-Shopify-Hmac-Sha256": digest, "X-Shopify-Webhook-Id": "wh-t"},
        )
    assert response.status_code == 401


def test_a_gift_card_is_skipped_and_listed_on_the_order(server: ApiServer) -> None:
    gift = {
        "id": 1_009_001,
        "title": "Gift card",
        "sku": None,
        "quantity": 1,
        "price": "25.00",
        "requires_shipping": True,  # a physical gift card still is one
        "gift_card": True,
    }
    payload = orders_create(3001)
    payload["line_items"].append(gift)
    response = post(server, payload, "wh-gift")
    assert response.status_code == 201, response.text
    order = response.json()
    assert [line["sku"] for line in order["lines"]] == ["MUG-BLUE"]
    assert order["notes"] == ["skipped line 1009001 ('Gift card' x1): gift card"]


def test_a_sku_differing_in_case_and_spaces_is_placed(server: ApiServer) -> None:
    item = orders_create(3002)["line_items"][0] | {"sku": " mug-Blue "}
    response = post(server, orders_create(3002, line_items=[item]), "wh-case")
    assert response.status_code == 201, response.text
    assert [line["sku"] for line in response.json()["lines"]] == ["MUG-BLUE"]


def test_a_local_pickup_at_a_mapped_location_is_placed_at_its_node(server: ApiServer) -> None:
    payload = orders_create(3003, shipping_address=None, location_id=PICKUP_LOCATION)
    response = post(server, payload, "wh-pickup")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["ship_to"]["pickup_node"] == "STORE-CHI"
    assert {s["node"] for s in order["shipments"]} == {"STORE-CHI"}


@pytest.mark.parametrize(
    ("order_id", "changes", "field"),
    [
        (
            4001,
            {"line_items": [{"id": 1, "sku": None, "title": "Engraving", "quantity": 1}]},
            "line_items[0].sku",
        ),
        (4002, {"shipping_address": None}, "shipping_address"),
        (4003, {"shipping_address": None, "location_id": 1234}, "location_id"),
        (4004, {"currency": "CAD"}, "currency"),
        (
            4005,
            {"shipping_address": {"zip": "K2P 0L7", "country_code": "CA", "city": "Ottawa"}},
            "shipping_address.zip",
        ),
        (4006, {"line_items": "mugs"}, "line_items"),
    ],
)
def test_what_cannot_be_placed_is_kept_and_listed(
    server: ApiServer, order_id: int, changes: dict[str, Any], field: str
) -> None:
    response = post(server, orders_create(order_id, **changes), f"wh-kept-{order_id}")
    kept = assert_kept(server, response, field)
    assert kept["external_id"] == str(order_id)
    assert kept["channel"] == "shop" and kept["source"] == "shopify"
    assert shop_order(server, order_id) is None


def test_a_body_that_is_no_json_is_kept_too(server: ApiServer) -> None:
    kept = assert_kept(server, post(server, None, "wh-not-json", raw=b"{not json"), "body")
    assert kept["payload"] == "{not json"


def test_an_unknown_topic_and_a_test_order_are_acknowledged_and_change_nothing(
    server: ApiServer,
) -> None:
    before = server.state()
    response = post(server, orders_create(5001), "wh-topic", topic="products/update")
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "ignored"
    response = post(server, orders_create(5002, test=True), "wh-test")
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "ignored"
    assert server.state() == before
    assert server.log is not None
    assert "topic=products/update" in server.log.read_text()  # and a line says so


def test_a_kept_order_is_placed_by_a_retry_after_the_network_is_fixed(server: ApiServer) -> None:
    item = {"id": 61, "sku": "TEAPOT", "title": "Teapot", "quantity": 1, "price": "30.00"}
    response = post(server, orders_create(6001, line_items=[item]), "wh-teapot")
    kept = assert_kept(server, response, "line_items[0].sku")
    with server.client("channel:shop") as client:
        still = client.post(f"/v1/intake-exceptions/{kept['id']}/retry")
    assert still.status_code == 200, still.text
    assert still.json()["status"] == "open" and still.json()["attempts"] == 2

    put_network(server, network_document("TEAPOT"))
    with server.client("admin") as client:
        stocked = client.post(
            "/v1/nodes/DC-OHIO/inventory/snapshot",
            json={"lines": [{"sku": "TEAPOT", "on_hand": 10}]},
        )
        assert stocked.status_code == 200, stocked.text
    with server.client("channel:shop") as client:
        resolved = client.post(f"/v1/intake-exceptions/{kept['id']}/retry")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "resolved" and body["order_id"] is not None
    order = shop_order(server, 6001)
    assert order is not None and order["id"] == body["order_id"]
    with server.client("channel:shop") as client:
        again = client.post(f"/v1/intake-exceptions/{kept['id']}/retry")
    assert again.status_code == 409, again.text


def test_a_kept_order_is_dismissed_with_a_reason(server: ApiServer) -> None:
    response = post(server, orders_create(7001, shipping_address=None), "wh-dismiss")
    kept = assert_kept(server, response, "shipping_address")
    with server.client("channel:shop") as client:
        refused = client.post(f"/v1/intake-exceptions/{kept['id']}/dismiss", json={})
        assert refused.status_code == 422, refused.text
        dismissed = client.post(
            f"/v1/intake-exceptions/{kept['id']}/dismiss", json={"reason": "refunded"}
        )
    assert dismissed.status_code == 200, dismissed.text
    assert (dismissed.json()["status"], dismissed.json()["resolution"]) == (
        "dismissed",
        "refunded",
    )


def test_another_channels_key_sees_none_of_the_shops_exceptions(server: ApiServer) -> None:
    response = post(server, orders_create(8001, shipping_address=None), "wh-private")
    kept = assert_kept(server, response, "shipping_address")
    with server.client("channel:web") as client:
        listed = client.get("/v1/intake-exceptions")
        assert listed.status_code == 200, listed.text
        assert kept["id"] not in [item["id"] for item in listed.json()["items"]]
        assert client.get(f"/v1/intake-exceptions/{kept['id']}").status_code == 404
        assert client.get("/v1/intake-exceptions", params={"channel": "shop"}).status_code == 403
        assert client.post(f"/v1/intake-exceptions/{kept['id']}/retry").status_code == 404
    with server.client("node:DC-RENO") as client:
        assert client.get("/v1/intake-exceptions").status_code == 403
    with server.client("admin") as client:
        listed = client.get("/v1/intake-exceptions", params={"channel": "shop", "limit": 200})
    assert kept["id"] in [item["id"] for item in listed.json()["items"]]


def test_the_rest_api_still_answers_422_and_keeps_nothing(server: ApiServer) -> None:
    before = copy.deepcopy(server.state()["intake_exceptions"])
    with server.client("channel:web") as client:
        response = client.post(
            "/v1/orders",
            json={
                "channel": "web",
                "ship_to": {"postal_code": "60610", "country": "US"},
                "lines": [{"sku": "TEAPOT-NOT-HERE", "quantity": 1}],
            },
        )
    assert response.status_code == 422, response.text
    assert server.state()["intake_exceptions"] == before


def test_a_channel_without_a_shopify_connector_is_404(server: ApiServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        response = client.post("/v1/channels/web/shopify/orders", content=b"{}")
    assert response.status_code == 404
