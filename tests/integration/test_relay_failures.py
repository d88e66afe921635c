"""A webhook sender or a NATS publisher that raises, on SQLite and PostgreSQL: the relay
logs it, counts it as a failed attempt, retries with backoff, and the pass (and so the
worker loop) goes on; the other subscribers are served."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_relay_delivery import SECRET, add_events

from ordermesh.adapters.db.delivery_tables import webhook_deliveries
from ordermesh.adapters.events.relay import PassReport, Relay, RelaySettings
from ordermesh.adapters.events.store import OutboxEvent, SqlDeliveryStore
from ordermesh.entrypoints.worker import relay_pass
from ordermesh.services import events_delivery
from ordermesh.services.events_delivery import RetryPolicy, Subscriber


class ManualClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


class ExplodingSender:
    """Raises for the subscriber named ``broken``: an exception type no HTTP client
    documents, as a bug or an unencodable header would."""

    def __init__(self, broken: str) -> None:
        self.broken = broken
        self.delivered: list[tuple[str, str]] = []
        self.explode = True

    async def send(self, subscriber: Subscriber, event: OutboxEvent) -> str | None:
        if self.explode and subscriber.id == self.broken:
            raise LookupError(f"no codec for \x00 in {event.event_id}")
        self.delivered.append((subscriber.id, event.event_id))
        return None

    async def close(self) -> None:
        return None


class ExplodingPublisher:
    def __init__(self) -> None:
        self.calls = 0

    async def publish_in_order(self, events: Sequence[OutboxEvent]) -> int:
        self.calls += 1
        raise RuntimeError("the NATS client is in a state nobody expected")

    async def close(self) -> None:
        return None


def one_pass(relay: Relay) -> None:
    asyncio.run(relay.run_once())


@pytest.mark.postgres
def test_a_sender_that_raises_is_a_failed_attempt_retried_with_backoff(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    store = SqlDeliveryStore(engine)
    broken = events_delivery.add_subscriber(store, "http://broken.test/", SECRET, [], clock)
    healthy = events_delivery.add_subscriber(store, "http://healthy.test/", SECRET, [], clock)
    [event] = add_events(engine, orders=1, per_order=1)
    sender = ExplodingSender(broken.id)
    policy = RetryPolicy(max_attempts=5, base_delay_s=60.0, jitter=0.0)
    relay = Relay(engine, RelaySettings(retry=policy), clock, rng=random.Random(1), sender=sender)

    with caplog.at_level(logging.ERROR, logger="ordermesh.adapters.events.relay"):
        one_pass(relay)  # does not raise

    assert sender.delivered == [(healthy.id, event.event_id)]
    assert "LookupError" in caplog.text
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(webhook_deliveries).where(webhook_deliveries.c.subscriber_id == broken.id)
        ).one()
    assert row.attempts == 1
    assert row.last_error.startswith("LookupError: no codec for \\x00")
    assert row.next_attempt_at.replace(tzinfo=UTC) == clock.at + timedelta(seconds=60)

    # Before the backoff is over nothing is attempted; after it, the retry goes through.
    sender.explode = False
    clock.at += timedelta(seconds=30)
    one_pass(relay)
    assert (broken.id, event.event_id) not in sender.delivered
    clock.at += timedelta(seconds=31)
    one_pass(relay)
    assert (broken.id, event.event_id) in sender.delivered
    assert store.delivery_counts(broken.id) == {"delivered": 1}
    asyncio.run(relay.close())


@pytest.mark.postgres
def test_a_publisher_that_raises_backs_off_and_never_stops_the_pass(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    store = SqlDeliveryStore(engine)
    subscriber = events_delivery.add_subscriber(store, "http://healthy.test/", SECRET, [], clock)
    add_events(engine, orders=2, per_order=1)
    publisher = ExplodingPublisher()
    sender = ExplodingSender(broken="nobody")
    policy = RetryPolicy(base_delay_s=10.0, jitter=0.0)
    relay = Relay(
        engine,
        RelaySettings(retry=policy),
        clock,
        sender=sender,
        publisher=publisher,
    )

    with caplog.at_level(logging.WARNING):
        report = asyncio.run(relay.run_once())

    assert report.published == 0
    assert report.delivered == 2  # the webhooks went on
    assert {s for s, _ in sender.delivered} == {subscriber.id}
    assert publisher.calls == 1
    assert "RuntimeError" in caplog.text
    one_pass(relay)  # within the 10 s backoff: NATS is not tried again
    assert publisher.calls == 1
    clock.at += timedelta(seconds=11)
    one_pass(relay)
    assert publisher.calls == 2
    clock.at += timedelta(seconds=11)  # the second failure waits 20 s
    one_pass(relay)
    assert publisher.calls == 2
    clock.at += timedelta(seconds=10)
    one_pass(relay)
    assert publisher.calls == 3
    asyncio.run(relay.close())


class BrokenRelay:
    async def run_once(self) -> PassReport:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("the database went away"))


def test_a_relay_pass_that_raises_is_logged_and_the_worker_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="ordermesh.worker"):
        report = asyncio.run(relay_pass(BrokenRelay()))  # type: ignore[arg-type]
    assert report.progress == 0
    assert "relay pass failed" in caplog.text and "the database went away" in caplog.text
