"""Scale-out on one machine (docs/scale-out.md): two ``ordermesh serve`` processes and two
``ordermesh worker`` processes over one PostgreSQL, and a three-node NATS JetStream cluster
on loopback with a stream of three replicas. Orders go to both servers; mid-stream one
worker and one NATS node are SIGKILLed. Every event must reach the stream exactly once
(after de-duplication by ``Nats-Msg-Id``), in each order's sequence, and every webhook
subscriber must see every event.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from api_server import prepare, start_server, stop_server
from psycopg import sql
from sqlalchemy.engine import make_url

from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import upgrade
from ordermesh.adapters.db.tables import outbox_events
from ordermesh.adapters.events.local import NatsCluster, WebhookReceiver, read_stream

ORDERS = 240
STREAM = "ORDERMESH"
DEADLINE_S = 45.0

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    name = f"ordermesh_scale_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(postgres_server_url).set(database=name)
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        yield rendered
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def start_worker(database_url: str, nats_urls: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ORDERMESH_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "ordermesh.entrypoints.cli", "worker"]
    for url in nats_urls:
        command += ["--nats", url]
    command += [
        "--replicas",
        "3",
        "--lease-seconds",
        "2",
        "--poll-interval",
        "0.2",
        "--batch",
        "200",
        "--retry-base",
        "0.2",
        "--no-partner-files",
        "--log-level",
        "warning",
    ]
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def outbox_ids(database_url: str) -> list[tuple[str, str | None, int | None]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            e = outbox_events.c
            rows = connection.execute(
                sa.select(e.event_id, e.order_id, e.order_sequence).order_by(e.id)
            ).all()
        return [(row.event_id, row.order_id, row.order_sequence) for row in rows]
    finally:
        engine.dispose()


def test_two_servers_two_workers_three_nats_nodes_lose_nothing_when_killed(
    postgres_url: str, tmp_path: Path
) -> None:
    keys = prepare(postgres_url)
    processes: list[subprocess.Popen[bytes]] = []
    logs = tmp_path / "logs"
    logs.mkdir()
    with (
        NatsCluster(3, base=tmp_path / "nats") as cluster,
        WebhookReceiver() as receiver,
    ):
        try:
            servers = []
            for index in (1, 2):
                process, base_url = start_server(postgres_url, logs / f"server{index}.log")
                processes.append(process)
                servers.append(base_url)
            admin = {"Authorization": f"Bearer {keys['admin']}"}
            with httpx.Client(base_url=servers[0], headers=admin, timeout=30) as client:
                history = {event_id for event_id, _, _ in outbox_ids(postgres_url)}
                subscribed = client.post(
                    "/v1/webhooks/subscribers",
                    json={"url": receiver.url, "secret": "scale-out-secret"},
                )
                assert subscribed.status_code == 201, subscribed.text
                stock = {"lines": [{"sku": "COASTER", "on_hand": 1_000_000}]}
                assert client.post("/v1/nodes/DC-RENO/inventory/snapshot", json=stock).is_success
            workers = [
                start_worker(postgres_url, cluster.urls, logs / f"worker{index}.log")
                for index in (1, 2)
            ]
            processes.extend(workers)

            def place(number: int) -> str:
                base_url = servers[number % 2]
                with httpx.Client(base_url=base_url, headers=admin, timeout=30) as client:
                    response = client.post(
                        "/v1/orders",
                        json={
                            "channel": "web",
                            "external_id": f"scale-{number}",
                            "ship_to": {"postal_code": "60610", "country": "US"},
                            "lines": [{"sku": "COASTER", "quantity": 1}],
                        },
                    )
                assert response.status_code == 201, response.text
                return base_url

            with ThreadPoolExecutor(max_workers=8) as pool:
                used = list(pool.map(place, range(ORDERS // 3)))
                # Mid-stream: a worker and a NATS node die without a word.
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait()
                cluster.nodes[1].kill()
                used += list(pool.map(place, range(ORDERS // 3, ORDERS)))
            assert set(used) == set(servers)  # orders went to both servers

            expected = outbox_ids(postgres_url)
            assert len(expected) >= ORDERS * 3
            webhook_expected = {event_id for event_id, _, _ in expected} - history
            alive = [node.url for node in cluster.nodes if node is not cluster.nodes[1]]
            deadline = time.monotonic() + DEADLINE_S
            messages = []
            while time.monotonic() < deadline:
                try:
                    messages = asyncio.run(read_stream(alive, STREAM))
                except Exception:  # the stream may not exist or have a leader yet
                    messages = []
                got = {r.json()["event_id"] for r in receiver.accepted()}
                if len(messages) >= len(expected) and got >= webhook_expected:
                    break
                time.sleep(0.5)
            else:
                pytest.fail(
                    f"not delivered in {DEADLINE_S}s: {len(messages)} of {len(expected)}"
                    f" in the stream, {len(receiver.accepted())} webhook deliveries\n"
                    + "\n".join((logs / f"worker{i}.log").read_text() for i in (1, 2))
                )
        finally:
            for process in processes:
                if process in processes[:2]:
                    stop_server(process)
                else:
                    stop(process)

    # NATS: each event exactly once (the stream dropped re-publishes), none missing, and
    # each order's events in their sequence.
    ids = [m.msg_id for m in messages]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == {event_id for event_id, _, _ in expected}
    sequences: defaultdict[str, list[int]] = defaultdict(list)
    for message in messages:
        envelope = json.loads(message.body)
        if envelope["order_id"] is not None:
            sequences[envelope["order_id"]].append(envelope["sequence"])
    assert all(seq == list(range(1, len(seq) + 1)) for seq in sequences.values())
    assert len(sequences) == ORDERS

    # Webhooks: at least once (a killed worker's unrecorded pass is sent again), and an
    # order's events first arrive in sequence.
    first_seen: defaultdict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for received in receiver.accepted():
        envelope = received.json()
        if envelope["event_id"] in seen:
            continue
        seen.add(envelope["event_id"])
        if envelope["order_id"] is not None:
            first_seen[envelope["order_id"]].append(envelope["sequence"])
    assert seen == webhook_expected
    assert all(seq == sorted(seq) for seq in first_seen.values())
