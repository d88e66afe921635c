"""The SQL side of event delivery: subscribers, dead letters, and what the relay needs
(leases on per-destination cursors, fan-out of events to webhook deliveries, results).

Every method is its own short transaction. A lease is a ``relay_cursors`` row: claiming it
reads the row ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's ``BEGIN IMMEDIATE``
serialises claims anyway), takes it when free or expired and bumps ``lease_token``; every
later write of the holder is fenced by that token, so a worker whose lease expired and was
taken over cannot move the cursor or record results any more.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.delivery_tables import (
    relay_cursors,
    shopify_webhooks,
    webhook_dead_letters,
    webhook_deliveries,
    webhook_subscribers,
)
from ordermesh.adapters.db.tables import outbox_events
from ordermesh.services.events_delivery import DeadLetter, Subscriber


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    owner: str
    token: int
    position: int


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: int
    event_id: str
    type: str
    order_id: str | None
    body: bytes  # the envelope of docs/events.md, as JSON


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    id: int
    event: OutboxEvent
    attempts: int
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    delivery_id: int
    ok: bool
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None  # failed: try again then; None with ok False: dead


class LeaseLost(Exception):
    """Another worker holds the lease now: drop what this one was doing."""


def envelope(row: Any) -> bytes:
    occurred_at: datetime = row.created_at
    document = {
        "id": row.id,
        "event_id": row.event_id,
        "type": row.type,
        "occurred_at": occurred_at.isoformat(),
        "order_id": row.order_id,
        "sequence": row.order_sequence,
        "data": row.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _event(row: Any) -> OutboxEvent:
    return OutboxEvent(row.id, row.event_id, row.type, row.order_id, envelope(row))


class SqlDeliveryStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    # -- subscribers and dead letters (the DeliveryStore port) ------------------------------

    def add_subscriber(
        self, url: str, secret: str, event_types: Sequence[str], at: datetime
    ) -> Subscriber:
        subscriber = Subscriber(
            id=f"whs_{uuid.uuid4().hex}",
            url=url,
            secret=secret,
            event_types=tuple(event_types),
            active=True,
            created_at=at,
        )
        with self._engine.begin() as connection:
            connection.execute(
                webhook_subscribers.insert().values(
                    id=subscriber.id,
                    url=url,
                    secret=secret,
                    event_types=list(event_types),
                    active=True,
                    created_at=at,
                    updated_at=at,
                )
            )
            # A new subscriber gets the events committed from now on, not the history.
            last = connection.execute(sa.select(sa.func.max(outbox_events.c.id))).scalar()
            connection.execute(
                relay_cursors.insert().values(
                    name=f"webhook:{subscriber.id}",
                    position=int(last or 0),
                    lease_owner=None,
                    lease_token=0,
                    lease_until=None,
                    updated_at=at,
                )
            )
        return subscriber

    def subscribers(self, *, active_only: bool = False) -> list[Subscriber]:
        query = sa.select(webhook_subscribers).order_by(webhook_subscribers.c.created_at)
        if active_only:
            query = query.where(webhook_subscribers.c.active.is_(True))
        with self._engine.connect() as connection:
            return [
                Subscriber(
                    id=row.id,
                    url=row.url,
                    secret=row.secret,
                    event_types=tuple(row.event_types),
                    active=row.active,
                    created_at=row.created_at,
                )
                for row in connection.execute(query)
            ]

    def remove_subscriber(self, subscriber_id: str, at: datetime) -> bool:
        s = webhook_subscribers.c
        with self._engine.begin() as connection:
            result = connection.execute(
                webhook_subscribers.update()
                .where(s.id == subscriber_id, s.active.is_(True))
                .values(active=False, updated_at=at)
            )
        return result.rowcount == 1

    def dead_letters(self, include_replayed: bool = False) -> list[DeadLetter]:
        d = webhook_dead_letters.c
        query = sa.select(webhook_dead_letters).order_by(d.id)
        if not include_replayed:
            query = query.where(d.replayed_at.is_(None))
        with self._engine.connect() as connection:
            return [
                DeadLetter(
                    id=row.id,
                    delivery_id=row.delivery_id,
                    subscriber_id=row.subscriber_id,
                    event_id=row.event_id,
                    attempts=row.attempts,
                    last_error=row.last_error,
                    created_at=row.created_at,
                    replayed_at=row.replayed_at,
                )
                for row in connection.execute(query)
            ]

    def replay(self, dead_letter_ids: Sequence[int] | None, at: datetime) -> list[int]:
        d = webhook_dead_letters.c
        with self._engine.begin() as connection:
            query = sa.select(d.id, d.delivery_id).where(d.replayed_at.is_(None))
            if dead_letter_ids is not None:
                query = query.where(d.id.in_(list(dead_letter_ids)))
            rows = connection.execute(query.with_for_update()).all()
            if not rows:
                return []
            connection.execute(
                webhook_dead_letters.update()
                .where(d.id.in_([row.id for row in rows]))
                .values(replayed_at=at)
            )
            connection.execute(
                webhook_deliveries.update()
                .where(
                    webhook_deliveries.c.id.in_([row.delivery_id for row in rows]),
                    webhook_deliveries.c.status == "dead",
                )
                .values(status="pending", attempts=0, next_attempt_at=at)
            )
        return [row.id for row in rows]

    # -- leases -----------------------------------------------------------------------------

    def claim(self, name: str, owner: str, now: datetime, ttl_s: float) -> Lease | None:
        """Take or renew the lease on ``name`` for ``ttl_s``; None while another holds it."""
        c = relay_cursors.c
        until = now + timedelta(seconds=ttl_s)
        with self._engine.begin() as connection:
            row = connection.execute(
                sa.select(relay_cursors).where(c.name == name).with_for_update(skip_locked=True)
            ).one_or_none()
            if row is None:
                exists = connection.execute(
                    sa.select(sa.func.count()).select_from(relay_cursors).where(c.name == name)
                ).scalar_one()
                if exists:
                    return None  # locked by a concurrent claim right now
                try:
                    with connection.begin_nested():
                        connection.execute(
                            relay_cursors.insert().values(
                                name=name,
                                position=0,
                                lease_owner=owner,
                                lease_token=1,
                                lease_until=until,
                                updated_at=now,
                            )
                        )
                except sa.exc.IntegrityError:
                    return None
                return Lease(name, owner, 1, 0)
            held = row.lease_owner is not None and row.lease_until is not None
            if held and row.lease_owner != owner and row.lease_until > now:
                return None
            token = row.lease_token if row.lease_owner == owner else row.lease_token + 1
            connection.execute(
                relay_cursors.update()
                .where(c.name == name)
                .values(lease_owner=owner, lease_token=token, lease_until=until, updated_at=now)
            )
            return Lease(name, owner, token, row.position)

    def release(self, lease: Lease, now: datetime) -> None:
        c = relay_cursors.c
        with self._engine.begin() as connection:
            connection.execute(
                relay_cursors.update()
                .where(c.name == lease.name, c.lease_token == lease.token)
                .values(lease_owner=None, lease_until=None, updated_at=now)
            )

    def _fence(self, connection: sa.Connection, lease: Lease, position: int, now: datetime) -> None:
        c = relay_cursors.c
        result = connection.execute(
            relay_cursors.update()
            .where(c.name == lease.name, c.lease_token == lease.token, c.lease_owner == lease.owner)
            .values(position=position, updated_at=now)
        )
        if result.rowcount != 1:
            raise LeaseLost(lease.name)

    def advance(self, lease: Lease, position: int, now: datetime) -> Lease:
        with self._engine.begin() as connection:
            self._fence(connection, lease, position, now)
        return Lease(lease.name, lease.owner, lease.token, position)

    def set_position(self, name: str, position: int, now: datetime) -> None:
        """Move a cursor by hand (operations, tests): the next pass re-delivers from there."""
        with self._engine.begin() as connection:
            connection.execute(
                relay_cursors.update()
                .where(relay_cursors.c.name == name)
                .values(position=position, updated_at=now)
            )

    # -- the outbox -------------------------------------------------------------------------

    def events_after(self, position: int, limit: int) -> list[OutboxEvent]:
        e = outbox_events.c
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(outbox_events).where(e.id > position).order_by(e.id).limit(limit)
            )
            return [_event(row) for row in rows]

    def last_event_id(self) -> int:
        with self._engine.connect() as connection:
            last = connection.execute(sa.select(sa.func.max(outbox_events.c.id))).scalar()
        return int(last or 0)

    # -- webhooks ---------------------------------------------------------------------------

    def fan_out(
        self, lease: Lease, subscriber: Subscriber, limit: int, now: datetime
    ) -> tuple[Lease, int]:
        """Turn the subscriber's next outbox events into pending deliveries, and move its
        cursor past them, in one transaction. Returns the lease and events read."""
        events = self.events_after(lease.position, limit)
        if not events:
            return lease, 0
        rows = [
            {
                "subscriber_id": subscriber.id,
                "outbox_id": event.id,
                "event_id": event.event_id,
                "order_id": event.order_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event in events
            if subscriber.wants(event.type)
        ]
        position = events[-1].id
        with self._engine.begin() as connection:
            self._fence(connection, lease, position, now)
            if rows:
                connection.execute(webhook_deliveries.insert(), rows)
        return Lease(lease.name, lease.owner, lease.token, position), len(events)

    def pending(self, subscriber_id: str, limit: int) -> tuple[list[PendingDelivery], set[str]]:
        """The subscriber's first undelivered events in outbox order, and the orders held
        back by a dead letter (their later events wait until it is replayed)."""
        w = webhook_deliveries.c
        e = outbox_events.c
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(
                    w.id.label("delivery_id"),
                    w.attempts,
                    w.next_attempt_at,
                    outbox_events,
                )
                .join(outbox_events, e.id == w.outbox_id)
                .where(w.subscriber_id == subscriber_id, w.status == "pending")
                .order_by(w.outbox_id)
                .limit(limit)
            ).all()
            orders = {row.order_id for row in rows if row.order_id is not None}
            blocked: set[str] = set()
            if orders:
                blocked = set(
                    connection.execute(
                        sa.select(w.order_id)
                        .where(
                            w.subscriber_id == subscriber_id,
                            w.status == "dead",
                            w.order_id.in_(sorted(orders)),
                        )
                        .distinct()
                    ).scalars()
                )
        return [
            PendingDelivery(row.delivery_id, _event(row), row.attempts, row.next_attempt_at)
            for row in rows
        ], blocked

    def record(
        self, lease: Lease, subscriber_id: str, results: Iterable[DeliveryResult], now: datetime
    ) -> None:
        """Write attempt results, fenced by the lease; failures past the last attempt
        become dead letters."""
        w = webhook_deliveries.c
        results = list(results)
        if not results:
            return
        with self._engine.begin() as connection:
            self._fence(connection, lease, lease.position, now)
            delivered = [r.delivery_id for r in results if r.ok]
            if delivered:
                connection.execute(
                    webhook_deliveries.update()
                    .where(w.id.in_(delivered))
                    .values(
                        status="delivered",
                        attempts=w.attempts + 1,
                        delivered_at=now,
                        last_attempt_at=now,
                    )
                )
            for result in results:
                if result.ok:
                    continue
                dead = result.retry_at is None
                connection.execute(
                    webhook_deliveries.update()
                    .where(w.id == result.delivery_id)
                    .values(
                        status="dead" if dead else "pending",
                        attempts=w.attempts + 1,
                        last_error=result.error,
                        last_attempt_at=result.at,
                        next_attempt_at=result.retry_at or result.at,
                    )
                )
                if dead:
                    row = connection.execute(
                        sa.select(w.event_id, w.attempts).where(w.id == result.delivery_id)
                    ).one()
                    connection.execute(
                        webhook_dead_letters.insert().values(
                            delivery_id=result.delivery_id,
                            subscriber_id=subscriber_id,
                            event_id=row.event_id,
                            attempts=row.attempts,
                            last_error=result.error,
                            created_at=now,
                        )
                    )

    def delivery_counts(self, subscriber_id: str | None = None) -> dict[str, int]:
        w = webhook_deliveries.c
        query = sa.select(w.status, sa.func.count()).group_by(w.status)
        if subscriber_id is not None:
            query = query.where(w.subscriber_id == subscriber_id)
        with self._engine.connect() as connection:
            return {status: int(count) for status, count in connection.execute(query).all()}

    # -- Shopify ----------------------------------------------------------------------------

    def shopify_order_for(self, channel_id: str, webhook_id: str) -> str | None:
        s = shopify_webhooks.c
        with self._engine.connect() as connection:
            order_id: str | None = connection.execute(
                sa.select(s.order_id).where(s.channel_id == channel_id, s.webhook_id == webhook_id)
            ).scalar_one_or_none()
        return order_id

    def remember_shopify_webhook(
        self, channel_id: str, webhook_id: str, shopify_order_id: str, order_id: str, at: datetime
    ) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    shopify_webhooks.insert().values(
                        channel_id=channel_id,
                        webhook_id=webhook_id,
                        shopify_order_id=shopify_order_id,
                        order_id=order_id,
                        received_at=at,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # a concurrent delivery of the same webhook recorded it first
