"""Publishing outbox events to NATS JetStream.

Subjects are ``<prefix>.<event type>`` (``ordermesh.order.received``); each message carries
``Nats-Msg-Id: <event id>``, so the stream drops a re-publish of an event it already holds
within its duplicate window, and the relay can deliver at least once without consumers
seeing an event twice. The stream is created when missing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from ordermesh.adapters.events.store import OutboxEvent

log = logging.getLogger(__name__)

DEFAULT_STREAM = "ORDERMESH"
DEFAULT_PREFIX = "ordermesh"


@dataclass(frozen=True, slots=True)
class NatsSettings:
    servers: tuple[str, ...]
    stream: str = DEFAULT_STREAM
    subject_prefix: str = DEFAULT_PREFIX
    replicas: int = 1
    duplicate_window_s: float = 600.0
    publish_timeout_s: float = 5.0


class NatsPublisher:
    def __init__(self, settings: NatsSettings) -> None:
        self.settings = settings
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._stream_ready = False

    async def connect(self) -> None:
        if self._nc is not None:
            return
        self._nc = await nats.connect(
            servers=list(self.settings.servers),
            name="ordermesh-relay",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.25,
            connect_timeout=2,
            error_cb=_log_error,
            disconnected_cb=_log_disconnected,
        )
        self._js = self._nc.jetstream(timeout=self.settings.publish_timeout_s)

    async def ensure_stream(self) -> None:
        if self._stream_ready:
            return
        await self.connect()
        assert self._js is not None
        try:
            await self._js.stream_info(self.settings.stream)
        except NotFoundError:
            await self._js.add_stream(
                StreamConfig(
                    name=self.settings.stream,
                    subjects=[f"{self.settings.subject_prefix}.>"],
                    storage=StorageType.FILE,
                    num_replicas=self.settings.replicas,
                    duplicate_window=self.settings.duplicate_window_s,
                )
            )
        self._stream_ready = True

    def subject(self, event_type: str) -> str:
        return f"{self.settings.subject_prefix}.{event_type}"

    async def publish(self, event: OutboxEvent) -> bool:
        """True when the stream stored it (or already had it: a duplicate)."""
        assert self._js is not None
        await self._js.publish(
            self.subject(event.type),
            event.body,
            timeout=self.settings.publish_timeout_s,
            stream=self.settings.stream,
            headers={"Nats-Msg-Id": event.event_id},
        )
        return True

    async def publish_in_order(self, events: Sequence[OutboxEvent]) -> int:
        """Publish a batch concurrently, one order's events strictly one after another (a
        later event of an order is sent only once the stream acknowledged the earlier).
        Returns how many events from the start of the batch are all stored: the relay
        moves its cursor that far, and whatever comes after is published again."""
        await self.ensure_stream()
        tails: dict[str, asyncio.Task[bool]] = {}
        tasks: list[asyncio.Task[bool]] = []
        for event in events:
            previous = tails.get(event.order_id) if event.order_id is not None else None
            task = asyncio.ensure_future(self._after(previous, event))
            tasks.append(task)
            if event.order_id is not None:
                tails[event.order_id] = task
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        stored = 0
        for outcome in outcomes:
            if outcome is not True:
                if isinstance(outcome, BaseException):
                    log.warning("NATS publish failed: %r", outcome)
                break
            stored += 1
        return stored

    async def _after(self, previous: asyncio.Task[bool] | None, event: OutboxEvent) -> bool:
        if previous is not None:
            try:
                if not await previous:
                    return False
            except Exception:
                return False
        return await self.publish(event)

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        self._stream_ready = False
        if nc is not None and not nc.is_closed:
            try:
                await nc.drain()
            except Exception:  # already closing or disconnected: close regardless
                await nc.close()


async def _log_error(error: Exception) -> None:
    log.warning("NATS: %r", error)


async def _log_disconnected() -> None:
    log.warning("NATS: disconnected, reconnecting")
