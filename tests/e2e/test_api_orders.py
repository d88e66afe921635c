"""Orders and their exceptions over real HTTP, on SQLite and PostgreSQL: idempotent intake,
a rejection re-routed, a short pick, a backorder filled by a later snapshot, a
cancellation that releases stock, hold and release, an address change, and the events.

The module loads its own network version (the small test network plus one SKU per test)
through ``PUT /v1/network``, so each test works on stock no other test touches.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from api_server import NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

TEST_SKUS = (
    "T-IDEM",
    "T-REJECT",
    "T-SHORT",
    "T-BACK",
    "T-CANCEL",
    "T-ACCEPTED",
    "T-HOLD",
    "T-BAD",
)


@pytest.fixture(scope="module")
def server(api_server: ApiServer) -> Iterator[ApiServer]:  # noqa: F811
    document = yaml.safe_load(NETWORK.read_text())
    for sku in TEST_SKUS:
        document["skus"].append(
            {"id": sku, "weight_lb": 1.0, "dims_in": [4, 4, 4], "unit_cost": 2.0, "price": 10.0}
        )
    with api_server.client("admin") as client:
        response = client.put("/v1/network", json=_json(document))
        assert response.status_code == 201, response.text
        assert response.json()["created"] is True
        again = client.put("/v1/network", json=_json(document))
        assert again.status_code == 200 and again.json()["created"] is False
    yield api_server


def _json(document: Any) -> Any:
    """YAML dates as the ISO strings JSON carries."""
    return json.loads(json.dumps(document, default=str))


def order(sku: str, quantity: int, external_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": external_id,
        "customer": {"tier": "gold"},
        "ship_to": {"postal_code": "60610", "country": "US"},
        "service_level": "standard",
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": 10.0}],
        "tags": [],
        **extra,
    }


def stock(server: ApiServer, node: str, sku: str, on_hand: int) -> None:
    with server.client(f"node:{node}" if node in ("DC-RENO", "DC-OHIO") else "admin") as c:
        response = c.post(
            f"/v1/nodes/{node}/inventory/snapshot",
            json={"lines": [{"sku": sku, "on_hand": on_hand}]},
        )
    assert response.status_code == 200, response.text


def ats(server: ApiServer, sku: str) -> dict[str, int]:
    with server.client("channel:web") as client:
        response = client.get("/v1/availability", params={"sku": sku})
    assert response.status_code == 200, response.text
    per_node: dict[str, int] = response.json()["per_node"]
    return {node: units for node, units in per_node.items() if units}


def get_order(server: ApiServer, order_id: str) -> dict[str, Any]:
    with server.client("channel:web") as client:
        response = client.get(f"/v1/orders/{order_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def place(server: ApiServer, body: dict[str, Any], status: int = 201, **headers: str) -> Any:
    with server.client("channel:web", headers=headers) as client:
        response = client.post("/v1/orders", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_a_repeated_submission_returns_the_original_and_creates_nothing(server: ApiServer) -> None:
    stock(server, "DC-OHIO", "T-IDEM", 10)
    body = order("T-IDEM", 2, "idem-1")
    first = place(server, body, 201, **{"Idempotency-Key": "key-idem-1"})
    assert first["status"] == "routed"
    assert [(s["node"], s["lines"][0]["quantity"]) for s in first["shipments"]] == [("DC-OHIO", 2)]
    shipment = first["shipments"][0]
    assert {"service", "zone", "shipping", "handling", "cost", "promised_date", "co2e_g"} <= set(
        shipment
    )
    assert first["backordered"] == [] and first["explanation"]["nodes"]
    before = server.state()
    again = place(server, body, 200, **{"Idempotency-Key": "key-idem-1"})
    assert again["id"] == first["id"]
    # The channel's own order id alone identifies a repeat too.
    assert place(server, body, 200)["id"] == first["id"]
    assert server.state() == before
    assert ats(server, "T-IDEM") == {"DC-OHIO": 8}


def test_a_rejected_request_is_rerouted_and_lowers_the_nodes_stock(server: ApiServer) -> None:
    stock(server, "DC-OHIO", "T-REJECT", 4)
    stock(server, "DC-RENO", "T-REJECT", 10)
    placed = place(server, order("T-REJECT", 3, "reject-1"))
    [first] = placed["shipments"]
    assert first["node"] == "DC-OHIO" and first["status"] == "released"
    with server.client("node:DC-RENO") as other:
        refused = other.post(
            f"/v1/fulfillment-requests/{first['id']}/reject", json={"reason": "stock_not_found"}
        )
    assert refused.status_code == 403
    with server.client("node:DC-OHIO") as node:
        listed = node.get("/v1/nodes/DC-OHIO/fulfillment-requests", params={"status": "open"})
        assert first["id"] in [r["id"] for r in listed.json()["items"]]
        response = node.post(
            f"/v1/fulfillment-requests/{first['id']}/reject",
            json={"reason": "stock_not_found", "note": "shelf empty"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    after = get_order(server, placed["id"])
    assert after["status"] == "routed"
    open_now = [s for s in after["shipments"] if s["status"] == "released"]
    assert [(s["node"], s["lines"][0]["quantity"]) for s in open_now] == [("DC-RENO", 3)]
    # The 3 units OHIO said were not there left its count: 4 - 3 = 1 remains to sell.
    assert ats(server, "T-REJECT") == {"DC-OHIO": 1, "DC-RENO": 7}
    with server.client("admin") as admin:
        history = admin.get(f"/v1/orders/{placed['id']}/history").json()
        events = admin.get("/v1/events", params={"after": 0, "limit": 1000}).json()["items"]
    assert any(h["to_status"] == "rejected" and "DC-OHIO" in h["actor"] for h in history)
    mine = [e for e in events if e["order_id"] == placed["id"]]
    assert "fulfillment.rejected" in [e["type"] for e in mine]
    assert [e["sequence"] for e in mine] == sorted(e["sequence"] for e in mine)


def test_a_short_pick_ships_what_was_found_and_reroutes_the_rest(server: ApiServer) -> None:
    stock(server, "DC-OHIO", "T-SHORT", 3)
    stock(server, "DC-RENO", "T-SHORT", 10)
    placed = place(server, order("T-SHORT", 3, "short-1"))
    [first] = placed["shipments"]
    assert first["node"] == "DC-OHIO"
    with server.client("node:DC-OHIO") as node:
        early = node.post(f"/v1/fulfillment-requests/{first['id']}/ship", json={})
        assert early.status_code == 409, early.text
        assert early.json()["error"]["code"] == "illegal_transition"
        assert node.post(f"/v1/fulfillment-requests/{first['id']}/accept").status_code == 200
        shipped = node.post(
            f"/v1/fulfillment-requests/{first['id']}/ship",
            json={
                "lines": [{"line_id": "1", "sku": "T-SHORT", "quantity": 1}],
                "tracking_number": "1Z0001",
                "carrier": "UPS",
            },
        )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["tracking_number"] == "1Z0001"
    after = get_order(server, placed["id"])
    rerouted = [s for s in after["shipments"] if s["status"] == "released"]
    assert [(s["node"], s["lines"][0]["quantity"]) for s in rerouted] == [("DC-RENO", 2)]
    # OHIO shipped 1 and could not find 2: nothing is left there to sell.
    assert ats(server, "T-SHORT") == {"DC-RENO": 8}
    with server.client("node:DC-OHIO") as node:
        delivered = node.post(f"/v1/fulfillment-requests/{first['id']}/deliver")
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"


def test_a_backorder_is_filled_by_a_later_snapshot(server: ApiServer) -> None:
    placed = place(server, order("T-BACK", 2, "back-1"))
    assert placed["status"] == "backordered"
    assert placed["shipments"] == [] and placed["backordered"] == [{"sku": "T-BACK", "quantity": 2}]
    stock(server, "DC-RENO", "T-BACK", 5)
    after = get_order(server, placed["id"])
    assert after["status"] == "routed" and after["backordered"] == []
    assert [(s["node"], s["lines"][0]["quantity"]) for s in after["shipments"]] == [("DC-RENO", 2)]
    assert ats(server, "T-BACK") == {"DC-RENO": 3}


def test_cancelling_releases_the_reserved_stock(server: ApiServer) -> None:
    stock(server, "DC-OHIO", "T-CANCEL", 6)
    placed = place(server, order("T-CANCEL", 4, "cancel-1"))
    assert ats(server, "T-CANCEL") == {"DC-OHIO": 2}
    with server.client("channel:amazon") as other:
        assert other.post(f"/v1/orders/{placed['id']}/cancel").status_code == 403
    with server.client("channel:web") as client:
        partial = client.post(
            f"/v1/orders/{placed['id']}/cancel",
            json={"lines": [{"line_id": "1", "quantity": 1}], "reason": "customer asked"},
        )
        assert partial.status_code == 200, partial.text
        assert partial.json()["lines"][0]["cancelled_quantity"] == 1
        assert ats(server, "T-CANCEL") == {"DC-OHIO": 3}
        whole = client.post(f"/v1/orders/{placed['id']}/cancel", json={"reason": "changed mind"})
        assert whole.status_code == 200 and whole.json()["status"] == "cancelled"
        assert ats(server, "T-CANCEL") == {"DC-OHIO": 6}
        again = client.post(f"/v1/orders/{placed['id']}/hold")
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"


def test_an_accepted_request_is_not_cancelled_or_readdressed_behind_its_node(
    server: ApiServer,
) -> None:
    stock(server, "DC-OHIO", "T-ACCEPTED", 6)
    placed = place(server, order("T-ACCEPTED", 4, "accepted-1"))
    [request] = placed["shipments"]
    with server.client("node:DC-OHIO") as node:
        assert node.post(f"/v1/fulfillment-requests/{request['id']}/accept").status_code == 200
    with server.client("channel:web") as client:
        partial = client.post(
            f"/v1/orders/{placed['id']}/cancel",
            json={"lines": [{"line_id": "1", "quantity": 1}]},
        )
        moved = client.post(f"/v1/orders/{placed['id']}/address", json={"postal_code": "89501"})
    for refused, change in ((partial, "cancel"), (moved, "address change")):
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "request_accepted"
        assert error["details"] == {
            "order_id": placed["id"],
            "request_id": request["id"],
            "node_id": "DC-OHIO",
            "change": change,
        }
    assert ats(server, "T-ACCEPTED") == {"DC-OHIO": 2}


def test_hold_release_and_address_change(server: ApiServer) -> None:
    stock(server, "DC-OHIO", "T-HOLD", 5)
    stock(server, "DC-RENO", "T-HOLD", 5)
    placed = place(server, order("T-HOLD", 1, "hold-1", hold=True))
    assert placed["on_hold"] is True
    assert [s["status"] for s in placed["shipments"]] == ["created"]
    with server.client("channel:web") as client:
        moved = client.post(f"/v1/orders/{placed['id']}/address", json={"postal_code": "89501"})
        assert moved.status_code == 200, moved.text
        open_now = [s for s in moved.json()["shipments"] if s["status"] == "created"]
        assert [s["node"] for s in open_now] == ["DC-RENO"]
        released = client.post(f"/v1/orders/{placed['id']}/release", json={"reason": "paid"})
        assert released.status_code == 200 and released.json()["on_hold"] is False
        assert [s["status"] for s in released.json()["shipments"] if s["node"] == "DC-RENO"] == [
            "released"
        ]
        listed = client.get("/v1/orders", params={"limit": 2})
        assert listed.status_code == 200
        page = listed.json()
        assert len(page["items"]) == 2 and page["next_cursor"]
        following = client.get("/v1/orders", params={"limit": 2, "cursor": page["next_cursor"]})
        assert {o["id"] for o in following.json()["items"]}.isdisjoint(
            {o["id"] for o in page["items"]}
        )
        assert client.get("/v1/orders", params={"channel": "amazon"}).status_code == 403


@pytest.mark.parametrize(
    ("change", "wheres"),
    [
        ({"lines": [{"sku": "NO-SUCH", "quantity": 1}]}, ["lines[0].sku"]),
        ({"lines": [{"sku": "T-BAD", "quantity": -1}]}, ["lines[0].quantity"]),
        ({"lines": [{"sku": "T-BAD", "quantity": 10**12}]}, ["lines[0].quantity"]),
        ({"lines": [{"sku": "T-BAD", "quantity": "two"}]}, ["lines[0].quantity"]),
        (
            {"lines": [{"sku": "T-BAD", "quantity": 1}, {"sku": "T-BAD", "quantity": 0}]},
            ["lines[1].quantity"],
        ),
        ({"ship_to": {"postal_code": "00000", "country": "US"}}, ["ship_to.postal_code"]),
        ({"ship_to": {"country": "US"}}, ["ship_to"]),
        ({"ship_to": {"pickup_node": "NOWHERE"}}, ["ship_to.pickup_node"]),
        ({"channel": "web", "service_level": "teleport"}, ["service_level"]),
        ({"lines": []}, ["lines"]),
        ({"colour": "blue"}, ["colour"]),
    ],
)
def test_a_bad_order_is_refused_with_every_bad_field_and_changes_nothing(
    server: ApiServer, change: dict[str, Any], wheres: list[str]
) -> None:
    before = server.state()
    with server.client("channel:web") as client:
        response = client.post("/v1/orders", json={**order("T-BAD", 1, "bad-1"), **change})
    assert response.status_code == 422, response.text
    problems = response.json()["error"]["details"]["problems"]
    assert [p["where"] for p in problems if p["where"] in wheres] == wheres, problems
    assert server.state() == before


def test_an_unknown_order_or_request_is_404(server: ApiServer) -> None:
    with server.client("admin") as client:
        order_error = client.get("/v1/orders/ord_nope").json()["error"]
        request_error = client.post("/v1/fulfillment-requests/ful_nope/accept").json()["error"]
    assert order_error["code"] == "unknown_order"
    assert request_error["code"] == "unknown_fulfillment_request"


def test_metrics_count_orders_routing_and_rejections(server: ApiServer) -> None:
    with server.client(None) as client:
        text = client.get("/metrics").text
    assert 'ordermesh_orders_total{status="routed"}' in text
    assert "ordermesh_routing_seconds_bucket" in text
    assert "ordermesh_reservations_total" in text
    assert 'ordermesh_fulfillment_rejections_total{node="DC-OHIO"}' in text
