"""Bad requests over HTTP get a clear 4xx in the one error shape, and change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_server import ApiServer, api_database_url, api_server  # noqa: F401


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def _wheres(error: dict[str, Any]) -> list[str]:
    return [p["where"] for p in error["details"]["problems"]]


GOOD_ORDER: dict[str, Any] = {
    "channel": "web",
    "external_id": "bad-requests-1",
    "customer": {"tier": "gold"},
    "ship_to": {"postal_code": "60610", "country": "US"},
    "service_level": "standard",
    "lines": [{"sku": "MUG-BLUE", "quantity": 2, "unit_price": 16.0}],
    "tags": [],
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD_ORDER, **changes}


# (name, method, path, kwargs for httpx, status, expected code, expected problem paths)
BAD: list[tuple[str, str, str, dict[str, Any], int, str, list[str]]] = [
    (
        "malformed JSON",
        "POST",
        "/v1/nodes/DC-RENO/inventory/adjustments",
        {
            "content": b'{"sku": "MUG-BLUE", "delta": ',
            "headers": {"content-type": "application/json"},
        },
        400,
        "malformed_json",
        [],
    ),
    (
        "wrong types, every field named",
        "POST",
        "/v1/nodes/DC-RENO/inventory/snapshot",
        {"json": {"lines": [{"sku": "MUG-BLUE", "on_hand": 3}, {"sku": 7, "on_hand": "many"}]}},
        422,
        "invalid_request",
        ["lines[1].sku", "lines[1].on_hand"],
    ),
    (
        "unknown SKU in a snapshot",
        "POST",
        "/v1/nodes/DC-RENO/inventory/snapshot",
        {"json": {"lines": [{"sku": "SAUCER", "on_hand": 3}]}},
        422,
        "invalid_inventory",
        ["sku SAUCER"],
    ),
    (
        "unknown node",
        "POST",
        "/v1/nodes/NOWHERE/inventory/adjustments",
        {"json": {"sku": "MUG-BLUE", "delta": 3, "reason": "receipt"}},
        422,
        "invalid_inventory",
        ["node NOWHERE"],
    ),
    (
        "negative on hand",
        "POST",
        "/v1/nodes/DC-RENO/inventory/snapshot",
        {"json": {"lines": [{"sku": "MUG-BLUE", "on_hand": -4}]}},
        422,
        "invalid_request",
        ["lines[0].on_hand"],
    ),
    (
        "huge delta",
        "POST",
        "/v1/nodes/DC-RENO/inventory/adjustments",
        {"json": {"sku": "MUG-BLUE", "delta": 10**15, "reason": "receipt"}},
        422,
        "invalid_request",
        ["delta"],
    ),
    (
        "unknown reason and unknown field",
        "POST",
        "/v1/nodes/DC-RENO/inventory/adjustments",
        {"json": {"sku": "MUG-BLUE", "delta": 1, "reason": "gift", "note": "x"}},
        422,
        "invalid_request",
        ["reason", "note"],
    ),
    (
        "an invalid network document",
        "PUT",
        "/v1/network",
        {"json": {"nodes": [], "skus": "none"}},
        422,
        "invalid_network",
        ["service_levels", "shipping", "nodes", "skus", "channels"],
    ),
    (
        "a body over the size limit",
        "PUT",
        "/v1/network",
        {
            "content": b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}',
            "headers": {"content-type": "application/json"},
        },
        413,
        "payload_too_large",
        [],
    ),
    (
        "an unknown SKU's availability",
        "GET",
        "/v1/availability",
        {"params": {"sku": "SAUCER"}},
        404,
        "unknown_sku",
        [],
    ),
    (
        "a destination at the South Pole, in no served zone",
        "POST",
        "/v1/orders",
        {"json": _with(external_id="south-pole", ship_to={"lat": -90.0, "lon": 0.0})},
        422,
        "invalid_input",
        ["ship_to.lat"],
    ),
    (
        "a country the network does not ship to",
        "POST",
        "/v1/orders",
        {
            "json": _with(
                external_id="toronto", ship_to={"lat": 43.65, "lon": -79.38, "country": "CA"}
            )
        },
        422,
        "invalid_input",
        ["ship_to.country"],
    ),
    (
        "an unknown postal code",
        "GET",
        "/v1/availability",
        {"params": {"sku": "MUG-BLUE", "postal_code": "00000"}},
        422,
        "invalid_input",
        ["query.postal_code"],
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "kwargs", "status", "code", "wheres"), BAD, ids=[b[0] for b in BAD]
)
def test_a_bad_request_is_refused_clearly_and_changes_nothing(
    api_server: ApiServer,  # noqa: F811
    name: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
    wheres: list[str],
) -> None:
    before = api_server.state()
    with api_server.client("admin") as client:
        error = _error(client.request(method, path, **kwargs), status)
    assert error["code"] == code
    for where in wheres:
        assert where in _wheres(error), error
    assert api_server.state() == before


def test_a_chunked_body_over_the_limit_is_refused(api_server: ApiServer) -> None:  # noqa: F811
    def chunks() -> Any:
        for _ in range(20):
            yield b" " * (64 * 1024)
        yield b"{}"

    before = api_server.state()
    with api_server.client("admin") as client:
        response = client.put(
            "/v1/network", content=chunks(), headers={"content-type": "application/json"}
        )
    _error(response, 413)
    assert api_server.state() == before


@pytest.mark.parametrize("role", [None, "bad"])
def test_a_missing_or_unknown_key_is_401_even_with_a_malformed_body(
    api_server: ApiServer,  # noqa: F811
    role: str | None,
) -> None:
    before = api_server.state()
    with api_server.client(role) as client:
        response = client.post(
            "/v1/nodes/DC-RENO/inventory/snapshot",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
    error = _error(response, 401)
    assert error["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    assert api_server.state() == before


def test_a_malformed_authorization_header_is_401(api_server: ApiServer) -> None:  # noqa: F811
    with httpx.Client(base_url=api_server.base_url) as client:
        response = client.get("/v1/network", headers={"Authorization": "Basic abc"})
    _error(response, 401)


def test_an_unknown_route_answers_in_the_error_shape(api_server: ApiServer) -> None:  # noqa: F811
    with api_server.client("admin") as client:
        error = _error(client.get("/v1/nothing-here"), 404)
    assert error["code"] == "no_such_route"
