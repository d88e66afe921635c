"""The recipient of an order over real HTTP and a real worker, on SQLite and PostgreSQL: an
order placed with a full address is returned with it; its node reads it (no other node or
channel does), lists its requests with it, and finds it in its CSV request file and in the
``fulfillment.released`` event; redaction erases it once the order is closed.

The module loads its own network version: DC-RENO (the node with stock) takes files through
a CSV connector whose outbox is a folder of this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from api_server import FULL_ADDRESS, NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

from ordermesh.adapters.formats.flat_files import parse_fulfillment_requests
from ordermesh.domain.order import RECIPIENT_FIELDS

SKU = "T-LABEL"
ADDRESS = FULL_ADDRESS
PERSONAL = RECIPIENT_FIELDS


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reno") / "outbox"


@pytest.fixture(scope="module")
def server(api_server: ApiServer, outbox: Path) -> Iterator[ApiServer]:  # noqa: F811
    document = yaml.safe_load(NETWORK.read_text())
    document["skus"].append(
        {"id": SKU, "weight_lb": 1.0, "dims_in": [4, 4, 4], "unit_cost": 2.0, "price": 10.0}
    )
    for node in document["nodes"]:
        if node["id"] == "DC-RENO":
            inbox = str(outbox.parent / "inbox")
            node["connector"] = {"type": "csv", "inbox": inbox, "outbox": str(outbox)}
    with api_server.client("admin") as client:
        response = client.put("/v1/network", json=json.loads(json.dumps(document, default=str)))
        assert response.status_code == 201, response.text
    with api_server.client("node:DC-RENO") as client:
        response = client.post(
            "/v1/nodes/DC-RENO/inventory/snapshot",
            json={"lines": [{"sku": SKU, "on_hand": 1000}]},
        )
        assert response.status_code == 200, response.text
    yield api_server


def place(server: ApiServer, external_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "web",
        "external_id": external_id,
        "ship_to": ADDRESS,
        "lines": [{"sku": SKU, "quantity": 1}],
        **extra,
    }
    with server.client("channel:web") as client:
        response = client.post("/v1/orders", json=body)
    assert response.status_code == 201, response.text
    placed: dict[str, Any] = response.json()
    assert [s["node"] for s in placed["shipments"]] == ["DC-RENO"]
    return placed


def read(server: ApiServer, role: str, path: str) -> Any:
    with server.client(role) as client:
        response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def post(server: ApiServer, role: str, path: str, body: Any = None) -> Any:
    with server.client(role) as client:
        return client.post(path, json=body)


def ship(server: ApiServer, request_id: str) -> None:
    for step in ("accept", "ship"):
        response = post(server, "node:DC-RENO", f"/v1/fulfillment-requests/{request_id}/{step}")
        assert response.status_code == 200, response.text


def released_event(server: ApiServer, request_id: str) -> dict[str, Any]:
    events = read(server, "admin", "/v1/events?after=0&limit=1000")["items"]
    (found,) = [
        e
        for e in events
        if e["type"] == "fulfillment.released" and e["data"]["request_id"] == request_id
    ]
    data: dict[str, Any] = found["data"]
    return data


def test_an_order_placed_with_a_full_address_is_returned_with_it(server: ApiServer) -> None:
    placed = place(server, "label-1")

    got = read(server, "channel:web", f"/v1/orders/{placed['id']}")

    for body in (placed, got):
        assert {k: body["ship_to"][k] for k in ADDRESS} == ADDRESS
        assert body["redacted_at"] is None


def test_the_node_holding_the_request_reads_the_order_and_no_other_node_or_channel(
    server: ApiServer,
) -> None:
    placed = place(server, "label-2")
    path = f"/v1/orders/{placed['id']}"

    assert read(server, "node:DC-RENO", path)["ship_to"]["name"] == "Ada Lovelace"
    for stranger in ("node:DC-OHIO", "channel:amazon"):
        with server.client(stranger) as client:
            response = client.get(path)
        assert response.status_code == 403, response.text
        assert "Ada" not in response.text


def test_the_node_lists_and_reads_its_requests_with_the_ship_to_external_id_and_channel(
    server: ApiServer,
) -> None:
    placed = place(server, "label-3")
    request_id = placed["shipments"][0]["id"]

    listed = read(server, "node:DC-RENO", "/v1/nodes/DC-RENO/fulfillment-requests?limit=200")
    (mine,) = [item for item in listed["items"] if item["id"] == request_id]
    one = read(server, "node:DC-RENO", f"/v1/fulfillment-requests/{request_id}")

    for body in (mine, one):
        assert (body["order_id"], body["external_id"], body["channel"]) == (
            placed["id"],
            "label-3",
            "web",
        )
        assert {k: body["ship_to"][k] for k in ADDRESS} == ADDRESS


def test_the_fulfillment_released_event_carries_ship_to_external_id_and_channel(
    server: ApiServer,
) -> None:
    placed = place(server, "label-4")

    data = released_event(server, placed["shipments"][0]["id"])

    assert (data["node_id"], data["external_id"], data["channel"]) == ("DC-RENO", "label-4", "web")
    assert {k: data["ship_to"][k] for k in ADDRESS} == ADDRESS
    assert data["lines"] == [{"line_id": "1", "sku": SKU, "bundle_id": None, "quantity": 1}]


def test_the_csv_request_file_written_to_the_node_carries_the_address(
    server: ApiServer, outbox: Path
) -> None:
    placed = place(server, "label-5")
    request_id = placed["shipments"][0]["id"]

    env = {**os.environ, "ORDERMESH_DATABASE_URL": server.database_url}
    command = [sys.executable, "-m", "ordermesh.entrypoints.cli", "worker", "--once"]
    finished = subprocess.run(
        [*command, "--log-level", "warning"], env=env, capture_output=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr.decode()

    (written,) = outbox.glob(f"fulfillment-*-{request_id}.csv")
    (row,) = parse_fulfillment_requests(written.read_bytes())
    assert (row.external_id, row.channel, row.postal_code, row.country) == (
        "label-5",
        "web",
        "60610",
        "US",
    )
    assert row.recipient == {k: ADDRESS[k] for k in PERSONAL}


def test_an_address_change_takes_the_new_recipient(server: ApiServer) -> None:
    placed = place(server, "label-6", hold=True)
    new = {"postal_code": "10001", "name": "Grace Hopper", "address1": "1 Navy Yard"}

    response = post(server, "channel:web", f"/v1/orders/{placed['id']}/address", new)

    assert response.status_code == 200, response.text
    ship_to = response.json()["ship_to"]
    assert (ship_to["name"], ship_to["address1"], ship_to["postal_code"]) == (
        "Grace Hopper",
        "1 Navy Yard",
        "10001",
    )
    assert ship_to["company"] is None and ship_to["email"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 101, "at most 100 characters"),
        ("address1", "1600 N Clark St\nApt 3", "must not hold line breaks or control characters"),
        ("email", "ada at example", "is not an e-mail address"),
    ],
)
def test_a_recipient_field_no_label_can_carry_is_refused_naming_it(
    server: ApiServer, field: str, value: str, message: str
) -> None:
    body = {
        "channel": "web",
        "ship_to": {**ADDRESS, field: value},
        "lines": [{"sku": SKU, "quantity": 1}],
    }
    with server.client("channel:web") as client:
        response = client.post("/v1/orders", json=body)

    assert response.status_code == 422, response.text
    (problem,) = response.json()["error"]["details"]["problems"]
    assert problem["where"] == f"ship_to.{field}"
    assert message in problem["message"]


def test_redaction_erases_the_recipient_of_a_fulfilled_order_and_refuses_an_open_one(
    server: ApiServer,
) -> None:
    placed = place(server, "label-7")
    order_path = f"/v1/orders/{placed['id']}"
    request_id = placed["shipments"][0]["id"]

    refused = post(server, "admin", f"{order_path}/redact")
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "illegal_transition"
    assert post(server, "channel:web", f"{order_path}/redact").status_code == 403
    assert read(server, "channel:web", order_path)["ship_to"]["name"] == "Ada Lovelace"

    ship(server, request_id)
    redacted = post(server, "admin", f"{order_path}/redact")

    assert redacted.status_code == 200, redacted.text
    for body in (redacted.json(), read(server, "channel:web", order_path)):
        assert body["status"] == "fulfilled"
        assert all(body["ship_to"][k] is None for k in PERSONAL)
        assert (body["ship_to"]["postal_code"], body["ship_to"]["country"]) == ("60610", "US")
        assert body["redacted_at"] is not None
    request = read(server, "node:DC-RENO", f"/v1/fulfillment-requests/{request_id}")
    assert all(request["ship_to"][k] is None for k in PERSONAL)
    assert all(released_event(server, request_id)["ship_to"][k] is None for k in PERSONAL)
    history = read(server, "channel:web", f"{order_path}/history")
    assert (history[-1]["entity"], history[-1]["to_status"], history[-1]["actor"]) == (
        "order_recipient",
        "redacted",
        "api:admin",
    )
    assert post(server, "admin", f"{order_path}/redact").status_code == 409
