"""The outbox relay: every event, at least once, in per-order order, to NATS JetStream and
to each webhook subscriber.

Each destination ("nats", "webhook:<subscriber id>") has a cursor row in ``relay_cursors``
and is fed by whichever worker holds that row's lease (``SqlDeliveryStore.claim``), so two
workers never deliver the same batch at once and a worker that dies (SIGKILL) is replaced
when its lease runs out. A pass:

- NATS: read the events after the cursor in ``id`` order, publish them (each order's
  events one after another, different orders concurrently), move the cursor over the
  prefix the stream acknowledged. A crash between publish and cursor move re-publishes;
  the stream drops the repeat by ``Nats-Msg-Id``.
- webhooks: turn the events after the subscriber's cursor that it wants into delivery rows
  (same transaction as the cursor move), then attempt the due ones, an order's in sequence:
  a failed event holds back the order's later events (retried with exponential backoff and
  jitter; after ``max_attempts`` a dead letter, which keeps holding them until replayed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from ordermesh.adapters.events.nats_publisher import NatsPublisher, NatsSettings
from ordermesh.adapters.events.store import (
    DeliveryResult,
    Lease,
    LeaseLost,
    OutboxEvent,
    PendingDelivery,
    SqlDeliveryStore,
)
from ordermesh.adapters.events.webhook_sender import WebhookSender
from ordermesh.services.events_delivery import RetryPolicy, Subscriber, partner_hooks
from ordermesh.services.ports import Clock

log = logging.getLogger(__name__)

NATS_CURSOR = "nats"


def webhook_cursor(subscriber_id: str) -> str:
    return f"webhook:{subscriber_id}"


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class RelaySettings:
    nats: NatsSettings | None = None
    batch_size: int = 500
    lease_ttl_s: float = 15.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    webhook_concurrency: int = 32
    webhook_timeout_s: float = 10.0


@dataclass
class PassReport:
    published: int = 0  # events the stream acknowledged
    fanned_out: int = 0  # outbox events read into webhook deliveries
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def progress(self) -> int:
        return self.published + self.fanned_out + self.delivered + self.failed


class Sender(Protocol):
    """Delivers one event to one webhook subscriber (``WebhookSender``)."""

    async def send(self, subscriber: Subscriber, event: OutboxEvent) -> str | None:
        """None when delivered, else why not."""
        ...

    async def close(self) -> None: ...


class Publisher(Protocol):
    """Publishes events to a stream (``NatsPublisher``)."""

    async def publish_in_order(self, events: Sequence[OutboxEvent]) -> int:
        """How many events from the start of the batch the stream stored."""
        ...

    async def close(self) -> None: ...


class Relay:
    def __init__(
        self,
        engine: sa.Engine,
        settings: RelaySettings,
        clock: Clock,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
        sender: Sender | None = None,
        publisher: Publisher | None = None,
    ) -> None:
        """``sender`` and ``publisher`` replace the HTTP client and the NATS connection
        the settings call for (tests)."""
        self.settings = settings
        self.store = SqlDeliveryStore(engine)
        self.clock = clock
        self.owner = owner or worker_identity()
        self._rng = rng or random.Random()
        if publisher is None and settings.nats is not None:
            publisher = NatsPublisher(settings.nats)
        self._publisher = publisher
        self._sender = sender or WebhookSender(
            settings.webhook_timeout_s, settings.webhook_concurrency
        )
        self._leases: dict[str, Lease] = {}
        self._synced_version: int | None = None
        self._nats_failures = 0  # consecutive NATS passes that failed
        self._nats_retry_at: datetime | None = None

    def sync_partner_subscribers(self) -> None:
        """When the network version changed since the last look (or on the first pass),
        make the partner-scoped subscribers those of its ``webhook`` connectors."""
        version = self.store.network_version()
        if version is None or version == self._synced_version:
            return
        current = self.store.current_network()
        if current is None:
            return
        try:
            self.store.sync_partner_hooks(partner_hooks(current.network), self.clock.now())
        except sa.exc.DBAPIError as error:  # another worker syncing at once: next pass
            log.warning("could not sync the partners' webhook subscribers: %r", error)
            return
        self._synced_version = current.version

    async def run_once(self) -> PassReport:
        report = PassReport()
        self.sync_partner_subscribers()
        if self._publisher is not None:
            try:
                report.published = await self._nats_pass(self._publisher)
            except Exception:
                log.exception("NATS pass failed")
                self._nats_failed()
        for subscriber in self.store.subscribers(active_only=True):
            # One subscriber's trouble (a bug, a value its request cannot carry) does not
            # hold back the others; its deliveries stay pending for the next pass.
            try:
                await self._webhook_pass(subscriber, report)
            except Exception:
                log.exception("webhook pass for subscriber %s failed", subscriber.id)
        return report

    async def drain(self, max_passes: int = 1000) -> PassReport:
        """Run passes until one makes no progress (tests and benchmarks)."""
        total = PassReport()
        for _ in range(max_passes):
            report = await self.run_once()
            total.published += report.published
            total.fanned_out += report.fanned_out
            total.delivered += report.delivered
            total.failed += report.failed
            total.dead += report.dead
            if report.progress == 0:
                break
        return total

    def _claim(self, name: str) -> Lease | None:
        lease = self.store.claim(name, self.owner, self.clock.now(), self.settings.lease_ttl_s)
        if lease is None:
            self._leases.pop(name, None)
        else:
            self._leases[name] = lease
        return lease

    # -- NATS -------------------------------------------------------------------------------

    def _nats_failed(self) -> None:
        """Back off: the n-th failed pass in a row waits as the n-th webhook retry would."""
        self._nats_failures += 1
        delay = self.settings.retry.delay_s(self._nats_failures, self._rng)
        self._nats_retry_at = self.clock.now() + timedelta(seconds=delay)

    async def _nats_pass(self, publisher: Publisher) -> int:
        if self._nats_retry_at is not None and self.clock.now() < self._nats_retry_at:
            return 0
        lease = self._claim(NATS_CURSOR)
        if lease is None:
            return 0
        events = self.store.events_after(lease.position, self.settings.batch_size)
        if not events:
            return 0
        try:
            stored = await publisher.publish_in_order(events)
        except Exception as error:  # no connection, no stream yet: try again later
            log.warning("NATS unavailable: %r", error)
            self._nats_failed()
            return 0
        if stored < len(events):
            self._nats_failed()  # publish_in_order logged why
        else:
            self._nats_failures, self._nats_retry_at = 0, None
        if stored:
            try:
                self._leases[NATS_CURSOR] = self.store.advance(
                    lease, events[stored - 1].id, self.clock.now()
                )
            except LeaseLost:
                log.warning("lost the NATS lease; another worker carries on")
                return 0
        return stored

    # -- webhooks ---------------------------------------------------------------------------

    async def _webhook_pass(self, subscriber: Subscriber, report: PassReport) -> None:
        lease = self._claim(webhook_cursor(subscriber.id))
        if lease is None:
            return
        try:
            lease, read = self.store.fan_out(
                lease, subscriber, self.settings.batch_size, self.clock.now()
            )
            report.fanned_out += read
            pending, blocked = self.store.pending(subscriber.id, self.settings.batch_size)
            if not pending:
                return
            results = await self._attempt(subscriber, pending, blocked)
            self.store.record(lease, subscriber.id, results, self.clock.now())
        except LeaseLost:
            log.warning("lost the lease on %s; another worker carries on", lease.name)
            return
        for result in results:
            if result.ok:
                report.delivered += 1
            else:
                report.failed += 1
                report.dead += result.retry_at is None

    async def _attempt(
        self, subscriber: Subscriber, pending: Sequence[PendingDelivery], blocked: set[str]
    ) -> list[DeliveryResult]:
        chains: dict[str, list[PendingDelivery]] = {}
        for delivery in pending:
            key = delivery.event.order_id or f"event:{delivery.event.event_id}"
            chains.setdefault(key, []).append(delivery)
        results: list[DeliveryResult] = []
        gate = asyncio.Semaphore(self.settings.webhook_concurrency)
        started = self.clock.now()
        policy = self.settings.retry

        async def run(chain: list[PendingDelivery]) -> None:
            for delivery in chain:
                if delivery.event.order_id in blocked or delivery.next_attempt_at > started:
                    return
                async with gate:
                    error = await self._send(subscriber, delivery)
                at = self.clock.now()
                if error is None:
                    results.append(DeliveryResult(delivery.id, True, at))
                    continue
                attempts = delivery.attempts + 1
                retry_at = None
                if attempts < policy.max_attempts:
                    retry_at = at + timedelta(seconds=policy.delay_s(attempts, self._rng))
                results.append(DeliveryResult(delivery.id, False, at, error, retry_at))
                return

        await asyncio.gather(*(run(chain) for chain in chains.values()))
        return results

    async def _send(self, subscriber: Subscriber, delivery: PendingDelivery) -> str | None:
        """The sender's answer; an exception it raises is a failed attempt like any other
        (retried with backoff, then a dead letter), never the end of the pass."""
        try:
            failure = await self._sender.send(subscriber, delivery.event)
        except Exception as error:
            log.exception(
                "delivering event %s to %s raised", delivery.event.event_id, subscriber.id
            )
            failure = f"{type(error).__name__}: {error}"[:500]
        # Stored as the delivery's last error: PostgreSQL text holds no NUL.
        return None if failure is None else failure.replace("\x00", "\\x00")

    async def close(self) -> None:
        """Hand the leases back (so another worker takes over at once) and disconnect."""
        now = self.clock.now()
        for lease in self._leases.values():
            try:
                self.store.release(lease, now)
            except Exception as error:  # the database is going away too: leases expire
                log.warning("could not release %s: %r", lease.name, error)
        self._leases.clear()
        if self._publisher is not None:
            await self._publisher.close()
        await self._sender.close()
