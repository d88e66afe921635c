"""The access matrix: every endpoint of the running app x every role, over real HTTP.

The endpoints come from the served OpenAPI document, so a new endpoint without an entry
here fails ``test_every_endpoint_has_a_matrix_entry``. For each (endpoint, role) the
server must answer 401 (no key, or a key nobody issued), 403 (a key whose role may not do
this) or something else (allowed: the request got past access control).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from api_server import NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

from ordermesh.adapters.formats.network_document import load_network_file

ADMIN = "admin"
WEB = "channel:web"
OTHER_CHANNEL = "channel:amazon"
NODE_X = "node:DC-RENO"
NODE_Y = "node:DC-OHIO"
NO_KEY = None
BAD_KEY = "bad"
ROLES: tuple[str | None, ...] = (ADMIN, WEB, OTHER_CHANNEL, NODE_X, NODE_Y, NO_KEY, BAD_KEY)
KEYED = (ADMIN, WEB, OTHER_CHANNEL, NODE_X, NODE_Y)
PUBLIC = frozenset(ROLES)


@dataclass(frozen=True)
class Case:
    """How to call one endpoint, and which roles may."""

    allowed: frozenset[str | None]
    path: str | Callable[[World], str] = ""
    body: Any = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """Makes what the matrix calls refer to: a fresh order of channel ``web`` per call (its
    one fulfillment request goes to DC-RENO, the only node with stock), so every allowed
    call acts on an order no other call has touched."""

    server: ApiServer
    counter: int = 0

    def external_id(self) -> str:
        self.counter += 1
        return f"matrix-{self.counter}"

    def order(self) -> dict[str, Any]:
        with self.server.client(ADMIN) as client:
            response = client.post("/v1/orders", json=order_body("web", self.external_id()))
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    def order_id(self) -> str:
        return str(self.order()["id"])

    def request_id(self) -> str:
        shipments = self.order()["shipments"]
        assert [s["node"] for s in shipments] == ["DC-RENO"], shipments
        return str(shipments[0]["id"])


def order_body(channel: str = "web", external_id: str = "x") -> dict[str, Any]:
    return {
        "channel": channel,
        "external_id": external_id,
        "ship_to": {"postal_code": "60610", "country": "US"},
        "lines": [{"sku": "COASTER", "quantity": 1}],
    }


def _order_path(suffix: str = "") -> Callable[[World], str]:
    return lambda world: f"/v1/orders/{world.order_id()}{suffix}"


def _request_path(suffix: str = "") -> Callable[[World], str]:
    return lambda world: f"/v1/fulfillment-requests/{world.request_id()}{suffix}"


CHANNEL_WEB = frozenset({ADMIN, WEB})
NODE_RENO = frozenset({ADMIN, NODE_X})

SNAPSHOT = {"lines": [{"sku": "PILLOW", "on_hand": 7}]}
ADJUSTMENT = {"sku": "PILLOW", "delta": 1, "reason": "receipt"}

MATRIX: dict[tuple[str, str], Case] = {
    ("GET", "/healthz"): Case(PUBLIC),
    ("GET", "/readyz"): Case(PUBLIC),
    ("GET", "/metrics"): Case(PUBLIC),
    ("GET", "/v1/network"): Case(frozenset(KEYED)),
    ("PUT", "/v1/network"): Case(frozenset({ADMIN}), body="NETWORK"),
    ("GET", "/v1/rule-sets"): Case(frozenset(KEYED)),
    ("GET", "/v1/availability"): Case(frozenset(KEYED), params={"sku": "MUG-BLUE"}),
    ("POST", "/v1/nodes/{node}/inventory/snapshot"): Case(
        frozenset({ADMIN, NODE_X}), "/v1/nodes/DC-RENO/inventory/snapshot", SNAPSHOT
    ),
    ("POST", "/v1/nodes/{node}/inventory/adjustments"): Case(
        frozenset({ADMIN, NODE_X}), "/v1/nodes/DC-RENO/inventory/adjustments", ADJUSTMENT
    ),
    ("POST", "/v1/keys"): Case(frozenset({ADMIN}), body={"role": "channel:web"}),
    ("POST", "/v1/api-keys"): Case(frozenset({ADMIN}), body={"role": "channel:web"}),
    ("GET", "/v1/api-keys"): Case(frozenset({ADMIN})),
    ("DELETE", "/v1/api-keys/{key_id}"): Case(frozenset({ADMIN}), "/v1/api-keys/key_none"),
    ("POST", "/v1/orders"): Case(
        CHANNEL_WEB, body=lambda world: order_body("web", world.external_id())
    ),
    ("GET", "/v1/orders"): Case(frozenset({ADMIN, WEB, OTHER_CHANNEL})),
    # The node holding the order's request reads it (and its recipient); no other node.
    ("GET", "/v1/orders/{order_id}"): Case(CHANNEL_WEB | {NODE_X}, _order_path()),
    ("GET", "/v1/orders/{order_id}/history"): Case(CHANNEL_WEB, _order_path("/history")),
    ("POST", "/v1/orders/{order_id}/cancel"): Case(CHANNEL_WEB, _order_path("/cancel")),
    ("POST", "/v1/orders/{order_id}/hold"): Case(CHANNEL_WEB, _order_path("/hold")),
    ("POST", "/v1/orders/{order_id}/release"): Case(CHANNEL_WEB, _order_path("/release")),
    ("POST", "/v1/orders/{order_id}/address"): Case(
        CHANNEL_WEB, _order_path("/address"), {"postal_code": "10001"}
    ),
    # Admin only (409 here: the order is open, not fulfilled or cancelled).
    ("POST", "/v1/orders/{order_id}/redact"): Case(frozenset({ADMIN}), _order_path("/redact")),
    ("GET", "/v1/nodes/{node}/fulfillment-requests"): Case(
        NODE_RENO, "/v1/nodes/DC-RENO/fulfillment-requests"
    ),
    ("GET", "/v1/fulfillment-requests/{request_id}"): Case(NODE_RENO, _request_path()),
    ("POST", "/v1/fulfillment-requests/{request_id}/accept"): Case(
        NODE_RENO, _request_path("/accept")
    ),
    ("POST", "/v1/fulfillment-requests/{request_id}/reject"): Case(
        NODE_RENO, _request_path("/reject"), {"reason": "capacity"}
    ),
    ("POST", "/v1/fulfillment-requests/{request_id}/ship"): Case(
        NODE_RENO, _request_path("/ship"), {"tracking_number": "1Z999", "carrier": "UPS"}
    ),
    ("POST", "/v1/fulfillment-requests/{request_id}/deliver"): Case(
        NODE_RENO, _request_path("/deliver")
    ),
    ("GET", "/v1/events"): Case(frozenset({ADMIN})),
    ("POST", "/v1/webhooks/subscribers"): Case(
        frozenset({ADMIN}), body={"url": "http://127.0.0.1:9/hook", "secret": "matrix-secret"}
    ),
    ("GET", "/v1/webhooks/subscribers"): Case(frozenset({ADMIN})),
    ("DELETE", "/v1/webhooks/subscribers/{subscriber_id}"): Case(
        frozenset({ADMIN}), "/v1/webhooks/subscribers/whs_none"
    ),
    ("GET", "/v1/webhooks/dead-letters"): Case(frozenset({ADMIN})),
    ("POST", "/v1/webhooks/dead-letters/{dead_letter_id}/replay"): Case(
        frozenset({ADMIN}), "/v1/webhooks/dead-letters/1/replay"
    ),
    # A channel key sees its own channel's only: another channel's is 404, as if absent.
    ("GET", "/v1/intake-exceptions"): Case(frozenset({ADMIN, WEB, OTHER_CHANNEL})),
    ("GET", "/v1/intake-exceptions/{exception_id}"): Case(
        frozenset({ADMIN, WEB, OTHER_CHANNEL}), "/v1/intake-exceptions/ixc_none"
    ),
    ("POST", "/v1/intake-exceptions/{exception_id}/retry"): Case(
        frozenset({ADMIN, WEB, OTHER_CHANNEL}), "/v1/intake-exceptions/ixc_none/retry"
    ),
    ("POST", "/v1/intake-exceptions/{exception_id}/dismiss"): Case(
        frozenset({ADMIN, WEB, OTHER_CHANNEL}),
        "/v1/intake-exceptions/ixc_none/dismiss",
        {"reason": "a duplicate"},
    ),
    # A channel key gets its own channel's figures.
    ("GET", "/v1/overview"): Case(frozenset({ADMIN, WEB, OTHER_CHANNEL})),
    ("POST", "/v1/replays"): Case(frozenset({ADMIN}), body={"draft": {"rule_sets": []}, "days": 1}),
    ("GET", "/v1/replays/{replay_id}"): Case(frozenset({ADMIN}), "/v1/replays/rpl_none"),
    ("GET", "/v1/advice/transfers"): Case(frozenset({ADMIN}), params={"days": 7, "top": 3}),
    # No API key: Shopify signs the body instead (404 here: "web" is no Shopify channel).
    ("POST", "/v1/channels/{channel_id}/shopify/orders"): Case(
        PUBLIC, "/v1/channels/web/shopify/orders", body={}
    ),
}


def _route_table(server: ApiServer) -> set[tuple[str, str]]:
    with httpx.Client(base_url=server.base_url) as client:
        paths = client.get("/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


@pytest.fixture(scope="module")
def world(api_server: ApiServer) -> Iterator[World]:  # noqa: F811
    stock = {"lines": [{"sku": "COASTER", "on_hand": 100_000}, {"sku": "PILLOW", "on_hand": 5}]}
    with api_server.client(ADMIN) as client:
        response = client.post("/v1/nodes/DC-RENO/inventory/snapshot", json=stock)
    assert response.status_code == 200, response.text
    yield World(api_server)


def test_every_endpoint_has_a_matrix_entry(api_server: ApiServer) -> None:  # noqa: F811
    served = _route_table(api_server)
    assert served - set(MATRIX) == set(), "endpoints without an access matrix entry"
    assert set(MATRIX) - served == set(), "matrix entries for endpoints that do not exist"


def _call(
    server: ApiServer, world: World, role: str | None, endpoint: tuple[str, str]
) -> httpx.Response:
    method, template = endpoint
    case = MATRIX[endpoint]
    path = case.path(world) if callable(case.path) else (case.path or template)
    body = case.body
    if body == "NETWORK":
        body = load_network_file(NETWORK.read_bytes(), "network")[0]
    elif callable(body):
        body = body(world)
    with server.client(role) as client:
        return client.request(method, path, json=body, params=case.params)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: str(r))
@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_access(
    api_server: ApiServer,  # noqa: F811
    world: World,
    endpoint: tuple[str, str],
    role: str | None,
) -> None:
    response = _call(api_server, world, role, endpoint)
    case = MATRIX[endpoint]
    if role in case.allowed:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text
    elif role in (NO_KEY, BAD_KEY):
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthenticated"
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
