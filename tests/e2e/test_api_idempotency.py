"""The ``Idempotency-Key`` header over real HTTP, on SQLite and PostgreSQL, as the IETF
draft (draft-ietf-httpapi-idempotency-key-header) has it: the same key and body answer the
original order; the same key with another body is a 422 ``idempotency_key_reused`` that
places nothing; concurrent requests under one key place one order."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from api_server import ApiServer, api_database_url, api_server  # noqa: F401


@pytest.fixture(scope="module")
def server(api_server: ApiServer) -> Iterator[ApiServer]:  # noqa: F811
    with api_server.client("admin") as client:
        response = client.post(
            "/v1/nodes/DC-RENO/inventory/snapshot",
            json={"lines": [{"sku": "COASTER", "on_hand": 10_000}]},
        )
    assert response.status_code == 200, response.text
    yield api_server


def order(external_id: str, quantity: int = 1) -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": external_id,
        "ship_to": {"postal_code": "60610", "country": "US"},
        "lines": [{"sku": "COASTER", "quantity": quantity}],
    }


def post(server: ApiServer, body: Any, key: str) -> httpx.Response:
    with server.client("channel:web", headers={"Idempotency-Key": key}) as client:
        return client.post("/v1/orders", json=body)


def orders_under(server: ApiServer, key: str) -> list[dict[str, Any]]:
    with server.client("admin") as client:
        response = client.get("/v1/orders", params={"channel": "web", "limit": 200})
    assert response.status_code == 200, response.text
    return [o for o in response.json()["items"] if o["idempotency_key"] == key]


def test_a_key_reused_with_another_body_is_422_and_places_nothing(server: ApiServer) -> None:
    first = post(server, order("reuse-1", 1), "key-reuse-1")
    assert first.status_code == 201, first.text
    before = server.state()
    reused = post(server, order("reuse-2", 3), "key-reuse-1")
    assert reused.status_code == 422, reused.text
    error = reused.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["details"]["order_id"] == first.json()["id"]
    assert [p["where"] for p in error["details"]["problems"]] == ["header.Idempotency-Key"]
    assert server.state() == before
    assert [o["id"] for o in orders_under(server, "key-reuse-1")] == [first.json()["id"]]


def test_the_same_key_and_body_answer_the_original_order(server: ApiServer) -> None:
    body = order("same-1", 2)
    first = post(server, body, "key-same-1")
    assert first.status_code == 201, first.text
    reordered = {key: body[key] for key in reversed(list(body))}
    again = post(server, reordered, "key-same-1")
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["shipments"] == first.json()["shipments"]


def test_a_key_whose_first_request_was_refused_can_be_used_again(server: ApiServer) -> None:
    refused = post(server, {**order("retry-1"), "lines": [{"sku": "SAUCER", "quantity": 1}]}, "k-r")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_input"
    placed = post(server, order("retry-1"), "k-r")
    assert placed.status_code == 201, placed.text


def _race(server: ApiServer, bodies: list[dict[str, Any]], key: str) -> list[httpx.Response]:
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(lambda body: post(server, body, key), bodies))


def test_concurrent_requests_under_one_key_place_one_order(server: ApiServer) -> None:
    responses = _race(server, [order("race-same")] * 4, "key-race-same")
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, [r.text for r in responses]
    assert set(statuses) <= {200, 201, 409}, [r.text for r in responses]
    placed = orders_under(server, "key-race-same")
    assert len(placed) == 1
    assert {r.json()["id"] for r in responses if r.status_code < 300} == {placed[0]["id"]}


def test_concurrent_different_bodies_under_one_key_place_one_order(server: ApiServer) -> None:
    responses = _race(server, [order("race-a", 1), order("race-b", 2)], "key-race-diff")
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([201, 409], [201, 422]), [r.text for r in responses]
    refused = next(r for r in responses if r.status_code != 201)
    if refused.status_code == 422:
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert len(orders_under(server, "key-race-diff")) == 1
