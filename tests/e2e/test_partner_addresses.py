"""Issue 9's end-to-end case, on SQLite and PostgreSQL, against a real ``ordermesh serve``
and real ``ordermesh worker --once`` runs: one order placed over HTTP with a full address
splits to three nodes, each holding the only stock of one SKU, and each receives the
address the way it takes its work: DC-RENO (csv connector) in its fulfillment request CSV,
DC-OHIO (x12 connector) in the N1*ST loop of its 940, STORE-CHI (webhook connector) in
the signed ``fulfillment.released`` delivery to a receiver on 127.0.0.1. A node holding a
request reads the order with the address, a node holding none gets 403, and once the
order is cancelled redaction erases the recipient and keeps postal code and country.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from api_server import FULL_ADDRESS, NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

from ordermesh.adapters.events.local import Received, WebhookReceiver
from ordermesh.adapters.formats.flat_files import parse_fulfillment_requests
from ordermesh.adapters.formats.x12 import ShippingOrder, receive
from ordermesh.domain.order import RECIPIENT_FIELDS
from ordermesh.services.events_delivery import verify_signature

# Each node alone holds one SKU, so the order's three lines go one to each node.
SKUS = {"DC-RENO": "E2E-CSV", "DC-OHIO": "E2E-X12", "STORE-CHI": "E2E-HOOK"}
HOOK_SECRET = "store-chi-hook-secret"
ADDRESS = FULL_ADDRESS
PERSONAL = RECIPIENT_FIELDS


@dataclass(frozen=True)
class Placed:
    """The order placed once per database, after the worker has taken it to the nodes."""

    server: ApiServer
    order: dict[str, Any]
    requests: dict[str, str]  # node -> request id
    folders: Path
    deliveries: list[Received]


def run_worker(database_url: str) -> None:
    env = {**os.environ, "ORDERMESH_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "ordermesh.entrypoints.cli", "worker", "--once"]
    finished = subprocess.run(
        [*command, "--retry-base", "0.1", "--log-level", "warning"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr.decode()


def network(folders: Path, hook_url: str) -> dict[str, Any]:
    document = yaml.safe_load(NETWORK.read_text())
    document["skus"] += [
        {"id": sku, "weight_lb": 1.0, "dims_in": [4, 4, 4], "unit_cost": 2.0, "price": 10.0}
        for sku in SKUS.values()
    ]
    connectors = {
        "DC-RENO": {
            "type": "csv",
            "inbox": str(folders / "reno" / "inbox"),
            "outbox": str(folders / "reno" / "outbox"),
        },
        "DC-OHIO": {
            "type": "x12",
            "inbox": str(folders / "ohio" / "inbox"),
            "outbox": str(folders / "ohio" / "outbox"),
            "partner_id": "OHIO3PL",
            "our_id": "ORDERMESH",
        },
        "STORE-CHI": {"type": "webhook", "url": hook_url, "secret": HOOK_SECRET},
    }
    for node in document["nodes"]:
        if node["id"] in connectors:
            node["connector"] = connectors[node["id"]]
    loaded: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return loaded


def expect(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def placed(
    api_server: ApiServer,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Placed]:
    folders = tmp_path_factory.mktemp("partners")
    with WebhookReceiver() as receiver, api_server.client("admin") as admin:
        expect(admin.put("/v1/network", json=network(folders, receiver.url)), 201)
        for node, sku in SKUS.items():
            expect(
                admin.post(
                    f"/v1/nodes/{node}/inventory/snapshot",
                    json={"lines": [{"sku": sku, "on_hand": 100}]},
                )
            )
        for role in ("node:STORE-CHI", "node:STORE-OLD"):
            issued = expect(admin.post("/v1/api-keys", json={"role": role}), 201)
            api_server.keys[role] = issued["key"]
        # The worker subscribes the webhook node when it first sees the network version;
        # the subscription takes the events from then on.
        run_worker(api_server.database_url)
        with api_server.client("channel:web") as channel:
            order = expect(
                channel.post(
                    "/v1/orders",
                    json={
                        "channel": "web",
                        "external_id": "e2e-address-1",
                        "ship_to": ADDRESS,
                        "lines": [
                            {"sku": sku, "quantity": n}
                            for n, sku in enumerate(SKUS.values(), start=1)
                        ],
                    },
                ),
                201,
            )
        run_worker(api_server.database_url)
        now = int(time.time())
        deliveries = receiver.accepted()
    # Signed with the node's connector secret, as the node checks it.
    for delivery in deliveries:
        signature = delivery.headers["X-Ordermesh-Signature"]
        assert verify_signature(HOOK_SECRET, delivery.body, signature, now)
    yield Placed(
        server=api_server,
        order=order,
        requests={s["node"]: s["id"] for s in order["shipments"]},
        folders=folders,
        deliveries=deliveries,
    )


def test_the_order_splits_to_the_three_nodes_with_its_address(placed: Placed) -> None:
    assert sorted(placed.requests) == sorted(SKUS)
    assert {k: placed.order["ship_to"][k] for k in ADDRESS} == ADDRESS


def test_the_csv_node_finds_the_address_in_its_request_file(placed: Placed) -> None:
    request_id = placed.requests["DC-RENO"]
    outbox = placed.folders / "reno" / "outbox"

    (written,) = outbox.glob(f"fulfillment-*-{request_id}.csv")
    header = written.read_text().splitlines()[0].split(",")
    (row,) = parse_fulfillment_requests(written.read_bytes())

    assert set(ADDRESS) <= set(header)
    assert (row.action, row.order_id, row.external_id, row.channel) == (
        "new",
        placed.order["id"],
        "e2e-address-1",
        "web",
    )
    assert (row.sku, row.quantity, row.postal_code, row.country) == ("E2E-CSV", 1, "60610", "US")
    assert row.recipient == {k: ADDRESS[k] for k in PERSONAL}


def test_the_x12_node_finds_the_address_in_the_ship_to_of_its_940(placed: Placed) -> None:
    request_id = placed.requests["DC-OHIO"]
    outbox = placed.folders / "ohio" / "outbox"

    (written,) = outbox.glob(f"940-*-{request_id}.x12")
    text = written.read_text()
    received = receive(written.read_bytes(), written.name, sets={"940"})
    assert received.accepted, received.errors
    (document,) = received.documents
    order = document.document
    assert isinstance(order, ShippingOrder)
    (ship_to,) = [party for party in order.parties if party.entity == "ST"]

    for segment in ("N1*ST*", "N2*", "N3*", "N4*", "PER*"):
        assert segment in text
    assert (ship_to.name, ship_to.additional_name, ship_to.street) == (
        "Ada Lovelace",
        "Analytical Engines Ltd",
        ("1600 N Clark St", "Apt 3"),
    )
    assert (ship_to.city, ship_to.state, ship_to.postal_code, ship_to.country) == (
        "Chicago",
        "IL",
        "60610",
        "US",
    )
    assert (ship_to.phone, ship_to.email) == ("+1 312 555 0100", "ada@example.com")
    assert order.purchase_order == "e2e-address-1"
    assert [(line.sku(), line.quantity) for line in order.lines] == [("E2E-X12", 2)]


def test_the_webhook_node_receives_fulfillment_released_with_the_ship_to(
    placed: Placed,
) -> None:
    request_id = placed.requests["STORE-CHI"]

    (released,) = [
        r.json()
        for r in placed.deliveries
        if r.json()["type"] == "fulfillment.released"
        and r.json()["data"]["request_id"] == request_id
    ]
    data = released["data"]

    assert (released["order_id"], data["node_id"], data["external_id"], data["channel"]) == (
        placed.order["id"],
        "STORE-CHI",
        "e2e-address-1",
        "web",
    )
    assert {k: data["ship_to"][k] for k in ADDRESS} == ADDRESS
    assert [(line["sku"], line["quantity"]) for line in data["lines"]] == [("E2E-HOOK", 3)]
    # Only its own work: no other node's request reaches the store's hook.
    assert {r.json()["data"].get("node_id") for r in placed.deliveries} == {"STORE-CHI"}


@pytest.mark.parametrize("node", sorted(SKUS))
def test_a_node_holding_a_request_reads_the_order_with_the_address(
    placed: Placed, node: str
) -> None:
    with placed.server.client(f"node:{node}") as client:
        order = expect(client.get(f"/v1/orders/{placed.order['id']}"))

    assert {k: order["ship_to"][k] for k in ADDRESS} == ADDRESS


def test_a_node_holding_no_request_of_the_order_gets_403(placed: Placed) -> None:
    with placed.server.client("node:STORE-OLD") as client:
        response = client.get(f"/v1/orders/{placed.order['id']}")

    assert response.status_code == 403, response.text
    assert "Ada" not in response.text and "Clark" not in response.text


def test_redaction_after_the_cancel_erases_the_recipient_and_keeps_postal_code_and_country(
    placed: Placed,
) -> None:
    path = f"/v1/orders/{placed.order['id']}"
    with placed.server.client("channel:web") as channel:
        cancelled = expect(channel.post(f"{path}/cancel", json={"reason": "e2e"}))
    assert cancelled["status"] == "cancelled"

    with placed.server.client("admin") as admin:
        redacted = expect(admin.post(f"{path}/redact"))
    with placed.server.client("channel:web") as channel:
        read = expect(channel.get(path))
    # A node whose request is cancelled no longer reads the order (docs/api.md).
    with placed.server.client("node:DC-OHIO") as node:
        assert node.get(path).status_code == 403

    for body in (redacted, read):
        assert all(body["ship_to"][k] is None for k in PERSONAL)
        assert (body["ship_to"]["postal_code"], body["ship_to"]["country"]) == ("60610", "US")
        assert body["redacted_at"] is not None
