"""Shopify's orders/create webhook over real HTTP, on SQLite and PostgreSQL: a valid
delivery, a forged one, the same delivery again and the same order under a new webhook id
make exactly one order; a malformed payload is refused and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from api_server import NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

SECRET = "shpss_e2e_4b1d2c3a5f6e7d8c"
PATH = "/v1/channels/shop/shopify/orders"


@pytest.fixture(scope="module")
def server(api_server: ApiServer) -> Iterator[ApiServer]:  # noqa: F811
    document = yaml.safe_load(NETWORK.read_text())
    document["channels"].append(
        {
            "id": "shop",
            "service_level": "standard",
            "connector": {"type": "shopify", "secret": SECRET},
        }
    )
    stock = {"lines": [{"sku": "MUG-BLUE", "on_hand": 500}, {"sku": "COASTER", "on_hand": 500}]}
    with api_server.client("admin") as client:
        response = client.put("/v1/network", json=json.loads(json.dumps(document, default=str)))
        assert response.status_code == 201, response.text
        response = client.post("/v1/nodes/DC-RENO/inventory/snapshot", json=stock)
        assert response.status_code == 200, response.text
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
        "line_items": [
            {
                "id": 866550311,
                "variant_id": 808950810,
                "title": "Blue mug",
                "sku": "MUG-BLUE",
                "quantity": 2,
                "price": "16.00",
                "requires_shipping": True,
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
) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": digest,
        "X-Shopify-Shop-Domain": "example.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "2025-01",
    }
    with httpx.Client(base_url=server.base_url, timeout=30) as client:  # no API key
        return client.post(PATH, content=body, headers=headers)


def shop_orders(server: ApiServer) -> list[dict[str, Any]]:
    with server.client("admin") as client:
        response = client.get("/v1/orders", params={"channel": "shop"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


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
    assert [o["id"] for o in shop_orders(server)] == [order["id"]]
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


@pytest.mark.parametrize(
    ("payload", "raw"),
    [
        (orders_create(2001, line_items=[{"id": 1, "sku": "NOPE", "quantity": 1}]), None),
        (orders_create(2002, shipping_address=None), None),
        (orders_create(2003, line_items="mugs"), None),
        (None, b"{not json"),
    ],
)
def test_a_malformed_payload_is_4xx_and_changes_nothing(
    server: ApiServer, payload: Any, raw: bytes | None
) -> None:
    before = server.state()
    response = post(server, payload, f"wh-bad-{id(payload)}", raw=raw)
    assert 400 <= response.status_code < 500 and response.status_code not in (401, 403)
    assert response.json()["error"]["code"] in ("invalid_input", "unknown_sku")
    assert server.state() == before


def test_a_channel_without_a_shopify_connector_is_404(server: ApiServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        response = client.post("/v1/channels/web/shopify/orders", content=b"{}")
    assert response.status_code == 404
