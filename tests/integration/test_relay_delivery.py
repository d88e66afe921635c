"""The outbox relay on SQLite and PostgreSQL: every event once to NATS JetStream (the
stream de-duplicates a re-delivery by ``Nats-Msg-Id``), signed webhooks, retry with
backoff, dead letters and their replay, and each order's events in order."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.delivery_tables import relay_cursors, webhook_deliveries
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.events.local import NatsCluster, Received, WebhookReceiver, read_stream
from ordermesh.adapters.events.nats_publisher import NatsSettings
from ordermesh.adapters.events.relay import NATS_CURSOR, Relay, RelaySettings
from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.domain.errors import NotFound
from ordermesh.domain.events import Event, EventType
from ordermesh.services import events_delivery
from ordermesh.services.events_delivery import RetryPolicy, verify_signature
from ordermesh.services.ports import StoredEvent

CLOCK = SystemClock()
SECRET = "s3cret-signing-key"


@pytest.fixture(scope="module")
def nats_cluster() -> Iterator[NatsCluster]:
    with NatsCluster(1) as cluster:
        yield cluster


def add_events(engine: sa.Engine, orders: int, per_order: int, tag: str = "") -> list[StoredEvent]:
    """``per_order`` events for each of ``orders`` orders, the orders interleaved."""
    types = [EventType.ORDER_RECEIVED, EventType.FULFILLMENT_CREATED, EventType.ORDER_ROUTED]
    events = [
        Event(types[min(step, 2)], f"ord_{tag}{order}", {"step": step})
        for step in range(per_order)
        for order in range(orders)
    ]
    with SqlUnitOfWork(engine) as uow:
        stored = uow.events.add(events, datetime.now(UTC))
        uow.commit()
    return stored


def nats_settings(cluster: NatsCluster) -> NatsSettings:
    suffix = uuid.uuid4().hex[:8]
    return NatsSettings(
        servers=tuple(cluster.urls), stream=f"T{suffix}", subject_prefix=f"om{suffix}"
    )


def run_relay(engine: sa.Engine, settings: RelaySettings, passes: int = 1000) -> None:
    async def go() -> None:
        relay = Relay(engine, settings, CLOCK, rng=random.Random(7))
        try:
            await relay.drain(passes)
        finally:
            await relay.close()

    asyncio.run(go())


@pytest.mark.postgres
def test_every_event_reaches_nats_once_and_a_redelivery_is_deduplicated(
    engine: sa.Engine, nats_cluster: NatsCluster
) -> None:
    stored = add_events(engine, orders=7, per_order=3) + add_events(engine, 5, 2, tag="b")
    nats = nats_settings(nats_cluster)
    settings = RelaySettings(nats=nats, batch_size=10)
    run_relay(engine, settings)

    messages = asyncio.run(read_stream(nats_cluster.urls, nats.stream))
    assert [m.msg_id for m in messages] == [e.event_id for e in stored]
    assert [m.subject for m in messages] == [f"{nats.subject_prefix}.{e.type}" for e in stored]
    first = json.loads(messages[0].body)
    assert first["event_id"] == stored[0].event_id
    assert first["sequence"] == 1
    assert first["data"] == {"step": 0}

    # Rewind the cursor, as a worker that died before recording its progress would leave
    # it: everything is published again, and the stream keeps one copy of each.
    SqlDeliveryStore(engine).set_position(NATS_CURSOR, 0, CLOCK.now())
    run_relay(engine, settings)
    again = asyncio.run(read_stream(nats_cluster.urls, nats.stream))
    assert [m.msg_id for m in again] == [e.event_id for e in stored]
    with engine.connect() as connection:
        position = connection.execute(
            sa.select(relay_cursors.c.position).where(relay_cursors.c.name == NATS_CURSOR)
        ).scalar_one()
    assert position == stored[-1].id


@pytest.mark.postgres
def test_webhooks_are_signed_and_filtered(engine: sa.Engine) -> None:
    store = SqlDeliveryStore(engine)
    add_events(engine, 2, 1, tag="before")  # committed before subscribing: not delivered
    with WebhookReceiver() as receiver:
        everything = events_delivery.add_subscriber(store, receiver.url, SECRET, [], CLOCK)
        only_orders = events_delivery.add_subscriber(
            store, receiver.url + "?orders", "another-secret", ["order.*"], CLOCK
        )
        stored = add_events(engine, orders=3, per_order=3)
        run_relay(engine, RelaySettings())
        got = receiver.accepted()

    to_all = [r for r in got if not r.path.endswith("?orders")]
    to_orders = [r for r in got if r.path.endswith("?orders")]
    assert sorted(r.json()["event_id"] for r in to_all) == sorted(e.event_id for e in stored)
    assert sorted(r.json()["type"] for r in to_orders) == sorted(
        e.type for e in stored if e.type.startswith("order.")
    )
    now = int(time.time())
    for received in to_all:
        header = received.headers["X-Ordermesh-Signature"]
        assert verify_signature(SECRET, received.body, header, now)
        assert not verify_signature("wrong-secret", received.body, header, now)
        assert not verify_signature(SECRET, received.body + b" ", header, now)
        assert not verify_signature(SECRET, received.body, header, now + 3600)
        assert received.headers["X-Ordermesh-Event-Id"] == received.json()["event_id"]
    for received in to_orders:
        header = received.headers["X-Ordermesh-Signature"]
        assert verify_signature("another-secret", received.body, header, now)
    assert {everything.id, only_orders.id} == {s.id for s in store.subscribers()}


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_s=1.0, max_delay_s=60.0, jitter=0.2)
    rng = random.Random(1)
    for attempts, nominal in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (40, 60.0)]:
        delays = [policy.delay_s(attempts, rng) for _ in range(200)]
        assert all(0.8 * nominal <= d <= 1.2 * nominal for d in delays)
        assert max(delays) - min(delays) > 0.1 * nominal  # jitter really spreads them


@pytest.mark.postgres
def test_failures_retry_then_dead_letter_hold_the_order_and_replay_delivers_in_order(
    engine: sa.Engine,
) -> None:
    store = SqlDeliveryStore(engine)
    failing = {"on": True}
    attempts: defaultdict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def respond(received: Received) -> int:
        event = received.json()
        with lock:
            attempts[event["event_id"]] += 1
        # Order 0's second event fails while ``failing`` holds.
        if failing["on"] and event["order_id"] == "ord_0" and event["sequence"] == 2:
            return 503
        return 204

    settings = RelaySettings(retry=RetryPolicy(max_attempts=3, base_delay_s=0.0, jitter=0.0))
    with WebhookReceiver(respond) as receiver:
        subscriber = events_delivery.add_subscriber(store, receiver.url, SECRET, [], CLOCK)
        stored = add_events(engine, orders=3, per_order=3)
        run_relay(engine, settings)

        failed = next(e for e in stored if e.order_id == "ord_0" and e.sequence == 2)
        assert attempts[failed.event_id] == 3
        letters = store.dead_letters()
        assert [(d.event_id, d.attempts, d.last_error) for d in letters] == [
            (failed.event_id, 3, "HTTP 503")
        ]
        delivered = [r.json() for r in receiver.accepted()]
        # ord_0's first event went; its third waits behind the dead letter; the other
        # orders are not held up.
        assert [(e["order_id"], e["sequence"]) for e in delivered if e["order_id"] == "ord_0"] == [
            ("ord_0", 1)
        ]
        assert sorted(
            (e["order_id"], e["sequence"]) for e in delivered if e["order_id"] != "ord_0"
        ) == [(f"ord_{o}", s) for o in (1, 2) for s in (1, 2, 3)]
        third = next(e for e in stored if e.order_id == "ord_0" and e.sequence == 3)
        assert attempts[third.event_id] == 0
        counts = store.delivery_counts(subscriber.id)
        assert counts == {"delivered": 7, "dead": 1, "pending": 1}

        with pytest.raises(NotFound):
            events_delivery.replay_dead_letter(store, 999_999, CLOCK)
        failing["on"] = False
        events_delivery.replay_dead_letter(store, letters[0].id, CLOCK)
        with pytest.raises(NotFound):  # once replayed, it is no longer a dead letter
            events_delivery.replay_dead_letter(store, letters[0].id, CLOCK)
        run_relay(engine, settings)
        delivered = [r.json() for r in receiver.accepted()]

    assert [e["sequence"] for e in delivered if e["order_id"] == "ord_0"] == [1, 2, 3]
    assert store.dead_letters() == []
    assert store.delivery_counts(subscriber.id) == {"delivered": 9}


@pytest.mark.postgres
def test_each_orders_events_arrive_in_sequence_despite_random_failures(
    engine: sa.Engine,
) -> None:
    store = SqlDeliveryStore(engine)
    flaky = random.Random(3)
    lock = threading.Lock()

    def respond(_received: Received) -> int:
        with lock:
            return 500 if flaky.random() < 0.3 else 200

    settings = RelaySettings(
        batch_size=25, retry=RetryPolicy(max_attempts=50, base_delay_s=0.0, jitter=0.0)
    )
    with WebhookReceiver(respond) as receiver:
        events_delivery.add_subscriber(store, receiver.url, SECRET, [], CLOCK)
        stored = add_events(engine, orders=12, per_order=5)
        run_relay(engine, settings)
        delivered = [r.json() for r in receiver.accepted()]

    by_order: defaultdict[str, list[int]] = defaultdict(list)
    for event in delivered:
        by_order[event["order_id"]].append(event["sequence"])
    assert len(delivered) == len(stored)
    assert all(sequence == [1, 2, 3, 4, 5] for sequence in by_order.values())
    assert len(by_order) == 12
    with engine.connect() as connection:
        statuses = connection.execute(sa.select(webhook_deliveries.c.status).distinct()).scalars()
        assert set(statuses) == {"delivered"}


@pytest.mark.postgres
def test_two_relays_share_the_work_without_delivering_a_batch_twice(
    engine: sa.Engine, nats_cluster: NatsCluster
) -> None:
    nats = nats_settings(nats_cluster)
    store = SqlDeliveryStore(engine)
    with WebhookReceiver() as receiver:
        events_delivery.add_subscriber(store, receiver.url, SECRET, [], CLOCK)
        stored = add_events(engine, orders=20, per_order=3)
        settings = RelaySettings(nats=nats, batch_size=7)

        async def both() -> None:
            relays = [Relay(engine, settings, CLOCK, owner=f"w{i}") for i in (1, 2)]
            try:
                for _ in range(100):
                    reports = await asyncio.gather(*(r.run_once() for r in relays))
                    if not any(report.progress for report in reports):
                        break
            finally:
                for relay in relays:
                    await relay.close()

        asyncio.run(both())
        webhook_ids = [r.json()["event_id"] for r in receiver.accepted()]

    assert sorted(webhook_ids) == sorted(e.event_id for e in stored)  # none twice
    messages = asyncio.run(read_stream(nats_cluster.urls, nats.stream))
    assert [m.msg_id for m in messages] == [e.event_id for e in stored]
